/**
 * CONTRACT §12, its last lines: a plugin's `node_modules` and the directory
 * holding each plugin directory are checked like the rest (cold and from the
 * cache), and the plugin directories are fixed when the shell starts. Through
 * the real binary. Another user's files are made with `chown` when the tests
 * run as root (as CI does); what must hold for a user who is not root runs
 * as `nobody` then.
 */
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, finished, type ToshResult, tempDir, tosh, trustTree } from './helpers/tosh.ts';

const uid = process.getuid?.() ?? -1;
const root = uid === 0;
const NOBODY = 65534;
const SDK = "import { defineCommand, definePlugin } from 'tosh/plugin-sdk';\n";

/** A plugin whose one command `name` returns `value` (a JS expression), after `head` (imports). */
const plugin = (name: string, value = `'${name} ok'`, head = '') =>
  `${SDK}${head}\nexport default definePlugin({ name: '${name}', version: '1.0.0', commands: { ${name}: defineCommand({ run: () => ${value} }) } });\n`;

/** Files under a fresh directory (parents made), all trusted. */
function layout(files: Record<string, string>): string {
  const cwd = tempDir();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(cwd, path)), { recursive: true });
    writeFileSync(join(cwd, path), text);
  }
  trustTree(cwd);
  return cwd;
}

const refusedLine = (plugin: string, what: string, why: string) =>
  `tosh: refused plugin ${plugin}: ${what} is ${why} (use --trust to load it anyway)\n`;
const others = 'writable by others';

/** A folder plugin `p/f` that imports the package `evilmod` from its own node_modules. */
const withPackage = () =>
  layout({
    'p/f/index.ts': plugin('f', 'dep', "import dep from 'evilmod';"),
    'p/f/node_modules/evilmod/package.json': '{ "name": "evilmod", "main": "index.js" }\n',
    'p/f/node_modules/evilmod/index.js': "module.exports = 'from a package';\n",
  });

/** Run the binary as `id` (root only), in `cwd`, with a $TOSH_HOME that user owns. */
function toshAs(id: number, args: string[], cwd: string): Promise<ToshResult> {
  const home = join(tempDir('tosh-home-'), 'home');
  mkdirSync(home, { mode: 0o700 });
  chmodSync(dirname(home), 0o755);
  chownSync(home, id, id);
  const env = { PATH: process.env.PATH, HOME: home, TOSH_HOME: home };
  return finished(spawn(process.execPath, [BIN, ...args], { cwd, uid: id, gid: id, env, stdio: ['ignore', 'pipe', 'pipe'] }));
}

describe.concurrent("a plugin's node_modules is checked like its own files", () => {
  it('refuses a package file writable by others, and a package folder writable by others', async () => {
    const cwd = withPackage();
    chmodSync(join(cwd, 'p/f/node_modules/evilmod'), 0o777);
    chmodSync(join(cwd, 'p/f/node_modules/evilmod/index.js'), 0o666);
    expect(await tosh(['--plugins', 'p', '-c', 'f'], { cwd })).toEqual({
      stdout: '',
      stderr: `${refusedLine('p/f', 'p/f/node_modules/evilmod/index.js', others)}tosh: unknown command 'f'\n`,
      code: 127,
    });
    chmodSync(join(cwd, 'p/f/node_modules/evilmod/index.js'), 0o644);
    expect(await tosh(['--plugins', 'p', '-c', 'f'], { cwd })).toEqual({
      stdout: '',
      stderr: `${refusedLine('p/f', 'p/f/node_modules/evilmod', others)}tosh: unknown command 'f'\n`,
      code: 127,
    });
    // --trust lifts it, as for any plugin check.
    expect(await tosh(['--trust', '--plugins', 'p', '-c', 'f'], { cwd })).toEqual({ stdout: 'from a package\n', stderr: '', code: 0 });
  });

  it('refuses a cached plugin once a file of its node_modules becomes writable by others', async () => {
    const cwd = withPackage();
    const home = tempDir('tosh-home-');
    expect(await tosh(['--plugins', 'p', '-c', 'f'], { cwd, home })).toEqual({ stdout: 'from a package\n', stderr: '', code: 0 });
    expect(await tosh(['--plugins', 'p', '-c', 'f'], { cwd, home })).toEqual({ stdout: 'from a package\n', stderr: '', code: 0 });
    chmodSync(join(cwd, 'p/f/node_modules/evilmod'), 0o777);
    expect(await tosh(['--plugins', 'p', '-c', 'f'], { cwd, home })).toEqual({
      stdout: '',
      stderr: `${refusedLine('p/f', 'p/f/node_modules/evilmod', others)}tosh: unknown command 'f'\n`,
      code: 127,
    });
  });

  it.runIf(root)('refuses a package file owned by another user', async () => {
    const cwd = withPackage();
    chownSync(join(cwd, 'p/f/node_modules/evilmod/index.js'), NOBODY, NOBODY);
    expect(await tosh(['--plugins', 'p', '-c', 'f'], { cwd })).toEqual({
      stdout: '',
      stderr: `${refusedLine('p/f', 'p/f/node_modules/evilmod/index.js', `owned by uid ${NOBODY}, not by you (uid 0) or root`)}tosh: unknown command 'f'\n`,
      code: 127,
    });
  });
});

