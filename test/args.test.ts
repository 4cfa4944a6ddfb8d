import { describe, expect, it } from 'vitest';
import { defineCommand, z } from '../plugin-sdk/index.ts';
import type { AnyCommand } from '../plugin-sdk/types.ts';
import { didYouMean } from '../shell/base/did-you-mean.ts';
import { UsageError } from '../shell/base/errors.ts';
import { specOf } from '../shell/plugins/schema.ts';
import { parseWords, validate } from '../shell/run/args.ts';

const copy = defineCommand({
  args: z.object({ from: z.string(), to: z.string().optional(), rest: z.array(z.string()).default([]) }),
  flags: z.object({
    dryRun: z.boolean().default(false),
    times: z.number().int().min(1).max(9).default(1),
    mode: z.enum(['fast', 'safe']).default('safe'),
    tag: z.array(z.string()).default([]),
    ratio: z.number().optional(),
    verbose: z.boolean().default(false),
    name: z.string().min(2).optional(),
    at: z.date().optional(),
  }),
  short: { n: 'dryRun', t: 'times', v: 'verbose' },
  run: () => undefined,
});
const sum = defineCommand({ args: z.object({ numbers: z.array(z.number()) }), run: () => undefined });
const bare = defineCommand({ run: () => undefined });
const required = defineCommand({ flags: z.object({ token: z.string() }), run: () => undefined });
const toggles = defineCommand({ args: z.object({ on: z.boolean() }), run: () => undefined });

/** Parse and validate `line` (words split on spaces) for a command, as the dispatcher does. */
function call(command: AnyCommand, line: string): { args: unknown; flags: unknown } {
  const words = line === '' ? [] : line.split(' ');
  const spec = specOf(command);
  return validate('cmd', command, spec, parseWords('cmd', spec, words));
}

const commands: Record<string, AnyCommand> = { copy, sum, bare, required, toggles };

const flagDefaults = { dryRun: false, times: 1, mode: 'safe', tag: [], verbose: false };

