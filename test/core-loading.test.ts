import { chmodSync, chownSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspace } from './helpers/core.ts';
import { FIXTURES, tempDir, tosh, trustTree } from './helpers/tosh.ts';

/** What loading conflict-b always says: beta cannot take over built-ins, and its echo shadows the built-in one. */
const BETA_WARNINGS = [
  "tosh: warning: command 'help' of plugin 'beta' is shadowed by the built-in; use 'beta:help'",
  "tosh: warning: command 'exit' of plugin 'beta' is shadowed by the built-in; use 'beta:exit'",
  "tosh: warning: command 'echo' of plugin 'echo' is shadowed by plugin 'beta'; use 'echo:echo'",
];

describe.concurrent('where plugins come from (contract §3)', () => {
  it('loads every kind of plugin entry and skips what is not a plugin', async () => {
    const ws = workspace('kinds');
    const lines = 'from-ts; from-tsx; from-mts; from-js; from-mjs; from-exports; from-main; from-folder hi';
    expect(await ws.run(['-c', lines])).toEqual({
      stdout: 'ts\ntsx\ncount: 3\nmts\njs\nmjs\nexports\nmain\n     HI!|from json\n',
      stderr: '',
      code: 0,
    });
    const listed = await ws.run(['--json', '-c', 'plugins']);
    const names = (JSON.parse(listed.stdout) as { name: string; source: string }[]).map((p) => `${p.name} ${p.source}`);
    expect(names.slice(0, 8)).toEqual([
      'folder-index kinds/folder-index',
      'js-file kinds/js-file.js',
      'mjs-file kinds/mjs-file.mjs',
      'mts-file kinds/mts-file.mts',
      'pkg-exports kinds/pkg-exports',
      'pkg-main kinds/pkg-main',
      'ts-file kinds/ts-file.ts',
      'tsx-file kinds/tsx-file.tsx',
    ]);
    expect(names.slice(8).every((n) => / \/.*commands\/[a-z]+(\.ts)?$/.test(n))).toBe(true);
  });

  it('shares one copy of tosh/plugin-sdk, zod, chalk, react and ink with every plugin', async () => {
    // shared-libs has its own node_modules/{zod,chalk,react,ink} that throw when loaded, and is "type": "module".
    const ws = workspace('shared');
    expect(await ws.run(['-c', 'same 4'])).toEqual({
      stdout:
        'n: 4\nsameZod: true\ninstanceOf: true\nchalk: true\nreact: true\nlocale: Entrée invalide : chaîne de caractères attendu, nombre reçu\n',
      stderr: '',
      code: 0,
    });
  });

  it('renders a TSX element with hooks once, as plain text', async () => {
    const ws = workspace('shared');
    const line = `│ ${' '.repeat(76)} │`;
    const row = (text: string) => line.slice(0, 2) + text + line.slice(2 + text.length);
    expect(await ws.run(['-c', 'card'])).toEqual({
      stdout: [`┌${'─'.repeat(78)}┐`, row('Fruit'), row('- apple'), row('- pear'), row('2 items'), `└${'─'.repeat(78)}┘`, ''].join('\n'),
      stderr: '',
      code: 0,
    });
  });

  it('reports each plugin that fails to load in one line, and loads the others', async () => {
    const ws = workspace('broken');
    expect(await ws.run(['-c', 'fine'])).toEqual({
      stdout: 'still fine\n',
      stderr: [
        'tosh: refused plugin broken/future.ts: it needs SDK ^2.0.0 but this shell provides SDK 1.0.0',
        'tosh: failed to load broken/no-run.ts: invalid plugin: commands.broken.run: must be a function, got undefined',
        'tosh: failed to load broken/number-export.ts: invalid plugin: default export: expected a plugin object from definePlugin(), got number',
        `tosh: failed to load broken/refused.ts:3:16 invalid plugin: version: must be a semantic version such as '1.0.0', got "one"`,
        'tosh: failed to load broken/syntax.ts:6:53 Unexpected ")"',
        'tosh: failed to load broken/throws.ts:5:9 threw while loading: no token configured',
        'tosh: failed to load broken/wrong-export.ts: invalid plugin: default export: missing: end the file with export default definePlugin({...})',
        '',
      ].join('\n'),
      code: 0,
    });
  });

  it('lists failed plugins with their errors in `plugins`', async () => {
    const ws = workspace('broken');
    const { stdout, code } = await ws.run(['--json', '-c', 'plugins']);
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as { name: string; status: string }[];
    expect(rows.find((r) => r.name === 'syntax')?.status).toBe('failed: failed to load broken/syntax.ts:6:53 Unexpected ")"');
    expect(rows.find((r) => r.name === 'good')?.status).toBe('loaded');
  });

  it('takes plugin directories in precedence order and warns once about each clash', async () => {
    const ws = workspace('conflict-a', 'conflict-b');
    expect(await ws.run(['-c', 'hello; beta:hello; alpha:hello; echo hi; echo:echo hi; beta:help; help:help which'])).toEqual({
      stdout: [
        'hello from alpha',
        'hello from beta',
        'hello from alpha',
        'HI',
        'hi',
        'fake help',
        'Usage: which <command>',
        '',
        'Show what a command runs: an alias, a plugin command or a program',
        '',
        'Arguments:',
        '  command <string>  A command name or plugin:command',
        '',
        'Examples:',
        '  which echo',
        '  which ls',
        '',
        `From plugin which (${join(process.cwd(), 'commands', 'which.ts')}); also reachable as which:which.`,
        '',
      ].join('\n'),
      stderr: [
        "tosh: warning: command 'hello' of plugin 'beta' is shadowed by plugin 'alpha'; use 'beta:hello'",
        ...BETA_WARNINGS,
        '',
      ].join('\n'),
      code: 0,
    });
  });

  it('puts --plugins (in order) before TOSH_PLUGIN_PATH (in order) before $TOSH_HOME/plugins', async () => {
    const ws = workspace('conflict-a', 'conflict-b');
    const first = (args: string[], env: Record<string, string> = {}, home?: string) =>
      tosh([...args, '-c', 'hello'], { cwd: ws.cwd, env, ...(home ? { home } : {}) }).then((r) => r.stdout);
    expect(await first(['--plugins', 'conflict-b', '--plugins', 'conflict-a'])).toBe('hello from beta\n');
    expect(await first([], { TOSH_PLUGIN_PATH: 'conflict-a:conflict-b' })).toBe('hello from alpha\n');
    expect(await first([], { TOSH_PLUGIN_PATH: 'conflict-b:conflict-a' })).toBe('hello from beta\n');
    expect(await first(['--plugins', 'conflict-a'], { TOSH_PLUGIN_PATH: 'conflict-b' })).toBe('hello from alpha\n');
    const home = tempDir();
    cpSync(join(FIXTURES, 'core', 'conflict-b'), join(home, 'plugins'), { recursive: true });
    trustTree(home);
    expect(await first([], {}, home)).toBe('hello from beta\n');
    expect(await first([], { TOSH_PLUGIN_PATH: 'conflict-a' }, home)).toBe('hello from alpha\n');
  });

  it('finds $TOSH_HOME in $XDG_CONFIG_HOME/tosh, else ~/.config/tosh', async () => {
    const root = tempDir();
    cpSync(join(FIXTURES, 'core', 'conflict-a'), join(root, 'xdg', 'tosh', 'plugins'), { recursive: true });
    cpSync(join(FIXTURES, 'core', 'conflict-b'), join(root, 'home', '.config', 'tosh', 'plugins'), { recursive: true });
    trustTree(root);
    const env = { TOSH_HOME: undefined, HOME: join(root, 'home') };
    expect(await tosh(['-c', 'hello'], { env: { ...env, XDG_CONFIG_HOME: join(root, 'xdg') } })).toEqual({
      stdout: 'hello from alpha\n',
      stderr: '',
      code: 0,
    });
    expect(await tosh(['-c', 'hello'], { env })).toEqual({
      stdout: 'hello from beta\n',
      stderr: [...BETA_WARNINGS, ''].join('\n'),
      code: 0,
    });
  });

  it('refuses a second plugin that takes a name already in use', async () => {
    const ws = workspace('conflict-a');
    mkdirSync(join(ws.cwd, 'again'));
    cpSync(join(FIXTURES, 'core', 'conflict-a', 'alpha.ts'), join(ws.cwd, 'again', 'alpha2.ts'));
    trustTree(join(ws.cwd, 'again'));
    expect(await tosh(['--plugins', 'conflict-a', '--plugins', 'again', '-c', 'alpha:hello'], { cwd: ws.cwd })).toEqual({
      stdout: 'hello from alpha\n',
      stderr: "tosh: refused plugin again/alpha2.ts: plugin name 'alpha' is already used by conflict-a/alpha.ts\n",
      code: 0,
    });
  });

  it('does not mind a missing plugin directory', async () => {
    expect(await tosh(['--plugins', '/no/such/dir', '-c', 'echo ok'], { env: { TOSH_PLUGIN_PATH: '/nor/this' } })).toEqual({
      stdout: 'ok\n',
      stderr: '',
      code: 0,
    });
  });
});