describe.concurrent('the directory holding a plugin directory', () => {
  it('refuses every plugin of a directory whose parent is writable by others, cold and from the cache', async () => {
    const cwd = layout({ 'inner/p/a.ts': plugin('a') });
    const home = tempDir('tosh-home-');
    const parent = join(cwd, 'inner');
    expect(await tosh(['--plugins', 'inner/p', '-c', 'a'], { cwd, home })).toEqual({ stdout: 'a ok\n', stderr: '', code: 0 });
    chmodSync(parent, 0o777);
    const refused = { stdout: '', stderr: `${refusedLine('inner/p/a.ts', parent, others)}tosh: unknown command 'a'\n`, code: 127 };
    expect(await tosh(['--plugins', 'inner/p', '-c', 'a'], { cwd, home })).toEqual(refused);
    expect(await tosh(['--plugins', 'inner/p', '-c', 'a'], { cwd })).toEqual(refused);
  });

  it('accepts a sticky parent such as /tmp: no one may rename what is not theirs there', async () => {
    const cwd = layout({ 'inner/p/a.ts': plugin('a') });
    chmodSync(join(cwd, 'inner'), 0o1777);
    expect(await tosh(['--plugins', 'inner/p', '-c', 'a'], { cwd })).toEqual({ stdout: 'a ok\n', stderr: '', code: 0 });
  });

  it.runIf(root)('refuses a sticky parent owned by another user', async () => {
    const cwd = layout({ 'inner/p/a.ts': plugin('a') });
    const parent = join(cwd, 'inner');
    chmodSync(parent, 0o1777);
    chownSync(parent, NOBODY, NOBODY);
    expect(await tosh(['--plugins', 'inner/p', '-c', 'a'], { cwd })).toEqual({
      stdout: '',
      stderr: `${refusedLine('inner/p/a.ts', parent, `owned by uid ${NOBODY}, not by you (uid 0) or root`)}tosh: unknown command 'a'\n`,
      code: 127,
    });
  });
});

describe.concurrent('plugin directories are fixed when the shell starts', () => {
  /** A repository the shell starts in and a cloned one beside it, each with its own plugins/ folder. */
  const repos = () => {
    const cwd = layout({ 'repo/plugins/mine.ts': plugin('mine'), 'cloned/plugins/evil.ts': plugin('evil', "'evil ran'") });
    return { repo: join(cwd, 'repo'), cloned: join(cwd, 'cloned') };
  };

  it('a relative TOSH_PLUGIN_PATH entry is resolved once, said once; cd and reload do not change it', async () => {
    const { repo } = repos();
    const r = await tosh(['-c', 'cd ../cloned; reload; evil; mine'], { cwd: repo, env: { TOSH_PLUGIN_PATH: 'plugins' } });
    expect(r.stdout).not.toContain('evil');
    expect(r.stdout).toMatch(/mine ok\n$/);
    expect(r.stderr).toBe(
      `tosh: TOSH_PLUGIN_PATH entry 'plugins' is relative: using ${join(repo, 'plugins')} (where tosh started)\ntosh: unknown command 'evil'\n`,
    );
    expect(r.code).toBe(0);
  });

  it('--plugins DIR too, and the watcher of a shell reading stdin', async () => {
    const { repo, cloned } = repos();
    const r = await tosh(['--plugins', 'plugins', '--watch'], { cwd: repo, stdin: 'cd ../cloned\nreload\nevil\nmine\n' });
    expect(r.stdout).toMatch(/mine ok\n$/);
    expect(r.stderr).toBe("tosh: unknown command 'evil'\n");
    expect(existsSync(join(cloned, 'plugins', 'evil.ts'))).toBe(true);
  });

  it('a relative TOSH_HOME is where the shell started: cd does not move its plugins', async () => {
    const { repo } = repos();
    mkdirSync(join(repo, 'home', 'plugins'), { recursive: true, mode: 0o700 });
    writeFileSync(join(repo, 'home', 'plugins', 'homed.ts'), plugin('homed'));
    trustTree(join(repo, 'home'));
    chmodSync(join(repo, 'home'), 0o700);
    const r = await tosh(['-c', 'cd ..; reload homed; homed'], { cwd: repo, env: { TOSH_HOME: 'home' } });
    expect(r.stdout).toMatch(/homed ok\n$/);
    expect(r.code).toBe(0);
  });
});

describe.concurrent('trust for a user who is not root (run as nobody when the tests are root)', () => {
  // A file of the system's own (root's, under /usr/share) is imported and trusted.
  const systemFile = ['/usr/share/iso-codes/json/schema-639-5.json', '/usr/share/glvnd/egl_vendor.d/50_mesa.json'].find(existsSync);

  it.runIf(systemFile)('imports a root-owned file from outside the plugin directory', async () => {
    const cwd = layout({ 'p/x.ts': plugin('x', 'typeof data', `import data from ${JSON.stringify(systemFile)};`) });
    chmodSync(cwd, 0o755);
    const run = root ? toshAs(NOBODY, ['--plugins', 'p', '-c', 'x'], cwd) : tosh(['--plugins', 'p', '-c', 'x'], { cwd });
    expect(await run).toEqual({ stdout: 'object\n', stderr: '', code: 0 });
  });

  it.runIf(root)("refuses, for nobody, root's plugin folder holding a file of a third user", async () => {
    const cwd = layout({ 'p/x.ts': plugin('x') });
    chmodSync(cwd, 0o755);
    chownSync(join(cwd, 'p', 'x.ts'), 4242, 4242);
    expect(await toshAs(NOBODY, ['--plugins', 'p', '-c', 'x'], cwd)).toEqual({
      stdout: '',
      stderr: `${refusedLine('p/x.ts', 'it', `owned by uid 4242, not by you (uid ${NOBODY}) or root`)}tosh: unknown command 'x'\n`,
      code: 127,
    });
  });
});
