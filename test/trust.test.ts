/**
 * Contract §12, the plugin half: every file a plugin is built from and every
 * directory guarding it is checked, through the real binary; what is checked
 * is what is built, even while a file is swapped by renames.
 */
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, finished, type ToshResult, tempDir, tosh, trustTree } from './helpers/tosh.ts';

const uid = process.getuid?.() ?? -1;
const root = uid === 0;
const SDK = "import { defineCommand, definePlugin } from 'tosh/plugin-sdk';\n";

/** A plugin whose one command `name` returns `value` (a JS expression), after `head` (imports). */
const plugin = (name: string, value = `'${name} ok'`, head = '') =>
  `${SDK}${head}\nexport default definePlugin({ name: '${name}', version: '1.0.0', commands: { ${name}: defineCommand({ run: () => ${value} }) } });\n`;

interface Layout {
  /** Files under the working directory (parents made as needed). */
  files: Record<string, string>;
  /** Modes set after everything else is made trusted (files and directories). */
  modes?: Record<string, number>;
  /** Owners (uid) set when running as root. */
  owners?: Record<string, number>;
  /** Symbolic links: path → target. */
  links?: Record<string, string>;
}

/** Lay the files out in a fresh directory with trusted permissions, then apply the modes and owners. */
function layout({ files, modes = {}, owners = {}, links = {} }: Layout): string {
  const cwd = tempDir();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(cwd, path)), { recursive: true });
    writeFileSync(join(cwd, path), text);
  }
  for (const [path, target] of Object.entries(links)) {
    mkdirSync(dirname(join(cwd, path)), { recursive: true });
    symlinkSync(target, join(cwd, path));
  }
  trustTree(cwd);
  for (const [path, mode] of Object.entries(modes)) chmodSync(join(cwd, path), mode);
  for (const [path, owner] of Object.entries(owners)) chownSync(join(cwd, path), owner, owner);
  return cwd;
}

const refusedLine = (plugin: string, what: string, why: string) =>
  `tosh: refused plugin ${plugin}: ${what} is ${why} (use --trust to load it anyway)\n`;
const others = 'writable by others';
const byNobody = `owned by uid 65534, not by you (uid ${uid}) or root`;

interface Case extends Layout {
  /** The command the plugin defines, and what it prints when loaded. */
  line: string;
  prints: string;
  /** [plugin as shown, offending path as shown ('it' for the plugin's own file or folder), why]. */
  refused: [string, string, string];
  rootOnly?: boolean;
}

const cases: Record<string, Case> = {
  'a folder plugin whose index.ts is 0666': {
    files: { 'p/f/index.ts': plugin('f') },
    modes: { 'p/f/index.ts': 0o666 },
    line: 'f',
    prints: 'f ok\n',
    refused: ['p/f', 'p/f/index.ts', others],
  },
  'a folder plugin whose index.ts is owned by nobody': {
    files: { 'p/f/index.ts': plugin('f') },
    owners: { 'p/f/index.ts': 65534 },
    line: 'f',
    prints: 'f ok\n',
    refused: ['p/f', 'p/f/index.ts', byNobody],
    rootOnly: true,
  },
  'a folder plugin importing a 0666 helper': {
    files: {
      'p/f/index.ts': plugin('f', 'x', "import { x } from './lib/helper.ts';"),
      'p/f/lib/helper.ts': "export const x = 'helped';\n",
    },
    modes: { 'p/f/lib/helper.ts': 0o666 },
    line: 'f',
    prints: 'helped\n',
    refused: ['p/f', 'p/f/lib/helper.ts', others],
  },
  'a file plugin importing a group-writable helper': {
    files: { 'p/x.ts': plugin('x', 'y', "import { y } from './_lib/helper.ts';"), 'p/_lib/helper.ts': "export const y = 'helped';\n" },
    modes: { 'p/_lib/helper.ts': 0o664 },
    line: 'x',
    prints: 'helped\n',
    refused: ['p/x.ts', 'p/_lib/helper.ts', 'writable by its group'],
  },
  'a folder plugin with a helper folder writable by others': {
    files: {
      'p/f/index.ts': plugin('f', 'x', "import { x } from './lib/helper.ts';"),
      'p/f/lib/helper.ts': "export const x = 'helped';\n",
    },
    modes: { 'p/f/lib': 0o777 },
    line: 'f',
    prints: 'helped\n',
    refused: ['p/f', 'p/f/lib', others],
  },
  'a package.json main outside the folder at a 0666 file': {
    files: { 'p/f/package.json': '{ "main": "../../outside/entry.ts" }\n', 'outside/entry.ts': plugin('f', "'from outside'") },
    modes: { 'outside/entry.ts': 0o666 },
    line: 'f',
    prints: 'from outside\n',
    refused: ['p/f', 'outside/entry.ts', others],
  },
  'a package.json main outside the folder, in a folder writable by others': {
    files: { 'p/f/package.json': '{ "main": "../../outside/entry.ts" }\n', 'outside/entry.ts': plugin('f', "'from outside'") },
    modes: { outside: 0o777 },
    line: 'f',
    prints: 'from outside\n',
    refused: ['p/f', 'outside', others],
  },
  'a package.json that is 0666': {
    files: { 'p/f/package.json': '{ "main": "main.ts" }\n', 'p/f/main.ts': plugin('f') },
    modes: { 'p/f/package.json': 0o666 },
    line: 'f',
    prints: 'f ok\n',
    refused: ['p/f', 'p/f/package.json', others],
  },
  'an import outside the plugin directory owned by nobody': {
    files: { 'p/x.ts': plugin('x', 'z', "import { z } from '../shared/util.ts';"), 'shared/util.ts': "export const z = 'shared';\n" },
    owners: { 'shared/util.ts': 65534 },
    line: 'x',
    prints: 'shared\n',
    refused: ['p/x.ts', 'shared/util.ts', byNobody],
    rootOnly: true,
  },
  'a symbolic link to a 0666 file': {
    files: { 'elsewhere/x.ts': plugin('x') },
    links: { 'p/x.ts': '../elsewhere/x.ts' },
    modes: { 'elsewhere/x.ts': 0o666 },
    line: 'x',
    prints: 'x ok\n',
    refused: ['p/x.ts', 'it', others],
  },
};

