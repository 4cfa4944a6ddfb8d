/**
 * docs/troubleshooting.md quotes the shell's error messages. This test makes
 * each one happen with a real plugin and the real binary, and checks both
 * ways: every line printed appears in the page, and every message in the page
 * was printed by some case here (a few that cannot be staged are listed).
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentId } from '../shell/plugins/cache.ts';
import { ROOT, tempDir, tosh } from './helpers/tosh.ts';

const PAGE = readFileSync(join(ROOT, 'docs', 'troubleshooting.md'), 'utf8');
const SDK = "import { CommandError, defineCommand, definePlugin, z } from 'tosh/plugin-sdk';\n";
const plugin = (body: string) => `${SDK}export default definePlugin(${body});\n`;
const greet = (fields: string) => plugin(`{ name: 'greet', version: '1.0.0', ${fields} }`);

/** Messages of the page that no case below can stage on this machine. */
const NOT_STAGED = [
  'tosh: refused plugin plugins/greet.ts: it is owned by uid 1001, not by you (uid 1000) or root (use --trust to load it anyway)',
  // Signals and keys: staged in test/faults.test.ts.
  'tosh: the running command does not give way to Ctrl-C: press Ctrl-C again to leave the shell',
  'tosh: the running command does not give way to Ctrl-C: leaving the shell',
  'tosh: a plugin holds the shell: ending it (SIGTERM)',
  'tosh: a plugin holds the shell: ending it (SIGHUP)',
  'tosh: failed to load plugins/greet.ts: loading was interrupted (Ctrl-C)',
];

const DEPLOY = plugin(`{
  name: 'demo',
  version: '1.0.0',
  commands: {
    deploy: defineCommand({
      args: z.object({ target: z.enum(['staging', 'production']), count: z.number().int().max(5).optional() }),
      flags: z.object({
        force: z.boolean().default(false),
        region: z.string().min(2),
        since: z.date().optional(),
        big: z.bigint().optional(),
        tag: z.string().regex(/^v\\d+$/).optional(),
      }),
      short: { f: 'force', r: 'region' },
      run: () => 'ok',
    }),
    ping: defineCommand({ run: () => 'pong' }),
  },
}`);

interface Case {
  files: Record<string, string>;
  lines: string[];
  mode?: Record<string, number>;
  config?: string;
  args?: string[];
  /** More set-up once the files are written (paths: the working directory, the plugin directory, TOSH_HOME). */
  prepare?: (at: { cwd: string; plugins: string; home: string }) => void | Promise<void>;
  env?: Record<string, string | undefined>;
}

