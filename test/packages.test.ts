/**
 * Plugin packages (contract section 13) against a real npm registry: verdaccio
 * on the loopback address, packages published to it with the real npm, and
 * `plugins install/update/remove/link` driving the real npm from the shell.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveTosh } from './helpers/live.ts';
import { start } from './helpers/proc.ts';
import { freePort, startRegistry, type TestRegistry } from './helpers/registry.ts';
import { shq, terminals } from './helpers/tmux.ts';
import { BIN, fixture, ROOT, type ToshOptions, type ToshResult, tempDir, tosh, trustTree } from './helpers/tosh.ts';

let registry: TestRegistry;
const packages = tempDir('tosh-pkgs-');

/** A package folder: package.json and an index.js plugin with one command answering `answer`. */
function writePackage(
  name: string,
  version: string,
  options: { tosh?: unknown; command?: string; body?: string; dependencies?: Record<string, string>; folder?: string } = {},
): string {
  const dir = join(packages, options.folder ?? `${name.replace('/', '+')}-${version}`);
  mkdirSync(dir, { recursive: true });
  const pkg: Record<string, unknown> = {
    name,
    version,
    type: 'module',
    main: 'index.js',
    license: 'MIT',
    author: 'Tess Ter <tess@example.org>',
  };
  if (options.tosh !== null) pkg.tosh = options.tosh ?? { sdk: '^1.0.0' };
  if (options.dependencies) pkg.dependencies = options.dependencies;
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const command = options.command ?? name.replace(/^@[^/]+\//, '').replace(/^tosh-/, '');
  writeFileSync(
    join(dir, 'index.js'),
    options.body ??
      `import { defineCommand, definePlugin } from 'tosh/plugin-sdk';
export default definePlugin({
  name: '${command}',
  version: '${version}',
  commands: { '${command}': defineCommand({ run: () => '${command} ${version}' }) },
});
`,
  );
  trustTree(dir);
  return dir;
}

const HOOKS_BODY = `import { definePlugin, defineCommand } from 'tosh/plugin-sdk';
import { useState } from 'react';
import { jsx } from 'react/jsx-runtime';
import { Text } from 'ink';
function Count() {
  const [n] = useState(41);
  return jsx(Text, { children: 'hooks work: ' + (n + 1) });
}
export default definePlugin({
  name: 'hooks',
  version: '1.0.0',
  commands: { hooks: defineCommand({ run: () => jsx(Count, {}) }) },
});
`;

/** A react that is not the shell's: any use of it fails loudly. */
const FAKE_REACT = `const no = () => { throw new Error('the package\\'s own react was used'); };
module.exports = { useState: no, createElement: no, version: '19.0.0-fake' };
`;

beforeAll(async () => {
  registry = await startRegistry();
  const fakeReact = writePackage('react', '19.0.0', { tosh: null, body: FAKE_REACT });
  writeFileSync(join(fakeReact, 'package.json'), JSON.stringify({ name: 'react', version: '19.0.0', main: 'index.js' }));
  writeFileSync(join(fakeReact, 'jsx-runtime.js'), FAKE_REACT);
  const dirs = [
    writePackage('tosh-hello', '1.0.0'),
    writePackage('tosh-hello', '1.1.0'),
    writePackage('tosh-other', '1.0.0'),
    writePackage('@tosh-test/scoped', '1.0.0'),
    writePackage('tosh-noplugin', '1.0.0', { tosh: null }),
    writePackage('tosh-future', '1.0.0', { tosh: { sdk: '^2.0.0' } }),
    writePackage('tosh-hooks', '1.0.0', { body: HOOKS_BODY, dependencies: { react: '^19.0.0' } }),
    // A plugin whose name is a built-in's.
    writePackage('tosh-echoish', '1.0.0', { command: 'echo' }),
    fakeReact,
  ];
  // One at a time: verdaccio's file storage dislikes concurrent publishes of one package.
  for (const dir of dirs) await registry.publish(dir);
}, 90_000);

afterAll(() => registry?.stop());

/** Run tosh with npm pointed at the test registry. */
function run(args: string[], options: ToshOptions = {}): Promise<ToshResult> {
  return tosh(args, { timeoutMs: 60_000, ...options, env: { ...registry.env, ...options.env } });
}

/** `npm pack` a folder (its scripts off) into `dest`; returns the tarball's path. */
function npmPack(dir: string, dest = packages): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const child = spawn('npm', ['pack', '--ignore-scripts', '--pack-destination', dest], {
      cwd: dir,
      env: { ...process.env, ...registry.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) =>
      code === 0 ? resolve(join(dest, out.trim().split('\n').pop() ?? '')) : reject(new Error(`npm pack: ${code}`)),
    );
  });
}