describe.concurrent('every file a plugin is built from is checked (contract §12)', () => {
  for (const [name, c] of Object.entries(cases)) {
    it.skipIf(c.rootOnly && !root)(`refuses ${name}, unless --trust or trustAll`, async () => {
      const cwd = layout(c);
      const [shown, what, why] = c.refused;
      expect(await tosh(['--plugins', 'p', '-c', c.line], { cwd })).toEqual({
        stdout: '',
        stderr: `${refusedLine(shown, what, why)}tosh: unknown command '${c.line}'\n`,
        code: 127,
      });
      expect(await tosh(['--trust', '--plugins', 'p', '-c', c.line], { cwd })).toEqual({ stdout: c.prints, stderr: '', code: 0 });
      const home = tempDir('tosh-home-');
      writeFileSync(join(home, 'config.json'), '{ "trustAll": true }\n');
      expect(await tosh(['--plugins', 'p', '-c', c.line], { cwd, home })).toEqual({ stdout: c.prints, stderr: '', code: 0 });
    });
  }

  it('refuses every plugin in a plugin directory writable by others', async () => {
    const cwd = layout({ files: { 'p/a.ts': plugin('a'), 'p/b/index.ts': plugin('b') }, modes: { p: 0o777 } });
    expect(await tosh(['--plugins', 'p', '-c', 'a'], { cwd })).toEqual({
      stdout: '',
      stderr: `${refusedLine('p/a.ts', 'p', others)}${refusedLine('p/b', 'p', others)}tosh: unknown command 'a'\n`,
      code: 127,
    });
    expect(await tosh(['--trust', '--plugins', 'p', '-c', 'a ; b'], { cwd })).toEqual({ stdout: 'a ok\nb ok\n', stderr: '', code: 0 });
  });

  it('keeps the wording for the plugin file or folder itself', async () => {
    const cwd = layout({ files: { 'p/f/index.ts': plugin('f'), 'p/g.ts': plugin('g') }, modes: { 'p/f': 0o775, 'p/g.ts': 0o646 } });
    expect(await tosh(['--plugins', 'p', '-c', 'echo'], { cwd })).toEqual({
      stdout: '\n',
      stderr:
        'tosh: refused plugin p/f: it is writable by its group (use --trust to load it anyway)\n' +
        'tosh: refused plugin p/g.ts: it is writable by others (use --trust to load it anyway)\n',
      code: 0,
    });
  });
});

describe.concurrent('a cached build is checked again', () => {
  it('refuses a build cached under --trust once --trust is gone', async () => {
    const cwd = layout(cases['a folder plugin importing a 0666 helper'] as Case);
    const home = tempDir('tosh-home-');
    expect(await tosh(['--trust', '--plugins', 'p', '-c', 'f'], { cwd, home })).toEqual({ stdout: 'helped\n', stderr: '', code: 0 });
    expect(await tosh(['--trust', '--plugins', 'p', '-c', 'f'], { cwd, home })).toEqual({ stdout: 'helped\n', stderr: '', code: 0 });
    expect(await tosh(['--plugins', 'p', '-c', 'f'], { cwd, home })).toEqual({
      stdout: '',
      stderr: `${refusedLine('p/f', 'p/f/lib/helper.ts', others)}tosh: unknown command 'f'\n`,
      code: 127,
    });
  });

  it('refuses a cached plugin once a folder on the way to a file it imports becomes writable by others', async () => {
    const cwd = layout({
      files: { 'p/x.ts': plugin('x', 'y', "import { y } from './_lib/helper.ts';"), 'p/_lib/helper.ts': "export const y = 'helped';\n" },
    });
    const home = tempDir('tosh-home-');
    expect(await tosh(['--plugins', 'p', '-c', 'x'], { cwd, home })).toEqual({ stdout: 'helped\n', stderr: '', code: 0 });
    expect(await tosh(['--plugins', 'p', '-c', 'x'], { cwd, home })).toEqual({ stdout: 'helped\n', stderr: '', code: 0 });
    chmodSync(join(cwd, 'p', '_lib'), 0o777);
    expect(await tosh(['--plugins', 'p', '-c', 'x'], { cwd, home })).toEqual({
      stdout: '',
      stderr: `${refusedLine('p/x.ts', 'p/_lib', others)}tosh: unknown command 'x'\n`,
      code: 127,
    });
  });
});