/** A warm cache whose entry for the built-in echo points at a code file others can write. */
async function looseCodeFile({ cwd, home }: { cwd: string; home: string }): Promise<void> {
  await tosh(['-c', 'echo warm'], { cwd, home });
  const file = join(home, 'cache', 'manifest.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { entries: Record<string, { code?: string }> };
  const code = "throw new Error('injected');\n";
  for (const [path, entry] of Object.entries(manifest.entries))
    if (path.endsWith(join('commands', 'echo.ts'))) entry.code = contentId(code);
  writeFileSync(file, JSON.stringify(manifest));
  writeFileSync(join(home, 'cache', 'code', `${contentId(code)}.cjs`), code, { mode: 0o666 });
  chmodSync(join(home, 'cache', 'code', `${contentId(code)}.cjs`), 0o666);
  writeFileSync(join(home, 'cache', 'code', `${contentId(code)}.map`), '{}', { mode: 0o600 });
}

const helper = (fields: string) =>
  `${SDK}import { hi } from './lib/strings.ts';\nexport default definePlugin({ name: 'greet', version: '1.0.0', ${fields} });\n`;

const cases: Record<string, Case> = {
  syntax: {
    files: {
      'greet.ts': `${SDK}export default definePlugin({ name: 'greet', version: '1.0.0', commands: { hi: defineCommand({ run: () => 'hi' }) }\n`,
    },
    lines: ['echo'],
  },
  'missing import': {
    files: {
      'pad.ts': `${SDK}import left from 'left-pad';\nexport default definePlugin({ name: 'pad', version: '1.0.0', commands: { l: defineCommand({ run: () => left('a', 3) }) } });\n`,
    },
    lines: ['echo'],
  },
  'no default': { files: { 'greet.ts': 'export const x = 1;\n' }, lines: ['echo'] },
  'default not a plugin': { files: { 'greet.ts': 'export default 42;\n' }, lines: ['echo'] },
  name: { files: { 'greet.ts': plugin("{ name: 'Greet', version: '1.0.0', commands: {} }") }, lines: ['echo'] },
  version: { files: { 'greet.ts': plugin("{ name: 'greet', version: '1.0', commands: {} }") }, lines: ['echo'] },
  'sdk field': { files: { 'greet.ts': greet("sdk: 'one', commands: {}") }, lines: ['echo'] },
  commands: { files: { 'greet.ts': greet('commands: undefined as never') }, lines: ['echo'] },
  run: { files: { 'greet.ts': greet('commands: { hello: {} as never }') }, lines: ['echo'] },
  args: {
    files: { 'greet.ts': greet("commands: { hello: defineCommand({ args: { name: 'x' } as never, run: () => 'x' }) }") },
    lines: ['echo'],
  },
  short: {
    files: {
      'greet.ts': greet(
        "commands: { hello: defineCommand({ flags: z.object({ loud: z.boolean() }), short: { q: 'quiet' as never }, run: () => 'x' }) }",
      ),
    },
    lines: ['echo'],
  },
  'command name': { files: { 'greet.ts': greet("commands: { 'hello world': defineCommand({ run: () => 'x' }) }") }, lines: ['echo'] },
  throws: {
    files: {
      'weather.ts': `${SDK}throw new Error('no API key in $WEATHER_KEY');\nexport default definePlugin({ name: 'weather', version: '1.0.0', commands: {} });\n`,
    },
    lines: ['echo'],
  },
  'sdk range': { files: { 'greet.ts': greet("sdk: '^2.0.0', commands: {}") }, lines: ['echo'] },
  'group writable': { files: { 'greet.ts': greet('commands: {}') }, mode: { 'greet.ts': 0o664 }, lines: ['echo'] },
  'world writable': { files: { 'greet.ts': greet('commands: {}') }, mode: { 'greet.ts': 0o646 }, lines: ['echo'] },
  'imported file writable': {
    files: { 'greet/index.ts': helper('commands: {}, description: hi'), 'greet/lib/strings.ts': "export const hi = 'hi';\n" },
    mode: { 'greet/lib/strings.ts': 0o666 },
    lines: ['echo'],
  },
  'folder on the way writable': {
    files: { 'greet/index.ts': helper('commands: {}, description: hi'), 'greet/lib/strings.ts': "export const hi = 'hi';\n" },
    prepare: ({ plugins }) => chmodSync(join(plugins, 'greet', 'lib'), 0o775),
    lines: ['echo'],
  },
  'package.json writable': {
    files: { 'greet/package.json': '{ "main": "main.ts" }\n', 'greet/main.ts': greet('commands: {}') },
    mode: { 'greet/package.json': 0o666 },
    lines: ['echo'],
  },
  'main outside the folder writable': {
    files: { 'greet/package.json': '{ "main": "../../shared/greet.ts" }\n' },
    prepare: ({ cwd }) => {
      mkdirSync(join(cwd, 'shared'));
      writeFileSync(join(cwd, 'shared', 'greet.ts'), greet('commands: {}'));
      chmodSync(join(cwd, 'shared', 'greet.ts'), 0o666);
    },
    lines: ['echo'],
  },
  'plugin directory writable': {
    files: { 'greet.ts': greet('commands: {}') },
    prepare: ({ plugins }) => chmodSync(plugins, 0o777),
    lines: ['echo'],
  },
  'config writable': {
    files: {},
    config: '{ "trustAll": true }',
    prepare: ({ home }) => chmodSync(join(home, 'config.json'), 0o666),
    lines: ['echo'],
  },
  'config not a file': { files: {}, prepare: ({ home }) => mkdirSync(join(home, 'config.json')), lines: ['echo'] },
  'home writable': {
    files: {},
    config: '{}',
    prepare: ({ home }) => chmodSync(home, 0o777),
    lines: ['echo'],
  },
  'cache writable': {
    files: {},
    prepare: ({ home }) => {
      mkdirSync(join(home, 'cache'));
      chmodSync(join(home, 'cache'), 0o777);
    },
    lines: ['echo'],
  },
  'manifest writable': {
    files: {},
    prepare: ({ home }) => {
      mkdirSync(join(home, 'cache'), { mode: 0o700 });
      writeFileSync(join(home, 'cache', 'manifest.json'), '{}', { mode: 0o666 });
      chmodSync(join(home, 'cache', 'manifest.json'), 0o666);
    },
    lines: ['echo'],
  },
  'code file writable': { files: {}, prepare: looseCodeFile, lines: ['echo'] },
  'home cannot be made': { files: {}, env: { HOME: '/proc', TOSH_HOME: undefined }, lines: ['echo'] },
  'built-in name': {
    files: { 'help.ts': plugin("{ name: 'help', version: '1.0.0', commands: { help: defineCommand({ run: () => 'mine' }) } }") },
    lines: ['help help'],
  },
  'same name': { files: { 'greet.ts': greet('commands: {}'), 'greet2.ts': greet('commands: {}') }, lines: ['echo'] },
  clashes: {
    files: {
      'mine.ts': plugin(
        "{ name: 'mine', version: '1.0.0', commands: { echo: defineCommand({ run: () => 'mine' }), help: defineCommand({ run: () => 'no' }) } }",
      ),
    },
    lines: ['echo'],
  },
  hooks: {
    files: {
      'greet.ts': greet(`
        setup() { throw new Error('cannot open the database'); },
        dispose() { throw new Error('timer already cleared'); },
        commands: { hello: defineCommand({ run: () => { throw new Error('disk full'); } }) },`),
    },
    lines: ['hello'],
  },
  'async throw': {
    files: {
      'greet.ts': greet(`commands: {
        fetch: defineCommand({ run: () => new Promise((resolve) => { setTimeout(() => { throw new Error('connection reset'); }, 10); setTimeout(resolve, 2000); }) }),
      },`),
    },
    lines: ['fetch'],
  },
  'process.exit': {
    files: {
      'greet.ts': greet(`commands: {
        bye: defineCommand({ run: () => { process.exit(2); } }),
        later: defineCommand({ run: () => new Promise((resolve) => { setTimeout(() => process.exit(0), 10); setTimeout(resolve, 2000); }) }),
      },`),
    },
    lines: ['bye', 'later'],
  },
  'load deadline': {
    files: {
      'greet.ts': greet('commands: { hello: defineCommand({ run: () => "hi" }) }').replace('export default', 'for (;;) {}\nexport default'),
    },
    config: '{ "loadTimeout": 1 }',
    lines: ['greet:hello', 'hello'],
  },
  'setup deadline': {
    files: { 'greet.ts': greet('setup: () => new Promise(() => {}), commands: { hello: defineCommand({ run: () => "hi" }) }') },
    config: '{ "loadTimeout": 1 }',
    lines: ['hello'],
  },
  'run depth': {
    files: {
      'greet.ts': greet(`commands: {
        again: defineCommand({ run: async (_input, ctx) => { const r = await ctx.run('again'); if (r.exitCode) throw new CommandError(r.stderr.trim().replace(/^tosh: /, '')); } }),
      },`),
    },
    lines: ['again'],
  },
  globals: {
    files: {
      'patch.ts': plugin("{ name: 'patch', version: '1.0.0', commands: {} }").replace(
        'export default',
        "Array.prototype.map = () => { throw new Error('map is patched'); };\nexport default",
      ),
    },
    lines: ['echo'],
  },
  usage: {
    files: { 'demo.ts': DEPLOY },
    lines: [
      'deploy',
      'deploy staging',
      'deploy staging -r eu 1 extra',
      'ping now',
      'deploy stagin -r eu',
      'deploy staging x -r eu',
      'deploy staging 1.5 -r eu',
      'deploy staging 9 -r eu',
      'deploy staging -r e',
      'deploy staging -r eu --tag latest',
      'deploy staging -r eu --since tomorrow',
      'deploy staging -r eu --force=maybe',
      'deploy staging -r eu --big 1.5',
      'deploy staging -r eu --forse',
      'deploy staging -r eu -x',
      'deploy staging -r eu --no-region',
      'deploy staging -r eu --no-force=1',
      'deploy staging --region',
      'deploy staging -r',
      "echo 'open",
      'echo "open',
      'echo a \\',
      'echo a |',
      '| echo',
      'echo a ; ; echo b',
      'echo a >',
      'echo $(pwd',
      'echo ${HOME',
      'if true; then echo a',
      'fi',
      'cat <<EOF',
      'echo $((1/0))',
      'echo ${x:?gone}',
      'break',
      'f() { f; }; f',
      'pnig',
    ],
  },
  render: {
    files: {
      'greet.tsx': `${SDK}function Bad(): never { throw new Error('no data yet'); }\nexport default definePlugin({ name: 'greet', version: '1.0.0', commands: { card: defineCommand({ run: () => <Bad /> }) } });\n`,
    },
    lines: ['card'],
  },
  builtins: { files: {}, lines: ['echo a > out/list.txt', 'echo a > /', 'reload nope', 'help nope', 'which nope'] },
  cli: { files: {}, lines: [], args: ['--plugin', 'x'] },
  'cli value': { files: {}, lines: [], args: ['--plugins'] },
  'cli script': { files: {}, lines: [], args: ['nofile.tosh'] },
  'cli directory': { files: {}, lines: [], args: ['/tmp'] },
  'config json': { files: {}, lines: ['echo'], config: '{ bad' },
  'config type': { files: {}, lines: ['echo'], config: '{ "prompt": 3 }' },
  'config field': { files: {}, lines: ['echo'], config: '{ "colour": true }' },
};

const printed = new Set<string>();

describe('docs/troubleshooting.md', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`quotes what the shell prints: ${name}`, async () => {
      const cwd = tempDir();
      const plugins = join(cwd, 'plugins');
      mkdirSync(plugins);
      for (const [file, text] of Object.entries(c.files)) {
        mkdirSync(dirname(join(plugins, file)), { recursive: true });
        writeFileSync(join(plugins, file), text);
        chmodSync(join(plugins, file), c.mode?.[file] ?? 0o644);
      }
      const home = join(cwd, 'home');
      mkdirSync(home, { mode: 0o700 });
      if (c.config) writeFileSync(join(home, 'config.json'), c.config, { mode: 0o600 });
      await c.prepare?.({ cwd, plugins, home });
      const runs = c.args ? [c.args] : c.lines.map((line) => ['--plugins', 'plugins', '-c', line]);
      for (const args of runs) {
        const { stderr } = await tosh(args, { cwd, home, env: { HOME: join(cwd, 'user'), ...c.env } });
        const lines = stderr.replaceAll(home, '~/.config/tosh').split('\n').slice(0, -1);
        expect(lines.length, `tosh ${args.join(' ')} printed no error`).toBeGreaterThan(0);
        for (const line of lines) {
          printed.add(line);
          expect(PAGE.includes(`\n${line}\n`), `tosh ${args.join(' ')} printed a line the page does not quote:\n${line}`).toBe(true);
        }
      }
    });
  }

  it('prints every message the page quotes', () => {
    const quoted = [...PAGE.matchAll(/```text\n([\s\S]*?)```/g)].flatMap((m) =>
      (m[1] as string).split('\n').filter((l) => l.startsWith('tosh: ')),
    );
    expect(quoted.filter((line) => !printed.has(line) && !NOT_STAGED.includes(line) && !line.startsWith('tosh: reloaded'))).toEqual([]);
  });
});
