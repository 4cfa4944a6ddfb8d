import { describe, expect, it } from 'vitest';
import { CommandError, defineCommand, definePlugin, z } from '../plugin-sdk/index.ts';
import { runCommand } from '../plugin-sdk/testing.ts';
import { workspace } from './helpers/core.ts';
import { tempDir } from './helpers/tosh.ts';

/** A small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fuzz = definePlugin({
  name: 'fuzz',
  version: '1.0.0',
  commands: {
    upper: defineCommand({ run: ({ input }) => String(input ?? '').toUpperCase() }),
    hello: defineCommand({
      args: z.object({ name: z.string().default('you'), rest: z.array(z.number()).default([]) }),
      flags: z.object({ loud: z.boolean().default(false), times: z.number().int().min(1).default(1), mode: z.enum(['a', 'b']).optional() }),
      short: { l: 'loud', t: 'times' },
      run: ({ args, flags }) => ({ greeting: `hi ${args.name}`, n: flags.times, rest: args.rest }),
    }),
    fail: defineCommand({
      run() {
        throw new CommandError('failed on purpose', { exitCode: 3 });
      },
    }),
    crash: defineCommand({
      run() {
        throw new Error('crashed\nwith a second line');
      },
    }),
    table: defineCommand({ run: ({ argv }) => argv.map((word, i) => ({ i, word })) }),
  },
});

const PIECES = [
  'echo',
  'upper',
  'hello',
  'fail',
  'crash',
  'table',
  'fuzz:hello',
  'nope',
  '|',
  '||',
  '&&',
  ';',
  '>',
  '>>',
  '&',
  '#',
  "'",
  '"',
  '\\',
  '--',
  '-',
  '--loud',
  '--no-loud',
  '-lt',
  '--times',
  '--times=x',
  '--mode',
  'b',
  '-5',
  '1e999',
  'NaN',
  '😀',
  '👩‍👩‍👧',
  '日本語',
  '\u0000',
  '\u0007',
  '\u001b[31m',
  '\r',
  '\n',
  '\t',
  '\u202e',
  '\ud800',
  '{"a":1}',
  '$HOME',
  '*',
  '~',
];

function randomLine(next: () => number): string {
  const parts: string[] = [];
  const count = Math.floor(next() * 12);
  for (let i = 0; i < count; i++) {
    const r = next();
    if (r < 0.01) parts.push('x'.repeat(200_000));
    else if (r < 0.1) parts.push(String.fromCharCode(Math.floor(next() * 0x3000)));
    else parts.push(PIECES[Math.floor(next() * PIECES.length)] as string);
    if (next() < 0.7) parts.push(' ');
  }
  return parts.join('');
}

/** What any line may give: a status of the contract, and errors only as `tosh: ...` lines, never a stack. */
function expectSane(line: string, outcome: { stdout: string; stderr: string; exitCode: number }): void {
  const context = `line ${JSON.stringify(line.slice(0, 200))}`;
  expect([0, 1, 2, 3, 126, 127], context).toContain(outcome.exitCode);
  if (outcome.stderr !== '') {
    expect(outcome.stderr.endsWith('\n'), context).toBe(true);
    for (const errorLine of outcome.stderr.slice(0, -1).split('\n')) expect(errorLine, context).toMatch(/^tosh: /);
  }
  expect(outcome.stderr, context).not.toMatch(/\n\s+at /);
  if (outcome.exitCode !== 0) expect(outcome.stderr, context).not.toBe('');
}

describe('fuzz: random lines never crash the shell', () => {
  it('gives a result or one-line errors for 1500 random lines (in process)', async () => {
    const cwd = tempDir();
    const next = random(20261125);
    for (let i = 0; i < 1500; i++) {
      const line = randomLine(next);
      expectSane(line, await runCommand(fuzz, line, { cwd }));
    }
  });

  it.each([
    ['control characters', 'echo \u0000\u0001\u0007\u001b[2J \u007f'],
    ['a 200 KB word', `echo ${'w'.repeat(200_000)}`],
    ['a 200 KB unknown command', 'c'.repeat(200_000)],
    ['unbalanced quotes', `echo "it's`],
    ['lone operators', '| ; && || >'],
    ['emoji', 'echo 😀 👩‍👩‍👧 🇫🇷'],
    ['a lone surrogate', 'echo \ud800'],
  ])('handles %s in process', async (_what, line) => {
    expectSane(line, await runCommand(fuzz, line, { cwd: tempDir() }));
  });

  it('names the plugin and command of a crash in one line', async () => {
    expect(await runCommand(fuzz, 'crash')).toEqual({ stdout: '', stderr: 'tosh: fuzz:crash: crashed\n', exitCode: 1, value: undefined });
  });
});

describe.concurrent('fuzz through the binary', () => {
  const ws = workspace('values');
  it.each([
    ['control characters', 'echo a\u0001b\u0007 \u001b[31mred', 0],
    // One argument may not exceed 128 KB (E2BIG): the 200 KB lines go through stdin below.
    ['a 100 KB word', `echo ${'w'.repeat(100_000)} | count`, 0],
    ['unbalanced quotes', `echo 'it"s`, 2],
    ['lone operators', '&&', 2],
    ['emoji', 'echo 😀 👩‍👩‍👧', 0],
    ['garbage flags', 'table --x=1 -- -q', 2],
  ])('%s', async (_what, line, code) => {
    const result = await ws.run(['-c', line]);
    expect(result.code).toBe(code);
    expectSane(line, { ...result, exitCode: result.code ?? -1 });
  });

  it('keeps going after bad lines on stdin', async () => {
    // An open quote continues on the next lines, as in sh: here the last line opens one, which the end of input leaves open.
    const lines = [
      '\u0000\u0001',
      '|',
      'q'.repeat(200_000),
      `echo ${'w'.repeat(200_000)} | count`,
      'echo 😀 still here',
      'echo "open',
    ].join('\n');
    const result = await ws.run([], { stdin: lines });
    expect(result.stdout).toBe('1\n😀 still here\n');
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')).toEqual([
      "tosh: unknown command '\\x00\\x01'",
      "tosh: syntax error: '|' needs a command before it",
      `tosh: unknown command '${'q'.repeat(57)}...'`,
      'tosh: unbalanced quote: missing closing "',
      '',
    ]);
  });
});
