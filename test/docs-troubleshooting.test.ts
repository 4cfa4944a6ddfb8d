/**
 * docs/troubleshooting.md quotes the shell's error messages. This test makes
 * each one happen with a real plugin and the real binary, and checks both
 * ways: every line printed appears in the page, and every message in the page
 * was printed by some case here (a few that cannot be staged are listed).
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir, tosh } from './helpers/tosh.ts';

const PAGE = readFileSync(join(ROOT, 'docs', 'troubleshooting.md'), 'utf8');
const SDK = "import { CommandError, defineCommand, definePlugin, z } from 'tosh/plugin-sdk';\n";
const plugin = (body: string) => `${SDK}export default definePlugin(${body});\n`;
const greet = (fields: string) => plugin(`{ name: 'greet', version: '1.0.0', ${fields} }`);

/** Messages of the page that no case below can stage on this machine. */
const NOT_STAGED = [
  'tosh: refused plugin plugins/greet.ts: it is owned by uid 1001, not by you (uid 1000) or root (use --trust to load it anyway)',
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
}

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
      'echo a > x > y',
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
        writeFileSync(join(plugins, file), text);
        chmodSync(join(plugins, file), c.mode?.[file] ?? 0o644);
      }
      const home = join(cwd, 'home');
      mkdirSync(home);
      if (c.config) writeFileSync(join(home, 'config.json'), c.config);
      const runs = c.args ? [c.args] : c.lines.map((line) => ['--plugins', 'plugins', '-c', line]);
      for (const args of runs) {
        const { stderr } = await tosh(args, { cwd, home, env: { HOME: join(cwd, 'user') } });
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