/** Run the binary as another user (root only): for "owned by root is trusted" where root is not you. */
function toshAs(id: number, args: string[], cwd: string, home: string): Promise<ToshResult> {
  const env = { PATH: process.env.PATH, HOME: home, TOSH_HOME: home };
  return finished(spawn(process.execPath, [BIN, ...args], { cwd, uid: id, gid: id, env, stdio: ['ignore', 'pipe', 'pipe'] }));
}

describe.concurrent('owned by root is trusted', () => {
  it.runIf(root)('loads root-owned plugins for another user, and refuses a third user’s file', async () => {
    // Run as nobody (65534): root's files are trusted though nobody does not own them; uid 4242's are not.
    const cwd = layout({
      files: {
        'p/x.ts': plugin('x', 'y', "import { y } from './_lib/helper.ts';"),
        'p/_lib/helper.ts': "export const y = 'root helped';\n",
      },
    });
    chmodSync(cwd, 0o755);
    const home = join(cwd, 'home');
    mkdirSync(home, { mode: 0o700 });
    chownSync(home, 65534, 65534);
    expect(await toshAs(65534, ['--plugins', 'p', '-c', 'x'], cwd, home)).toEqual({ stdout: 'root helped\n', stderr: '', code: 0 });
    chownSync(join(cwd, 'p', '_lib', 'helper.ts'), 4242, 4242);
    expect(await toshAs(65534, ['--plugins', 'p', '-c', 'x'], cwd, home)).toEqual({
      stdout: '',
      stderr: `${refusedLine('p/x.ts', 'p/_lib/helper.ts', 'owned by uid 4242, not by you (uid 65534) or root')}tosh: unknown command 'x'\n`,
      code: 127,
    });
  });
});

describe('what is checked is what is built', () => {
  it('never runs an untrusted file swapped in by renames while the shell starts', { timeout: 120_000 }, async () => {
    // The plugin directory is trusted; p/x.ts is renamed, again and again, between a trusted
    // file and a 0666 one (another user's, if root) whose code leaves a marker.
    const cwd = layout({ files: { 'p/keep.ts': plugin('keep') } });
    const marker = join(cwd, 'marker');
    const good = plugin('x', "'good'");
    const bad = plugin('x', "'bad'", `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');`);
    const stage = join(cwd, 'stage');
    mkdirSync(stage, { mode: 0o755 });
    const swapper = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('node:fs');
         const [stage, target, good, bad, owner] = process.argv.slice(1);
         let n = 0;
         for (;;) {
           const name = stage + '/x' + (n++ % 2) + '.ts';
           const which = n % 2 ? bad : good;
           fs.writeFileSync(name, which);
           fs.chmodSync(name, which === bad ? 0o666 : 0o644);
           if (which === bad && owner !== '-') fs.chownSync(name, Number(owner), Number(owner));
           fs.renameSync(name, target);
         }`,
        stage,
        join(cwd, 'p', 'x.ts'),
        good,
        bad,
        root ? '65534' : '-',
      ],
      { stdio: 'ignore' },
    );
    const outcomes = new Set<string>();
    const refusedX =
      /^tosh: refused plugin p\/x\.ts: it is (writable by others|owned by uid 65534, not by you \(uid 0\) or root) \(use --trust to load it anyway\)\ntosh: unknown command 'x'\n$/;
    try {
      while (!existsSync(join(cwd, 'p', 'x.ts'))) await new Promise((r) => setTimeout(r, 10));
      const home = tempDir('tosh-home-');
      for (let round = 0; round < 10; round++) {
        const runs = await Promise.all(
          Array.from({ length: 4 }, () => tosh(['--plugins', 'p', '-c', 'x'], { cwd, home, timeoutMs: 30_000 })),
        );
        for (const run of runs) {
          const outcome =
            run.stdout === 'good\n' && run.stderr === '' && run.code === 0
              ? 'good'
              : run.stdout === '' && refusedX.test(run.stderr) && run.code === 127
                ? 'refused'
                : JSON.stringify(run);
          outcomes.add(outcome);
        }
        expect(existsSync(marker)).toBe(false);
      }
    } finally {
      swapper.kill();
    }
    // Both files were seen: the race was really run.
    expect([...outcomes].sort()).toEqual(['good', 'refused']);
    expect(existsSync(marker)).toBe(false);
  });
});
