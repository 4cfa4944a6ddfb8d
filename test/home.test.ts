/**
 * Contract §12, the `$TOSH_HOME` half: the home, its cache, history and
 * config are created private, and a cache or config that someone else can
 * change is not used, whatever `--trust` says. Also the history's size and
 * robustness, and homes that cannot be made at all.
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentId } from '../shell/plugins/cache.ts';
import { configSchema, defaultConfig } from '../shell/state/config.ts';
import { shq, terminals } from './helpers/tmux.ts';
import { BIN, finished, type ToshResult, tempDir, tosh, trustTree } from './helpers/tosh.ts';

const uid = process.getuid?.() ?? -1;
const root = uid === 0;
const modeOf = (path: string) => statSync(path).mode & 0o777;
const ok = (stdout: string): ToshResult => ({ stdout, stderr: '', code: 0 });

describe('config.json', () => {
  it('has the defaults its schema gives for {} (the shell uses them without zod when there is no file)', () => {
    expect(defaultConfig()).toEqual(configSchema().parse({}));
    expect(defaultConfig()).not.toBe(defaultConfig());
  });
});

describe.concurrent('$TOSH_HOME is created private', () => {
  it('makes the home, cache/ and cache/code 0700, and the manifest and code files 0600', async () => {
    const home = join(tempDir(), 'config', 'tosh');
    expect(await tosh(['-c', 'echo hi'], { home })).toEqual(ok('hi\n'));
    for (const dir of [join(home, '..'), home, join(home, 'cache'), join(home, 'cache', 'code')])
      expect([dir, modeOf(dir)]).toEqual([dir, 0o700]);
    const files = [
      join(home, 'cache', 'manifest.json'),
      ...readdirSync(join(home, 'cache', 'code')).map((f) => join(home, 'cache', 'code', f)),
    ];
    expect(files.length).toBeGreaterThan(2);
    for (const file of files) expect([file, modeOf(file)]).toEqual([file, 0o600]);
  });
});

describe.concurrent('a config.json someone else can change is not used', () => {
  /** A plugin directory with one 0666 plugin, which only trustAll (or --trust) would load. */
  const loose = () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'p'));
    writeFileSync(
      join(cwd, 'p', 'x.ts'),
      "import { defineCommand, definePlugin } from 'tosh/plugin-sdk';\nexport default definePlugin({ name: 'x', version: '1.0.0', commands: { x: defineCommand({ run: () => 'x ran' }) } });\n",
    );
    trustTree(cwd);
    chmodSync(join(cwd, 'p', 'x.ts'), 0o666);
    return cwd;
  };
  const refusedX = "tosh: refused plugin p/x.ts: it is writable by others (use --trust to load it anyway)\ntosh: unknown command 'x'\n";

  it('ignores a 0666 config.json that says trustAll, with a warning; --trust still lifts only the plugin checks', async () => {
    const cwd = loose();
    const home = tempDir('tosh-home-');
    const config = join(home, 'config.json');
    writeFileSync(config, '{ "trustAll": true }\n');
    chmodSync(config, 0o666);
    const warning = `tosh: config ${config} not used: it is writable by others (using defaults)\n`;
    expect(await tosh(['--plugins', 'p', '-c', 'x'], { cwd, home })).toEqual({ stdout: '', stderr: `${warning}${refusedX}`, code: 127 });
    expect(await tosh(['--trust', '--plugins', 'p', '-c', 'x'], { cwd, home })).toEqual({ stdout: 'x ran\n', stderr: warning, code: 0 });
    chmodSync(config, 0o600);
    expect(await tosh(['--plugins', 'p', '-c', 'x'], { cwd, home })).toEqual(ok('x ran\n'));
  });

  it.runIf(root)('ignores a config.json owned by another user', async () => {
    const cwd = loose();
    const home = tempDir('tosh-home-');
    const config = join(home, 'config.json');
    writeFileSync(config, '{ "trustAll": true }\n');
    chownSync(config, 65534, 65534);
    expect(await tosh(['--plugins', 'p', '-c', 'x'], { cwd, home })).toEqual({
      stdout: '',
      stderr: `tosh: config ${config} not used: it is owned by uid 65534, not by you (uid 0) or root (using defaults)\n${refusedX}`,
      code: 127,
    });
  });

  it('ignores config.json and the cache in a $TOSH_HOME writable by others', async () => {
    const home = tempDir('tosh-home-');
    writeFileSync(join(home, 'config.json'), '{ "trustAll": true }\n');
    chmodSync(home, 0o777);
    const cwd = loose();
    expect(await tosh(['--plugins', 'p', '-c', 'x'], { cwd, home })).toEqual({
      stdout: '',
      stderr:
        `tosh: config ${join(home, 'config.json')} not used: ${home} is writable by others (using defaults)\n` +
        `tosh: cache ${join(home, 'cache')} not used: ${home} is writable by others\n${refusedX}`,
      code: 127,
    });
    expect(existsSync(join(home, 'cache'))).toBe(false);
  });

  it('does not hang on a FIFO at config.json', async () => {
    const home = tempDir('tosh-home-');
    execFileSync('mkfifo', [join(home, 'config.json')]);
    expect(await tosh(['-c', 'echo hi'], { home, timeoutMs: 10_000 })).toEqual({
      stdout: 'hi\n',
      stderr: `tosh: config ${join(home, 'config.json')} not used: it is not a regular file (using defaults)\n`,
      code: 0,
    });
  });
});

