import { describe, expect, it } from 'vitest';
import { UsageError } from '../shell/errors.ts';
import { isIncomplete, parse } from '../shell/parser.ts';

/** A compact view of the AST: pipelines as arrays of commands, commands as word strings. */
function shape(line: string): unknown {
  return parse(line).items.map(({ connector, pipeline }) => [
    connector,
    ...pipeline.commands.map((c) =>
      c.redirect ? `${c.words.join(' ')} ${c.redirect.append ? '>>' : '>'} ${c.redirect.path}` : c.words.join(' '),
    ),
  ]);
}

describe('parser', () => {
  it.each([
    ['', []],
    ['# nothing', []],
    ['echo hi', [[';', 'echo hi']]],
    [
      'a ; b',
      [
        [';', 'a'],
        [';', 'b'],
      ],
    ],
    ['a;', [[';', 'a']]],
    [
      'a && b || c',
      [
        [';', 'a'],
        ['&&', 'b'],
        ['||', 'c'],
      ],
    ],
    ['a | b | c', [[';', 'a', 'b', 'c']]],
    [
      'a | b && c | d',
      [
        [';', 'a', 'b'],
        ['&&', 'c', 'd'],
      ],
    ],
    ['a > out.txt', [[';', 'a > out.txt']]],
    [
      'a x >> log; b',
      [
        [';', 'a x >> log'],
        [';', 'b'],
      ],
    ],
    ['a > f | b', [[';', 'a > f', 'b']]],
    ["echo '>' '|'", [[';', 'echo > |']]],
  ] as [string, unknown][])('%j', (line, expected) => {
    expect(shape(line)).toEqual(expected);
  });

  it.each([
    ['| a', "syntax error: '|' needs a command before it", false],
    ['a | | b', "syntax error: '|' needs a command before it", false],
    ['&& a', "syntax error: '&&' needs a command before it", false],
    ['|| a', "syntax error: '||' needs a command before it", false],
    [';', "syntax error near ';'", false],
    ['a ;; b', "syntax error near ';'", false],
    ['a && ; b', "syntax error: '&&' needs a command after it", false],
    ['> f a', "syntax error: '>' needs a command before it", false],
    ['a >', "syntax error: '>' needs a file name after it", false],
    ['a > | b', "syntax error: '>' needs a file name after it", false],
    ['a > x > y', 'syntax error: a command can only be redirected once', false],
    ['a |', "syntax error: '|' needs a command after it", true],
    ['a &&', "syntax error: '&&' needs a command after it", true],
    ['a ||', "syntax error: '||' needs a command after it", true],
    ["a 'b", "unbalanced quote: missing closing '", true],
  ])('%j is a usage error', (line, message, incomplete) => {
    let caught: unknown;
    try {
      parse(line);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).message).toBe(message);
    expect(isIncomplete(line)).toBe(incomplete);
  });

  it('keeps every word of a command', () => {
    expect(parse('copy "a b" c -- --x > "out file"')).toEqual({
      items: [
        {
          connector: ';',
          pipeline: { commands: [{ words: ['copy', 'a b', 'c', '--', '--x'], redirect: { path: 'out file', append: false } }] },
        },
      ],
    });
  });
});