const state = (home: string) => {
  const dir = join(home, 'packages');
  const read = (file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : undefined);
  return {
    pkg: read('package.json'),
    lock: read('package-lock.json'),
    modules: existsSync(join(dir, 'node_modules')) ? readdirSync(join(dir, 'node_modules')).sort() : [],
    home: readdirSync(home).filter((n) => n.startsWith('.packages-staging')),
  };
};

describe('plugins install', () => {
  it('installs from the registry, answers at once in a running shell, updates, removes', async () => {
    const home = tempDir('tosh-home-');
    // stdin mode: the install and the new command in one session, no restart.
    const first = await run([], { home, stdin: 'plugins install --yes tosh-hello@1.0.0\nhello\n' });
    expect(first).toEqual({ stdout: 'installed tosh-hello 1.0.0\nhello 1.0.0\n', stderr: 'npm install tosh-hello@1.0.0...\n', code: 0 });
    expect(JSON.parse(state(home).pkg ?? '{}').dependencies).toEqual({ 'tosh-hello': '^1.0.0' });

    const listed = await run(['--json', '-c', 'plugins'], { home });
    const rows = JSON.parse(listed.stdout) as { name: string; from: string; source: string }[];
    expect(rows.find((r) => r.name === 'hello')).toMatchObject({
      from: 'package tosh-hello@1.0.0',
      source: join(home, 'packages', 'node_modules', 'tosh-hello'),
    });

    expect(await run(['-c', 'plugins update'], { home })).toEqual({
      stdout: 'tosh-hello 1.0.0 → 1.1.0\n',
      stderr: 'npm update...\n',
      code: 0,
    });
    expect(await run(['-c', 'hello'], { home })).toEqual({ stdout: 'hello 1.1.0\n', stderr: '', code: 0 });
    expect((await run(['-c', 'plugins update'], { home })).stdout).toBe('everything is up to date\n');

    // The lockfile reproduces the same versions in a fresh TOSH_HOME.
    const fresh = tempDir('tosh-home-');
    mkdirSync(join(fresh, 'packages'));
    for (const file of ['package.json', 'package-lock.json']) cpSync(join(home, 'packages', file), join(fresh, 'packages', file));
    expect(await run([], { home: fresh, stdin: 'plugins install\nhello\n' })).toEqual({
      stdout: 'installed from the lockfile: tosh-hello 1.1.0\nhello 1.1.0\n',
      stderr: 'npm ci...\n',
      code: 0,
    });

    expect(await run([], { home, stdin: 'plugins remove tosh-hello\nhello\n' })).toEqual({
      stdout: 'removed tosh-hello 1.1.0\n',
      stderr: "npm uninstall tosh-hello...\ntosh: unknown command 'hello'\n",
      code: 127,
    });
    expect(state(home)).toMatchObject({ modules: ['.package-lock.json'], home: [] });
  }, 90_000);

  it('installs scoped packages, tarballs and folders', async () => {
    const home = tempDir('tosh-home-');
    const packed = await npmPack(writePackage('tosh-tarred', '1.0.0'));
    const folder = writePackage('tosh-foldered', '1.0.0');
    const result = await run(['-c', `plugins install -y @tosh-test/scoped ${packed} ${folder} && scoped && tarred && foldered`], {
      home,
    });
    expect(result.stdout).toBe(
      [
        'installed @tosh-test/scoped 1.0.0',
        'installed tosh-foldered 1.0.0 (linked to ' + folder + ')',
        'installed tosh-tarred 1.0.0',
        'scoped 1.0.0',
        'tarred 1.0.0',
        'foldered 1.0.0',
        '',
      ].join('\n'),
    );
    expect(result.code).toBe(0);
  }, 60_000);

  it('refuses a package without the tosh field and one whose sdk range excludes this shell, leaving nothing installed', async () => {
    const home = tempDir('tosh-home-');
    await run(['-c', 'plugins install --yes tosh-other'], { home });
    const before = state(home);
    expect(await run(['-c', 'plugins install --yes tosh-noplugin'], { home })).toEqual({
      stdout: '',
      stderr:
        'npm install tosh-noplugin...\ntosh: plugins install: tosh-noplugin 1.0.0 is not a tosh plugin: its package.json has no "tosh" field; nothing was installed\n',
      code: 1,
    });
    expect(await run(['-c', 'plugins install --yes tosh-future'], { home })).toEqual({
      stdout: '',
      stderr:
        'npm install tosh-future...\ntosh: plugins install: tosh-future 1.0.0 needs SDK ^2.0.0 but this shell provides SDK 1.0.0; nothing was installed\n',
      code: 1,
    });
    expect(state(home)).toEqual(before);
    expect((await run(['-c', 'other'], { home })).stdout).toBe('other 1.0.0\n');
  }, 60_000);

  it("gives a package that depends on its own react the shell's react: hooks work", async () => {
    const home = tempDir('tosh-home-');
    const result = await run(['-c', 'plugins install --yes tosh-hooks && hooks'], { home });
    expect(result).toEqual({ stdout: 'installed tosh-hooks 1.0.0\nhooks work: 42\n', stderr: 'npm install tosh-hooks...\n', code: 0 });
    // The package's own copy is there, and unused.
    expect(readFileSync(join(home, 'packages', 'node_modules', 'react', 'index.js'), 'utf8')).toContain('own react was used');
  }, 60_000);

  it('says what npm said when the registry is down or the name does not exist, and changes nothing', async () => {
    const home = tempDir('tosh-home-');
    await run(['-c', 'plugins install --yes tosh-other'], { home });
    const before = state(home);
    const missing = await run(['-c', 'plugins install --yes tosh-no-such-package'], { home });
    expect(missing.code).toBe(1);
    expect(missing.stderr.split('\n')).toEqual([
      'npm install tosh-no-such-package...',
      expect.stringMatching(
        /^tosh: plugins install: npm failed: E404: 404 Not Found - GET http:\/\/127\.0\.0\.1:\d+\/tosh-no-such-package - no such package available$/,
      ),
      "tosh: plugins install: The requested resource 'tosh-no-such-package@*' could not be found or you do not have permission to access it; nothing was changed",
      '',
    ]);
    const down = `http://127.0.0.1:${await freePort()}/`;
    const refused = await run(['-c', 'plugins install --yes tosh-hello'], {
      home,
      env: { npm_config_registry: down, npm_config_fetch_retries: '0' },
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr.split('\n')).toEqual([
      'npm install tosh-hello...',
      expect.stringMatching(
        /^tosh: plugins install: npm failed: FetchError: request to http:\/\/127\.0\.0\.1:\d+\/tosh-hello failed, reason: connect ECONNREFUSED 127\.0\.0\.1:\d+$/,
      ),
      'tosh: plugins install: nothing was changed',
      '',
    ]);
    expect(state(home)).toEqual(before);
  }, 90_000);

  it('needs --yes outside the interactive shell', async () => {
    expect(await run(['-c', 'plugins install tosh-hello'])).toEqual({
      stdout: '',
      stderr: 'tosh: plugins install: add --yes to install without being asked (there is no terminal to ask on)\n',
      code: 2,
    });
  });

  it('keeps the previous state when npm is interrupted (SIGINT)', async () => {
    const home = tempDir('tosh-home-');
    await run(['-c', 'plugins install --yes tosh-other'], { home });
    const before = state(home);
    const child = spawn(process.execPath, [BIN, '-c', 'plugins install --yes tosh-hello'], {
      env: { PATH: process.env.PATH, HOME: home, TOSH_HOME: home, ...registry.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // npm is running once the staging copy is there.
    while (state(home).home.length === 0) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toBe('npm install tosh-hello...\n');
    expect(state(home)).toEqual(before);
    expect((await run(['-c', 'other; hello'], { home })).stdout).toBe('other 1.0.0\n');
  }, 60_000);
});

describe('plugins install refuses', () => {
  it("a package whose plugin name is a built-in's: status 1, why, and no trace of it", async () => {
    const home = tempDir('tosh-home-');
    await run(['-c', 'plugins install --yes tosh-other'], { home });
    const before = state(home);
    // In one session: the built-in echo still answers after the refusal.
    expect(await run([], { home, stdin: 'plugins install --yes tosh-echoish\necho still the built-in\n' })).toEqual({
      stdout: 'still the built-in\n',
      stderr:
        "npm install tosh-echoish...\ntosh: plugins install: tosh-echoish 1.0.0 is refused: its plugin name 'echo' is the name of a built-in plugin; nothing was installed\n",
      code: 0,
    });
    expect(await run(['-c', 'plugins install --yes tosh-echoish'], { home })).toMatchObject({ stdout: '', code: 1 });
    expect(state(home)).toEqual(before);
    expect(await run(['-c', 'other; echo ok'], { home })).toEqual({ stdout: 'other 1.0.0\nok\n', stderr: '', code: 0 });
  }, 60_000);
});

describe('plugins install runs no install scripts', () => {
  /** A fixture package as a folder, a tarball and a name in the registry, and where its scripts would leave their marks. */
  async function scripted(name: string) {
    const folder = fixture(join('packages', name));
    const tarball = await npmPack(folder, tempDir('tosh-tgz-'));
    await registry.publish(folder);
    const marks = tempDir('tosh-marks-');
    const ran = () => (existsSync(join(marks, 'ran')) ? readFileSync(join(marks, 'ran'), 'utf8') : '');
    return { folder, tarball, name: `tosh-${name}`, env: { TOSH_TEST_MARKS: marks }, ran };
  }

  it('of a plugin package, from a folder, a tarball or the registry', async () => {
    const pkg = await scripted('scripted');
    for (const [spec, shown] of [
      [pkg.folder, `tosh-scripted 1.0.0 (linked to ${pkg.folder})`],
      [pkg.tarball, 'tosh-scripted 1.0.0'],
      [pkg.name, 'tosh-scripted 1.0.0'],
    ]) {
      const home = tempDir('tosh-home-');
      expect(await run(['-c', `plugins install --yes ${spec} && scripted`], { home, env: pkg.env })).toEqual({
        stdout: `installed ${shown}\nscripted 1.0.0\n`,
        stderr: `npm install ${spec}...\n`,
        code: 0,
      });
      expect(pkg.ran()).toBe('');
    }
    // Nor when the lockfile is installed again, nor on update or remove.
    const home = tempDir('tosh-home-');
    await run(['-c', `plugins install --yes ${pkg.name}`], { home, env: pkg.env });
    rmSync(join(home, 'packages', 'node_modules'), { recursive: true });
    const again = await run(['-c', 'plugins install && plugins update && plugins remove tosh-scripted'], { home, env: pkg.env });
    expect(again).toMatchObject({ code: 0 });
    expect(pkg.ran()).toBe('');
  }, 90_000);

  it('of a package refused as not a tosh plugin, from a folder, a tarball or the registry', async () => {
    const pkg = await scripted('scripted-noplugin');
    const home = tempDir('tosh-home-');
    const refused =
      'tosh: plugins install: tosh-scripted-noplugin 1.0.0 is not a tosh plugin: its package.json has no "tosh" field; nothing was installed\n';
    for (const spec of [pkg.folder, pkg.tarball]) {
      // Refused from its package.json alone, before npm sees it.
      expect(await run(['-c', `plugins install --yes ${spec}`], { home, env: pkg.env })).toEqual({ stdout: '', stderr: refused, code: 1 });
      expect(pkg.ran()).toBe('');
    }
    // From the registry: npm fetches it (running nothing of it) into the staging copy, where it is refused.
    expect(await run(['-c', `plugins install --yes ${pkg.name}`], { home, env: pkg.env })).toEqual({
      stdout: '',
      stderr: `npm install ${pkg.name}...\n${refused}`,
      code: 1,
    });
    expect(pkg.ran()).toBe('');
    expect(state(home)).toMatchObject({ modules: [], home: [] });
  }, 60_000);
});

describe('plugins install in several shells at once', () => {
  const WAITING = 'tosh: waiting for another install to finish…\n';
  const lock = (home: string) => join(home, '.packages.lock');

  it('installs every package when four shells install different ones at the same time', async () => {
    const home = tempDir('tosh-home-');
    const wanted = [
      ['tosh-hello', 'tosh-hello 1.1.0'],
      ['tosh-other', 'tosh-other 1.0.0'],
      ['@tosh-test/scoped', '@tosh-test/scoped 1.0.0'],
      ['tosh-hooks', 'tosh-hooks 1.0.0'],
    ] as const;
    const results = await Promise.all(wanted.map(([spec]) => run(['-c', `plugins install --yes ${spec}`], { home })));
    for (const [i, [spec, shown]] of wanted.entries()) {
      const result = results[i] as ToshResult;
      expect(result).toMatchObject({ stdout: `installed ${shown}\n`, code: 0 });
      // Each one either did not have to wait or says it waited.
      expect([`npm install ${spec}...\n`, `npm install ${spec}...\n${WAITING}`]).toContain(result.stderr);
    }
    expect(Object.keys(JSON.parse(state(home).pkg ?? '{}').dependencies).sort()).toEqual([
      '@tosh-test/scoped',
      'tosh-hello',
      'tosh-hooks',
      'tosh-other',
    ]);
    expect(state(home)).toMatchObject({
      modules: ['.package-lock.json', '@tosh-test', 'react', 'tosh-hello', 'tosh-hooks', 'tosh-other'],
      home: [],
    });
    expect(existsSync(lock(home))).toBe(false);
    expect(await run(['-c', 'hello; other; scoped; hooks'], { home })).toEqual({
      stdout: 'hello 1.1.0\nother 1.0.0\nscoped 1.0.0\nhooks work: 42\n',
      stderr: '',
      code: 0,
    });
  }, 90_000);

  it('breaks the lock of a shell that died, without waiting', async () => {
    const home = tempDir('tosh-home-');
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.on('close', resolve));
    writeFileSync(lock(home), `${dead.pid}\n`);
    expect(await run(['-c', 'plugins install --yes tosh-other'], { home })).toEqual({
      stdout: 'installed tosh-other 1.0.0\n',
      stderr: 'npm install tosh-other...\n',
      code: 0,
    });
    expect(existsSync(lock(home))).toBe(false);
  }, 60_000);

  it('waits while another live shell holds the lock, and goes on when it is gone', async () => {
    const home = tempDir('tosh-home-');
    const holder = spawn('sleep', ['60']);
    try {
      writeFileSync(lock(home), `${holder.pid}\n`);
      const sh = start(['-c', 'plugins install --yes tosh-other'], { home, env: registry.env });
      await sh.waitErr(WAITING);
      expect(state(home)).toMatchObject({ pkg: undefined, home: [] });
      expect(readFileSync(lock(home), 'utf8')).toBe(`${holder.pid}\n`);
      holder.kill('SIGKILL');
      expect(await sh.exit(60_000)).toEqual({ code: 0, signal: null });
      expect(sh.stdout()).toBe('installed tosh-other 1.0.0\n');
      expect(sh.stderr()).toBe(`npm install tosh-other...\n${WAITING}`);
    } finally {
      holder.kill('SIGKILL');
    }
  }, 90_000);

  it('stops waiting on Ctrl-C and leaves the other shell its lock', async () => {
    const home = tempDir('tosh-home-');
    const holder = spawn('sleep', ['60']);
    try {
      writeFileSync(lock(home), `${holder.pid}\n`);
      const sh = start(['-c', 'plugins install --yes tosh-other'], { home, env: registry.env });
      await sh.waitErr(WAITING);
      sh.child.kill('SIGINT');
      expect(await sh.exit()).toEqual({ code: 130, signal: null });
      expect(sh.stderr()).toBe(`npm install tosh-other...\n${WAITING}`);
      expect(readFileSync(lock(home), 'utf8')).toBe(`${holder.pid}\n`);
      expect(state(home)).toMatchObject({ pkg: undefined, home: [] });
    } finally {
      holder.kill('SIGKILL');
    }
  }, 60_000);
});

describe('plugins link', () => {
  it('loads a folder under development with its own node_modules and reloads it on save', async () => {
    const home = tempDir('tosh-home-');
    const dev = join(tempDir('tosh-dev-'), 'tosh-dev');
    mkdirSync(join(dev, 'node_modules', 'dev-helper'), { recursive: true });
    writeFileSync(
      join(dev, 'package.json'),
      JSON.stringify({ name: 'tosh-dev', version: '0.1.0', type: 'module', main: 'index.js', tosh: {} }),
    );
    writeFileSync(join(dev, 'node_modules', 'dev-helper', 'package.json'), JSON.stringify({ name: 'dev-helper', main: 'index.js' }));
    writeFileSync(join(dev, 'node_modules', 'dev-helper', 'index.js'), "module.exports = (s) => '<' + s + '>';\n");
    const source = (word: string) => `import { defineCommand, definePlugin } from 'tosh/plugin-sdk';
import wrap from 'dev-helper';
export default definePlugin({ name: 'dev', version: '0.1.0', commands: { dev: defineCommand({ run: () => wrap('${word}') }) } });
`;
    writeFileSync(join(dev, 'index.js'), source('one'));
    trustTree(dev);
    const sh = await liveTosh([], { home, env: registry.env });
    expect(await sh.run(`plugins link ${dev}`)).toEqual({ out: [`linked tosh-dev 0.1.0 (${dev})`], err: [`npm install ${dev}...`] });
    expect(await sh.run('dev')).toEqual({ out: ['<one>'], err: [] });
    // The shell starts watching the linked files just after the link: save until a save is seen.
    let reloaded: string | undefined;
    for (let i = 0; i < 20 && !reloaded; i++) {
      const from = sh.stderr.length;
      writeFileSync(join(dev, 'index.js'), source(i % 2 ? 'two' : 'two '));
      reloaded = await sh.waitErr(/^tosh: reloaded dev/, { from, timeoutMs: 500 }).catch(() => undefined);
    }
    expect(reloaded).toMatch(/^tosh: reloaded dev 0\.1\.0 \(\d+ ms\)$/);
    writeFileSync(join(dev, 'index.js'), source('two'));
    await sh.waitErr(/^tosh: reloaded dev/, { from: sh.stderr.length }).catch(() => {});
    expect(await sh.run('dev')).toEqual({ out: ['<two>'], err: [] });
    expect((await sh.run('plugins')).out.some((line) => /^dev\s+0\.1\.0\s+loaded\s+dev\s+link\s/.test(line))).toBe(true);
    expect(await sh.run(`plugins unlink ${dev}`)).toEqual({
      out: [`unlinked tosh-dev 0.1.0 (${dev})`],
      err: ['npm uninstall tosh-dev...'],
    });
    expect((await sh.run('dev')).err).toEqual(["tosh: unknown command 'dev'"]);
    expect(existsSync(join(dev, 'index.js'))).toBe(true);
    expect(await sh.end()).toBe(0);
  }, 60_000);
});

describe('tosh new --package', () => {
  it('scaffolds a package that type-checks against the SDK declarations alone, publishes, and installs into a running shell', async () => {
    const work = tempDir('tosh-author-');
    const made = await run(['-c', 'new weather --package'], { cwd: work });
    expect(made.stderr).toBe('');
    const base = join(work, 'weather');
    expect(made.stdout.split('\n').slice(0, 8)).toEqual([
      "Created plugin package 'tosh-plugin-weather':",
      ...['package.json', 'index.ts', 'index.test.ts', 'tsconfig.json', '.gitignore', 'README.md'].map((f) => `  ${join(base, f)}`),
      '',
    ]);
    const pkg = JSON.parse(readFileSync(join(base, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'tosh-plugin-weather', tosh: { sdk: '^1.0.0' }, peerDependencies: { tosh: '^1.0.0' } });
    expect(pkg.dependencies).toBeUndefined();

    // The author's tsc sees tosh through its package exports: the declarations, never the shell's sources.
    mkdirSync(join(base, 'node_modules'));
    symlinkSync(ROOT, join(base, 'node_modules', 'tosh'));
    symlinkSync(join(ROOT, 'node_modules', 'vitest'), join(base, 'node_modules', 'vitest'));
    const tsc = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', base, '--listFiles']);
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('close', (code) => resolve({ code, out }));
    });
    expect(tsc.code).toBe(0);
    const files = tsc.out.split('\n');
    expect(files).toContain(join(ROOT, 'dist', 'types', 'index.d.ts'));
    expect(files.filter((f) => f.startsWith(join(ROOT, 'shell')) || f.startsWith(join(ROOT, 'plugin-sdk')))).toEqual([]);
    rmSync(join(base, 'node_modules'), { recursive: true });

    await registry.publish(base);
    const home = tempDir('tosh-home-');
    expect(await run([], { home, stdin: 'plugins install --yes tosh-plugin-weather\nweather Ada\n' })).toEqual({
      stdout: 'installed tosh-plugin-weather 0.1.0\nHello, Ada!\n',
      stderr: 'npm install tosh-plugin-weather...\n',
      code: 0,
    });
  }, 60_000);
});

describe('plugins install in the interactive shell', () => {
  const terminal = terminals('tosh-packages');

  it('shows name, version and who it comes from, and asks before the first install', async () => {
    const home = tempDir('tosh-home-');
    const env = Object.entries({ ...registry.env, TOSH_HOME: home, HOME: home, TERM: 'xterm-256color' })
      .map(([k, v]) => `${k}=${shq(v)}`)
      .join(' ');
    const t = terminal(`${env} ${shq(process.execPath)} ${shq(BIN)}; sleep 600`);
    await t.until('tosh> ');
    t.type('plugins install tosh-other');
    t.press('Enter');
    // A spinner while npm works, then the question.
    await t.until('npm install tosh-other');
    expect(await t.until('Install tosh-other 1.0.0 by Tess Ter <tess@example.org>? [y/N]')).not.toContain('installed');
    expect(existsSync(join(home, 'packages', 'node_modules', 'tosh-other'))).toBe(false);
    t.type('y');
    t.press('Enter');
    await t.until('installed tosh-other 1.0.0');
    t.type('other');
    t.press('Enter');
    await t.until(/^other 1\.0\.0$/m);
    // `plugins` fits the 80 columns: one line per plugin, the source shortened from the left.
    t.type('plugins');
    t.press('Enter');
    const screen = await t.until(/^which .*\n.*tosh>/m);
    // The prompt shows the working directory first: `<cwd> tosh> `.
    const lines = screen.split('\n');
    const table = lines.slice(lines.findIndex((l) => l.endsWith(' tosh> plugins')) + 2);
    const rows = table.slice(
      0,
      table.findIndex((l) => / tosh>/.test(l)),
    );
    expect(rows.map((l) => l.split(' ')[0])).toEqual([
      'other',
      'clear',
      'data',
      'echo',
      'exit',
      'help',
      'history',
      'new',
      'plugins',
      'reload',
      'shell',
      'which',
    ]);
    expect(rows[0]).toMatch(/^other {3,}1\.0\.0 +loaded +other +package tosh-other@1\.0\.0 +…\S*tosh-other *$/);
    // Saying no leaves nothing installed.
    t.type('plugins install tosh-hello');
    t.press('Enter');
    await t.until('Install tosh-hello 1.1.0 by Tess Ter <tess@example.org>? [y/N]');
    t.press('Enter');
    await t.until('plugins install: not installed: tosh-hello was not confirmed');
    expect(JSON.parse(state(home).pkg ?? '{}').dependencies).toEqual({ 'tosh-other': '^1.0.0' });
  }, 60_000);
});