describe.concurrent('trust (contract §9)', () => {
  const setup = (mode: number, owner?: number) => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'p'));
    cpSync(join(FIXTURES, 'core', 'conflict-a', 'alpha.ts'), join(cwd, 'p', 'alpha.ts'));
    chmodSync(join(cwd, 'p', 'alpha.ts'), mode);
    if (owner !== undefined) chownSync(join(cwd, 'p', 'alpha.ts'), owner, 0);
    return cwd;
  };

  // Another user's file can only be made as root; the message names whoever runs the tests.
  const uid = process.getuid?.();
  const cases: [number, number | undefined, string][] = [
    [0o664, undefined, 'it is writable by its group'],
    [0o646, undefined, 'it is writable by others'],
  ];
  if (uid === 0) cases.push([0o644, 65534, 'it is owned by uid 65534, not by you (uid 0) or root']);
  it.each(cases)('refuses a plugin with mode %o owned by %s, unless --trust or trustAll', async (mode, owner, why) => {
    const cwd = setup(mode, owner);
    expect(await tosh(['--plugins', 'p', '-c', 'hello'], { cwd })).toEqual({
      stdout: '',
      stderr: `tosh: refused plugin p/alpha.ts: ${why} (use --trust to load it anyway)\ntosh: unknown command 'hello'\n`,
      code: 127,
    });
    expect(await tosh(['--trust', '--plugins', 'p', '-c', 'hello'], { cwd })).toEqual({
      stdout: 'hello from alpha\n',
      stderr: '',
      code: 0,
    });
    const home = tempDir();
    writeFileSync(join(home, 'config.json'), '{ "trustAll": true }');
    expect(await tosh(['--plugins', 'p', '-c', 'hello'], { cwd, home })).toEqual({ stdout: 'hello from alpha\n', stderr: '', code: 0 });
  });

  it('refuses a group-writable folder plugin', async () => {
    const cwd = tempDir();
    cpSync(join(FIXTURES, 'core', 'kinds', 'folder-index'), join(cwd, 'p', 'folder-index'), { recursive: true });
    trustTree(join(cwd, 'p'));
    chmodSync(join(cwd, 'p', 'folder-index'), 0o775);
    expect(await tosh(['--plugins', 'p', '-c', 'from-folder x'], { cwd })).toEqual({
      stdout: '',
      stderr:
        "tosh: refused plugin p/folder-index: it is writable by its group (use --trust to load it anyway)\ntosh: unknown command 'from-folder'\n",
      code: 127,
    });
  });

  it.each([
    ['{ "trustAll": tru', ' does not parse: Unexpected token \'\\n\', "{ "trustAll": tru\\n" is not valid JSON'],
    ['{ "trustAll": "yes" }', ': trustAll: expected boolean, received string'],
    ['{ "prompt": 3 }', ': prompt: expected string, received number'],
    ['{ "colour": "red" }', ': colour: unknown field'],
    ['[]', ': top level: expected object, received array'],
  ])('reports a bad config.json %j in one line and uses the defaults', async (text, problem) => {
    const home = tempDir();
    writeFileSync(join(home, 'config.json'), `${text}\n`);
    expect(await tosh(['-c', 'echo still works'], { home })).toEqual({
      stdout: 'still works\n',
      stderr: `tosh: config ${join(home, 'config.json')}${problem} (using defaults)\n`,
      code: 0,
    });
  });
});
