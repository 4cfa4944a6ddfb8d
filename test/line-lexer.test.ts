// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell lines, where ${NAME} is meant literally
import { describe, expect, it } from 'vitest';
import { UsageError } from '../shell/base/errors.ts';
import { lex, readDoubleQuoted, shellQuote, substitutionEnd, type Token, type WordPart } from '../shell/line/lexer.ts';
import { parse } from '../shell/line/parser.ts';
import { scan } from '../shell/line/scanner.ts';

const lit = (text: string, quoted = 'none'): WordPart => ({ kind: 'literal', text, quoted }) as WordPart;
const parts = (line: string) => lex(line).map((t) => (t.kind === 'op' ? { op: t.value } : t.parts));

function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('no error');
}

describe('line lexer: the parts of a word', () => {
  it.each<[string, unknown[]]>([
    ['plain', [[lit('plain')]]],
    ["'$A *'", [[lit('$A *', 'single')]]],
    ['"a $A b"', [[lit('a ', 'double'), { kind: 'var', name: 'A', quoted: 'double' }, lit(' b', 'double')]]],
    ['x$A_1.y', [[lit('x'), { kind: 'var', name: 'A_1', quoted: 'none' }, lit('.y')]]],
    ['${A}b', [[{ kind: 'var', name: 'A', quoted: 'none' }, lit('b')]]],
    ['$? "${?}"', [[{ kind: 'status', quoted: 'none' }], [{ kind: 'status', quoted: 'double' }]]],
    ['$ a$ "$" $1 $-', [[lit('$')], [lit('a$')], [lit('$', 'double')], [lit('$1')], [lit('$-')]]],
    ['\\$A \\* "\\$A"', [[lit('$', 'escaped'), lit('A')], [lit('*', 'escaped')], [lit('$A', 'double')]]],
    ['"" \'\' a""', [[lit('', 'double')], [lit('', 'single')], [lit('a'), lit('', 'double')]]],
    ['"a"\'b\'"c"', [[lit('a', 'double'), lit('b', 'single'), lit('c', 'double')]]],
    ['"\\"\\\\\\$\\`\\n"', [[lit('"\\$`\\n', 'double')]]],
    ['"a\\\nb"', [[lit('ab', 'double')]]],
    ['$(echo a)', [[{ kind: 'subst', line: 'echo a', start: 2, quoted: 'none' }]]],
    ['"x$(echo ")")"', [[lit('x', 'double'), { kind: 'subst', line: 'echo ")"', start: 4, quoted: 'double' }]]],
    ["$(echo ')' \\) (a) $(b))", [[{ kind: 'subst', line: "echo ')' \\) (a) $(b)", start: 2, quoted: 'none' }]]],
    ['$()', [[{ kind: 'subst', line: '', start: 2, quoted: 'none' }]]],
    // `~` is home only unquoted at the start of a word, alone or before `/`.
    [
      '~ ~/x ~x x~ "~" \\~ ~"/x"',
      [
        [{ kind: 'tilde' }],
        [{ kind: 'tilde' }, lit('/x')],
        [lit('~x')],
        [lit('x~')],
        [lit('~', 'double')],
        [lit('~', 'escaped')],
        [lit('~'), lit('/x', 'double')],
      ],
    ],
    ['~|a', [[{ kind: 'tilde' }], { op: '|' }, [lit('a')]]],
    ['*.ts "*" \\?', [[lit('*.ts')], [lit('*', 'double')], [lit('?', 'escaped')]]],
  ])('%j', (line, expected) => {
    expect(parts(line)).toEqual(expected);
  });
});

describe('line lexer: operators', () => {
  const shape = (line: string) => lex(line).map((t) => (t.kind === 'op' ? { op: t.value } : t.value));
  it.each<[string, unknown[]]>([
    ['a<f', ['a', { op: '<' }, 'f']],
    ['a 2>f', ['a', { op: '2>' }, 'f']],
    ['a 2>>f', ['a', { op: '2>>' }, 'f']],
    ['a 2>&1|b', ['a', { op: '2>&1' }, { op: '|' }, 'b']],
    ['a >&2;b', ['a', { op: '>&2' }, { op: ';' }, 'b']],
    ['a 1>f 0<g 1>&2', ['a', { op: '1>' }, 'f', { op: '0<' }, 'g', { op: '1>&2' }]],
    // A descriptor only where a word starts (bash: `echo a2>f` writes "a2" to f).
    ['echo a2>f', ['echo', 'a2', { op: '>' }, 'f']],
    ['echo "a"2>f', ['echo', 'a2', { op: '>' }, 'f']],
    ['echo 2 >f', ['echo', '2', { op: '>' }, 'f']],
    ['echo 12>f', ['echo', '12', { op: '>' }, 'f']],
    ['echo 0>f 1<g 2<h', ['echo', '0', { op: '>' }, 'f', '1', { op: '<' }, 'g', '2', { op: '<' }, 'h']],
    ['\'2>\' "<" \\2\\>f', ['2>', '<', '2>f']],
    // Operators inside `$(…)` belong to its word.
    ['echo $(a | b > c; d && e)x | y', ['echo', '$(a | b > c; d && e)x', { op: '|' }, 'y']],
    ['a & b', ['a', '&', 'b']],
  ])('%j', (line, expected) => {
    expect(shape(line)).toEqual(expected);
  });
});