describe.concurrent('a cache someone else can change is not used', () => {
  /**
   * A warm cache whose entry for the built-in echo now points at injected code
   * (a marker file when it runs), as someone able to write there would do it.
   */
  const injected = async () => {
    const home = tempDir('tosh-home-');
    const marker = join(tempDir(), 'marker');
    expect(await tosh(['-c', 'echo warm'], { home })).toEqual(ok('warm\n'));
    const manifestFile = join(home, 'cache', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { entries: Record<string, { code?: string }> };
    const echo = Object.entries(manifest.entries).find(([path]) => path.endsWith(join('commands', 'echo.ts')));
    expect(echo).toBeDefined();
    const code = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'injected code ran');\n`;
    const id = contentId(code);
    const file = join(home, 'cache', 'code', `${id}.cjs`);
    writeFileSync(file, code, { mode: 0o600 });
    writeFileSync(join(home, 'cache', 'code', `${id}.map`), '{}', { mode: 0o600 });
    (echo?.[1] as { code?: string }).code = id;
    writeFileSync(manifestFile, JSON.stringify(manifest));
    return { home, marker, file, id };
  };

  it('does not run a code file that others can write; echo runs its real code, and the cache is repaired', async () => {
    const { home, marker, file, id } = await injected();
    chmodSync(file, 0o666);
    expect(await tosh(['--trust', '-c', 'echo hi'], { home })).toEqual({
      stdout: 'hi\n',
      stderr: `tosh: cache ${join(home, 'cache')} not used: code/${id}.cjs is writable by others\n`,
      code: 0,
    });
    expect(existsSync(marker)).toBe(false);
    expect(await tosh(['-c', 'echo again'], { home })).toEqual(ok('again\n'));
  });

  it.runIf(root)('does not run a code file owned by another user', async () => {
    const { home, marker, file, id } = await injected();
    chownSync(file, 65534, 65534);
    expect(await tosh(['-c', 'echo hi'], { home })).toEqual({
      stdout: 'hi\n',
      stderr: `tosh: cache ${join(home, 'cache')} not used: code/${id}.cjs is owned by uid 65534, not by you (uid 0) or root\n`,
      code: 0,
    });
    expect(existsSync(marker)).toBe(false);
  });

  it('does not use a cache directory writable by others, even with --trust', async () => {
    const { home, marker } = await injected();
    chmodSync(join(home, 'cache'), 0o777);
    const warning = `tosh: cache ${join(home, 'cache')} not used: it is writable by others\n`;
    expect(await tosh(['--trust', '-c', 'echo hi'], { home })).toEqual({ stdout: 'hi\n', stderr: warning, code: 0 });
    expect(existsSync(marker)).toBe(false);
    chmodSync(join(home, 'cache', 'code'), 0o777);
    chmodSync(join(home, 'cache'), 0o700);
    expect(await tosh(['-c', 'echo hi'], { home })).toEqual({
      stdout: 'hi\n',
      stderr: `tosh: cache ${join(home, 'cache')} not used: ${join(home, 'cache', 'code')} is writable by others\n`,
      code: 0,
    });
    expect(existsSync(marker)).toBe(false);
  });

  it('does not use a manifest others can write', async () => {
    const { home, marker } = await injected();
    chmodSync(join(home, 'cache', 'manifest.json'), 0o646);
    expect(await tosh(['-c', 'echo hi'], { home })).toEqual({
      stdout: 'hi\n',
      stderr: `tosh: cache ${join(home, 'cache')} not used: manifest.json is writable by others\n`,
      code: 0,
    });
    expect(existsSync(marker)).toBe(false);
    // Rewritten privately by that run: trusted again.
    expect(modeOf(join(home, 'cache', 'manifest.json'))).toBe(0o600);
    expect(await tosh(['-c', 'echo hi'], { home })).toEqual(ok('hi\n'));
  });
});

/** Run the binary through `sh` (for ulimit), collecting what a user sees. */
function viaShell(script: string, env: Record<string, string>): Promise<ToshResult> {
  return finished(spawn('sh', ['-c', script], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }), 60_000);
}

describe.concurrent('homes that cannot be written', () => {
  it('runs without cache and history when $TOSH_HOME cannot be made (HOME=/proc), saying so once', async () => {
    expect(await tosh(['-c', 'echo hi ; echo there'], { env: { HOME: '/proc', TOSH_HOME: undefined }, timeoutMs: 10_000 })).toEqual({
      stdout: 'hi\nthere\n',
      stderr: 'tosh: cannot create /proc/.config: no such file or directory (running without cache and history)\n',
      code: 0,
    });
  });

  it('leaves no temporary files in cache/code when a write fails part-way (a full disk)', async () => {
    const plugins = join(tempDir(), 'plugins');
    mkdirSync(plugins);
    // 300 KB of code: more than the file size limit below lets one file have.
    writeFileSync(
      join(plugins, 'big.ts'),
      `import { defineCommand, definePlugin } from 'tosh/plugin-sdk';\nconst filler = ${JSON.stringify('x'.repeat(300_000))};\nexport default definePlugin({ name: 'big', version: '1.0.0', commands: { big: defineCommand({ run: () => 'big ' + filler.length }) } });\n`,
    );
    trustTree(plugins);
    const home = tempDir('tosh-home-');
    // Writes past 64 KB fail with EFBIG (SIGXFSZ ignored), as on a full disk.
    const script = `trap '' XFSZ; ulimit -f 128; exec ${shq(process.execPath)} ${shq(BIN)} --plugins ${shq(plugins)} -c big`;
    for (let i = 0; i < 2; i++) expect(await viaShell(script, { HOME: home, TOSH_HOME: home })).toEqual(ok('big 300000\n'));
    const code = readdirSync(join(home, 'cache', 'code'));
    expect(code.filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(code.length).toBeGreaterThan(0);
  });
});

describe.concurrent('history', () => {
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `echo line ${i + 1}`);

  it('trims the file to historySize', async () => {
    const home = tempDir('tosh-home-');
    writeFileSync(join(home, 'config.json'), '{ "historySize": 5 }\n');
    writeFileSync(join(home, 'history'), `${lines(40).join('\n')}\n`);
    expect(await tosh(['-c', 'history'], { home })).toEqual(
      ok(
        lines(40)
          .slice(-5)
          .map((l, i) => `${i + 1}  ${l}\n`)
          .join(''),
      ),
    );
    expect(readFileSync(join(home, 'history'), 'utf8')).toBe(`${lines(40).slice(-5).join('\n')}\n`);
  });

  it('reads a 30 MB history from its end and trims it', async () => {
    const home = tempDir('tosh-home-');
    writeFileSync(join(home, 'config.json'), '{ "historySize": 3 }\n');
    const all = lines(2_000_000);
    writeFileSync(join(home, 'history'), `${all.join('\n')}\n`);
    expect(statSync(join(home, 'history')).size).toBeGreaterThan(30_000_000);
    expect(await tosh(['-c', 'history'], { home })).toEqual(
      ok(
        all
          .slice(-3)
          .map((l, i) => `${i + 1}  ${l}\n`)
          .join(''),
      ),
    );
    expect(readFileSync(join(home, 'history'), 'utf8')).toBe(`${all.slice(-3).join('\n')}\n`);
  });
});

describe('history in the interactive shell', () => {
  const terminal = terminals('tosh-home');
  const start = (home: string) =>
    terminal(
      `TOSH_HOME=${shq(home)} HOME=${shq(home)} TERM=xterm-256color ${shq(process.execPath)} ${shq(BIN)}; echo "[exit $?]"; sleep 600`,
    );

  it('is created 0600 in a 0700 home, and an entry cut short by a full disk is not glued to the next', async () => {
    const home = join(tempDir(), 'tosh');
    const first = start(home);
    await first.until('tosh> ');
    first.type('echo one');
    first.press('Enter');
    await first.until('one\n');
    first.press('C-d');
    await first.until('[exit 0]');
    expect(modeOf(home)).toBe(0o700);
    expect(modeOf(join(home, 'history'))).toBe(0o600);
    expect(readFileSync(join(home, 'history'), 'utf8')).toBe('echo one\n');

    // What a write stopped by a full disk leaves: part of a line, no newline.
    appendFileSync(join(home, 'history'), 'echo tw');
    const second = start(home);
    await second.until('tosh> ');
    second.type('echo three');
    second.press('Enter');
    await second.until('three\n');
    second.press('C-d');
    await second.until('[exit 0]');
    expect(readFileSync(join(home, 'history'), 'utf8')).toBe('echo one\necho tw\necho three\n');
  });
});
