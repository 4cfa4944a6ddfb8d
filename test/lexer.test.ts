import { describe, expect, it } from 'vitest';
import { UsageError } from '../shell/base/errors.ts';
import { lex, shellQuote } from '../shell/line/lexer.ts';

const words = (line: string) => lex(line).map((t) => (t.kind === 'op' ? { op: t.value } : t.value));

describe('lexer', () => {
  it.each([
    ['', []],
    ['   \t ', []],
    ['echo', ['echo']],
    ['echo  a\tb', ['echo', 'a', 'b']],
    ["'single quoted'", ['single quoted']],
    ["'a\\b'", ['a\\b']],
    ["'it''s'", ['its']],
    ['"double quoted"', ['double quoted']],
    ['"say \\"hi\\""', ['say "hi"']],
    ['"back\\\\slash"', ['back\\slash']],
    ['"keep \\n"', ['keep \\n']],
    ['a\\ b', ['a b']],
    ['\\|', ['|']],
    ['a"b"\'c\'d', ['abcd']],
    ['""', ['']],
    ["''", ['']],
    ['# all comment', []],
    ['echo a # comment', ['echo', 'a']],
    ['echo a#b', ['echo', 'a#b']],
    ["echo '#x'", ['echo', '#x']],
    ['a|b', ['a', { op: '|' }, 'b']],
    ['a || b', ['a', { op: '||' }, 'b']],
    ['a&&b', ['a', { op: '&&' }, 'b']],
    ['a;b', ['a', { op: ';' }, 'b']],
    ['a>f', ['a', { op: '>' }, 'f']],
    ['a >> f', ['a', { op: '>>' }, 'f']],
    ['a & b', ['a', '&', 'b']],
    ['a<f', ['a', { op: '<' }, 'f']],
    ['a 2>f 2>>g 2>&1', ['a', { op: '2>' }, 'f', { op: '2>>' }, 'g', { op: '2>&1' }]],
    ['a2>f', ['a2', { op: '>' }, 'f']],
    ['echo $(a | b) "$(c; d)"', ['echo', '$(a | b)', '$(c; d)']],
    ['"$A" \\$B', ['$A', '$B']],
    ["'|' \"&&\" ';' '>'", ['|', '&&', ';', '>']],
    ['héllo 😀 日本', ['héllo', '😀', '日本']],
    ['a\\\nb', ['ab']],
  ] as [string, unknown[]][])('%j', (line, expected) => {
    expect(words(line)).toEqual(expected);
  });

  it.each([
    ["echo 'open", "unbalanced quote: missing closing '"],
    ['echo "open', 'unbalanced quote: missing closing "'],
    ['echo "a\\"', 'unbalanced quote: missing closing "'],
    ['echo end\\', 'line ends with a lone backslash'],
    ['echo $(a', "unbalanced '$(': missing closing ')'"],
  ])('%j is an incomplete usage error', (line, message) => {
    let caught: unknown;
    try {
      lex(line);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).message).toBe(message);
    expect((caught as UsageError).incomplete).toBe(true);
    expect((caught as UsageError).exitCode).toBe(2);
  });

  it('records where each token is', () => {
    expect(lex('ab  "c d" |x')).toEqual([
      { kind: 'word', value: 'ab', raw: 'ab', start: 0, end: 2, parts: [{ kind: 'literal', text: 'ab', quoted: 'none' }] },
      { kind: 'word', value: 'c d', raw: '"c d"', start: 4, end: 9, parts: [{ kind: 'literal', text: 'c d', quoted: 'double' }] },
      { kind: 'op', value: '|', start: 10, end: 11 },
      { kind: 'word', value: 'x', raw: 'x', start: 11, end: 12, parts: [{ kind: 'literal', text: 'x', quoted: 'none' }] },
    ]);
  });

  it.each(['plain', '', 'two words', "it's", 'a|b', '#x', '$HOME', 'tab\there', '😀'])('shellQuote(%j) lexes back to itself', (word) => {
    expect(words(shellQuote(word))).toEqual([word]);
  });
});