describe('argument parsing', () => {
  it.each([
    ['a', { from: 'a', rest: [] }, {}],
    ['a b c d', { from: 'a', to: 'b', rest: ['c', 'd'] }, {}],
    ['a --dry-run', { from: 'a', rest: [] }, { dryRun: true }],
    ['a --dry-run=false', { from: 'a', rest: [] }, {}],
    ['a --no-dry-run', { from: 'a', rest: [] }, {}],
    ['--times 3 a', { from: 'a', rest: [] }, { times: 3 }],
    ['a --times=4', { from: 'a', rest: [] }, { times: 4 }],
    ['a -t 5', { from: 'a', rest: [] }, { times: 5 }],
    ['a -t6', { from: 'a', rest: [] }, { times: 6 }],
    ['a -nvt 2', { from: 'a', rest: [] }, { dryRun: true, verbose: true, times: 2 }],
    ['a --mode fast', { from: 'a', rest: [] }, { mode: 'fast' }],
    ['a --tag x --tag=y', { from: 'a', rest: [] }, { tag: ['x', 'y'] }],
    ['a --ratio -0.5', { from: 'a', rest: [] }, { ratio: -0.5 }],
    ['-1 -2', { from: '-1', to: '-2', rest: [] }, {}],
    ['a -- --times -n', { from: 'a', to: '--times', rest: ['-n'] }, {}],
    ['- b', { from: '-', to: 'b', rest: [] }, {}],
    ['a --name=', { from: 'a', rest: [] }, null],
  ] as [string, object, object | null][])('copy %s', (line, args, flags) => {
    if (flags === null) {
      expect(() => call(copy, line)).toThrow('cmd: --name must have at least 2 characters');
      return;
    }
    expect(call(copy, line)).toEqual({ args, flags: { ...flagDefaults, ...flags } });
  });

  it('takes a first -- as the end of flags for a command that declares none, and later ones as arguments', () => {
    const words = defineCommand({ args: z.object({ words: z.array(z.string()).default([]) }), run: () => undefined });
    expect(call(words, '-- a -- -b')).toEqual({ args: { words: ['a', '--', '-b'] }, flags: {} });
    expect(call(words, '-x -- y')).toEqual({ args: { words: ['-x', 'y'] }, flags: {} });
  });

  it("keeps the author's own zod message", () => {
    const slug = defineCommand({
      args: z.object({ name: z.string().regex(/^[a-z-]+$/, 'must be kebab-case, like my-plugin') }),
      run: () => undefined,
    });
    expect(() => call(slug, 'MyPlugin')).toThrow("cmd: <name>: must be kebab-case, like my-plugin, got 'MyPlugin'");
    const plain = defineCommand({ args: z.object({ name: z.string().regex(/^[a-z-]+$/) }), run: () => undefined });
    expect(() => call(plain, 'MyPlugin')).toThrow(/^cmd: <name> must match/);
  });

  it('coerces dates, numbers of variadic args and booleans', () => {
    expect((call(copy, 'a --at 2024-01-02').flags as { at: Date }).at.toISOString()).toBe('2024-01-02T00:00:00.000Z');
    expect(call(sum, '1 2.5 -3 1e3').args).toEqual({ numbers: [1, 2.5, -3, 1000] });
    for (const [word, value] of [
      ['true', true],
      ['yes', true],
      ['1', true],
      ['off', false],
      ['NO', false],
    ] as const)
      expect(call(toggles, word).args).toEqual({ on: value });
  });

  it.each([
    ['copy', '', 'cmd: missing argument <from>'],
    ['copy', 'a --frobnicate', "cmd: unknown flag '--frobnicate'"],
    ['copy', 'a --dryrun', "cmd: unknown flag '--dryrun' (did you mean '--dry-run'?)"],
    ['copy', 'a --tims 2', "cmd: unknown flag '--tims' (did you mean '--times'?)"],
    ['copy', 'a -x', "cmd: unknown flag '-x' (known: -n, -t, -v)"],
    ['copy', 'a --times', 'cmd: --times needs a value (a number)'],
    ['copy', 'a -t', 'cmd: -t (--times) needs a value (a number)'],
    ['copy', 'a --times many', "cmd: --times expects a number, got 'many'"],
    ['copy', 'a --times 1.5', "cmd: --times expects an integer, got '1.5'"],
    ['copy', 'a --times 10', "cmd: --times must be at most 9, got '10'"],
    ['copy', 'a --times 0', "cmd: --times must be at least 1, got '0'"],
    ['copy', 'a --mode slow', "cmd: --mode expects one of fast, safe, got 'slow'"],
    ['copy', 'a --mode saf', "cmd: --mode expects one of fast, safe, got 'saf' (did you mean 'safe'?)"],
    ['copy', 'a --dry-run=maybe', "cmd: --dry-run expects true or false, got 'maybe'"],
    ['copy', 'a --no-dry-run=true', 'cmd: --no-dry-run takes no value'],
    ['copy', 'a --no-times', "cmd: unknown flag '--no-times' (--times is not a true/false flag)"],
    ['copy', 'a --at never', "cmd: --at expects a date, got 'never'"],
    ['sum', '', 'cmd: missing argument <numbers>'],
    ['sum', '1 two', "cmd: <numbers> expects a number, got 'two'"],
    ['bare', 'x', "cmd: takes no arguments, got 'x'"],
    ['bare', '--x', "cmd: takes no arguments, got '--x'"],
    ['toggles', 'maybe', "cmd: <on> expects true or false, got 'maybe'"],
    ['toggles', 'yes no', "cmd: unexpected argument 'no'"],
    ['required', '', 'cmd: missing required flag --token'],
  ] as [string, string, string][])('%s %j → %s', (name, line, message) => {
    let caught: unknown;
    try {
      call(commands[name] as AnyCommand, line);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).message).toBe(message);
    expect((caught as UsageError).exitCode).toBe(2);
  });

  it.each([
    ['helo', ['help', 'hello', 'exit'], 'help'],
    ['exti', ['help', 'exit'], 'exit'],
    ['zzzzzz', ['help', 'exit'], undefined],
    ['x', [], undefined],
  ] as [string, string[], string | undefined][])('didYouMean(%j)', (word, candidates, expected) => {
    expect(didYouMean(word, candidates)).toBe(expected);
  });
});