describe('line lexer: where words are', () => {
  it('keeps the start and end of words with $(…) inside, for completion and highlighting', () => {
    const line = 'echo a$(b "c)" $(d))e "$(f | g)" | wc -l';
    const tokens = lex(line);
    expect(tokens.map((t: Token) => [t.kind === 'op' ? t.value : t.kind, t.start, t.end, line.slice(t.start, t.end)])).toEqual([
      ['word', 0, 4, 'echo'],
      ['word', 5, 21, 'a$(b "c)" $(d))e'],
      ['word', 22, 32, '"$(f | g)"'],
      ['|', 33, 34, '|'],
      ['word', 35, 37, 'wc'],
      ['word', 38, 40, '-l'],
    ]);
    for (const token of tokens) if (token.kind === 'word') expect(token.raw).toBe(line.slice(token.start, token.end));
    const subst = tokens[1]?.kind === 'word' ? tokens[1].parts[1] : undefined;
    expect(subst).toEqual({ kind: 'subst', line: 'b "c)" $(d)', start: 8, quoted: 'none' });
    expect(line.slice(8, 8 + 'b "c)" $(d)'.length)).toBe('b "c)" $(d)');
  });

  it('keeps the unexpanded text of each word as its value', () => {
    expect(lex('a"$B"\'$C\' \\$D "$(e "f")"').map((t) => t.kind === 'word' && t.value)).toEqual(['a$B$C', '$D', '$(e "f")']);
  });
});

describe('line lexer: errors', () => {
  it.each([
    ['echo $(a', "unbalanced '$(': missing closing ')'", true],
    ['echo $(a $(b)', "unbalanced '$(': missing closing ')'", true],
    ['echo "$(a"', "unbalanced '$(': missing closing ')'", true],
    ["echo $(a ')'", "unbalanced '$(': missing closing ')'", true],
    ['echo $(a \\)', "unbalanced '$(': missing closing ')'", true],
    ['echo ${A', "unbalanced '${': missing closing '}'", true],
    ['echo "${A"', "unbalanced '${': missing closing '}'", true],
    ['echo ${}', "bad substitution: '${}'", false],
    ['echo ${A-b}', "bad substitution: '${A-b}'", false],
    ['echo "${1}"', "bad substitution: '${1}'", false],
    ['a >&', "syntax error: '>&' needs 1 or 2 after it", false],
    ['a 2>&3', "syntax error: '2>&' needs 1 or 2 after it", false],
  ])('%j', (line, message, incomplete) => {
    const error = usageError(() => lex(line));
    expect(error.message).toBe(message);
    expect(error.incomplete).toBe(incomplete);
    expect(error.exitCode).toBe(2);
  });
});

describe('readDoubleQuoted and substitutionEnd (for the tolerant completion scanner)', () => {
  it.each([
    ['"abc" x', { value: 'abc', end: 5, closed: true }],
    ['"$(echo ")")" x', { value: '$(echo ")")', end: 13, closed: true }],
    ['"a \\" \\$B $C"', { value: 'a " $B $C', end: 13, closed: true }],
    ['"open $(x', { value: 'open $(x', end: 9, closed: false }],
    ['"${A B} ${x"', { value: '${A B} ${x', end: 12, closed: true }],
    ['"open', { value: 'open', end: 5, closed: false }],
  ])('%j', (line, expected) => {
    expect(readDoubleQuoted(line, 0)).toEqual(expected);
  });

  it.each([
    ['$(a) b', 4],
    ['$(a "(" \')\' \\) (b) $(c)) d', 24],
    ['$(a', -1],
    ['$("a)', -1],
  ])('%j', (line, end) => {
    expect(substitutionEnd(line, 2)).toBe(end);
  });
});

describe('shellQuote', () => {
  it.each([
    'plain',
    '',
    'two words',
    "it's",
    'a|b',
    '#x',
    '$HOME',
    '$(x)',
    '~',
    '~/x',
    '^ls',
    'A=b',
    '*.ts',
    '2>x',
    'a~b^c',
    'tab\there',
    '😀',
  ])('shellQuote(%j) parses back to that one word, unexpanded', (word) => {
    const command = parse(`cmd ${shellQuote(word)}`).items[0]?.pipeline.commands[0];
    expect(command?.words.map((w) => w.value)).toEqual(['cmd', word]);
    expect(command?.words[1]?.parts.every((p) => p.kind === 'literal' && (p.quoted !== 'none' || !/[*?[]/.test(p.text)))).toBe(true);
    const first = parse(shellQuote(word) || "''").items[0]?.pipeline.commands[0];
    expect(first?.external).toBe(false);
    expect(first?.assignments).toEqual([]);
  });
});

describe('the completion scanner agrees with the lexer on where words are', () => {
  it.each([
    'echo a$(b "c)" $(d | e))f "$(g | h)" | wc -l',
    'sort < in > out 2> err 2>> log 2>&1 >&2',
    'echo a2>f 2>g',
    'cmd $(x; y) && z',
    'FOO=1 ^ls ~/x "$A" \'$(no)\'',
  ])('%j', (line) => {
    const fromScan = scan(line)
      .filter((p) => p.kind === 'word' || p.kind === 'op')
      .map((p) => [p.kind, p.start, p.end]);
    expect(fromScan).toEqual(lex(line).map((t) => [t.kind, t.start, t.end]));
  });

  it('marks redirect targets as not commands and the command after them as one', () => {
    const words = scan('< in sort 2>&1 > out | ^wc')
      .filter((p) => p.kind === 'word')
      .map((p) => [p.value, p.command]);
    expect(words).toEqual([
      ['in', false],
      ['sort', true],
      ['out', false],
      ['^wc', true],
    ]);
  });

  it('keeps an unclosed $( open to the end of the line', () => {
    expect(scan('echo $(ls | gr').at(-1)).toMatchObject({ kind: 'word', value: '$(ls | gr', start: 5, open: true });
  });
});
