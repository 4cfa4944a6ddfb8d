// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell lines, where ${NAME} is meant literally
import { describe, expect, it } from 'vitest';
import { UsageError } from '../shell/base/errors.ts';
import { shellQuote, type Token } from '../shell/line/lexer.ts';
import { lex } from '../shell/line/tokens.ts';

/** Words as their unquoted value, operators as typed (a descriptor included), newlines as `⏎`. */
const words = (line: string) => lex(line).map((t: Token) => (t.kind === 'op' ? { op: t.raw } : t.kind === 'word' ? t.value : '⏎'));

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
    // Changed (§15): `&` is an operator (it was a word).
    ['a & b', ['a', { op: '&' }, 'b']],
    ['a&&b&c', ['a', { op: '&&' }, 'b', { op: '&' }, 'c']],
    ['a<f', ['a', { op: '<' }, 'f']],
    // Changed (§14): `2>&1` is the operator `>&` with descriptor 2, then the word `1`.
    ['a 2>f 2>>g 2>&1', ['a', { op: '2>' }, 'f', { op: '2>>' }, 'g', { op: '2>&' }, '1']],
    ['a2>f', ['a2', { op: '>' }, 'f']],
    // Descriptors are 0–9 (§14): `10` is a word.
    ['a 10>f', ['a', '10', { op: '>' }, 'f']],
    ['a &> f &>> g', ['a', { op: '&>' }, 'f', { op: '&>>' }, 'g']],
    ['&>f', [{ op: '&>' }, 'f']],
    ['a <> f >| g 2>|h', ['a', { op: '<>' }, 'f', { op: '>|' }, 'g', { op: '2>|' }, 'h']],
    ['a 3<>f 3<&0 4>&- 9>&2', ['a', { op: '3<>' }, 'f', { op: '3<&' }, '0', { op: '4>&' }, '-', { op: '9>&' }, '2']],
    ["a <<< 'x y' <<E <<-F", ['a', { op: '<<<' }, 'x y', { op: '<<' }, 'E', { op: '<<-' }, 'F']],
    ['a>>b<c', ['a', { op: '>>' }, 'b', { op: '<' }, 'c']],
    ['a ;; b;;c', ['a', { op: ';;' }, 'b', { op: ';;' }, 'c']],
    ['( a )(b)', [{ op: '(' }, 'a', { op: ')' }, { op: '(' }, 'b', { op: ')' }]],
    // Reserved words and braces are words to the lexer; the parser gives them meaning.
    ['{ a; }', ['{', 'a', { op: ';' }, '}']],
    ['if a\nthen b; fi', ['if', 'a', '⏎', 'then', 'b', { op: ';' }, 'fi']],
    ['a\nb\n\nc', ['a', '⏎', 'b', '⏎', '⏎', 'c']],
    ['a #c\nb', ['a', '⏎', 'b']],
    ['echo $(a | b) "$(c; d)"', ['echo', '$(a | b)', '$(c; d)']],
    ['echo $(case x in x) echo y;; esac) z', ['echo', '$(case x in x) echo y;; esac)', 'z']],
    ['echo `a b` "`c`"', ['echo', '`a b`', '`c`']],
    ['echo `echo \\`echo x\\``', ['echo', '`echo \\`echo x\\``']],
    ['echo $((1 + (2*3))) $(( (1) ))', ['echo', '$((1 + (2*3)))', '$(( (1) ))']],
    ['echo ${A:-x y} ${#x} ${x##*/}', ['echo', '${A:-x y}', '${#x}', '${x##*/}']],
    ["echo $'a\\tb' $'a\\'b' $'\\x41\\101\\u00e9\\n'", ['echo', 'a\tb', "a'b", 'AAé\n']],
    // Braces and `~` stay as written: expansion (expand.ts) reads them.
    ['echo {a,b} {1..3} ~root ~/x', ['echo', '{a,b}', '{1..3}', '~root', '~/x']],
    ['"$A" \\$B', ['$A', '$B']],
    ["'|' \"&&\" ';' '>' \\&", ['|', '&&', ';', '>', '&']],
    ['héllo 😀 日本', ['héllo', '😀', '日本']],
    ['a\\\nb', ['ab']],
    ['a\\\n  b', ['a', 'b']],
  ] as [string, unknown[]][])('%j', (line, expected) => {
    expect(words(line)).toEqual(expected);
  });

  it.each([
    ["echo 'open", "unbalanced quote: missing closing '"],
    ['echo "open', 'unbalanced quote: missing closing "'],
    ['echo "a\\"', 'unbalanced quote: missing closing "'],
    ['echo end\\', 'line ends with a lone backslash'],
    ['echo $(a', "unbalanced '$(': missing closing ')'"],
    ['echo $(', "unbalanced '$(': missing closing ')'"],
    ['echo $((1', "unbalanced '$(': missing closing ')'"],
    ['echo ${A', "unbalanced '${': missing closing '}'"],
    ['echo ${A:-x', "unbalanced '${': missing closing '}'"],
    ['echo `a', 'unbalanced quote: missing closing `'],
    ["echo $'a", "unbalanced quote: missing closing '"],
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
    expect(lex('ab  "c d" |x 2>&1\n')).toEqual([
      { kind: 'word', value: 'ab', raw: 'ab', start: 0, end: 2, parts: [{ kind: 'literal', text: 'ab', quoted: 'none' }] },
      { kind: 'word', value: 'c d', raw: '"c d"', start: 4, end: 9, parts: [{ kind: 'literal', text: 'c d', quoted: 'double' }] },
      { kind: 'op', value: '|', raw: '|', start: 10, end: 11 },
      { kind: 'word', value: 'x', raw: 'x', start: 11, end: 12, parts: [{ kind: 'literal', text: 'x', quoted: 'none' }] },
      { kind: 'op', value: '>&', raw: '2>&', fd: 2, start: 13, end: 16 },
      { kind: 'word', value: '1', raw: '1', start: 16, end: 17, parts: [{ kind: 'literal', text: '1', quoted: 'none' }] },
      { kind: 'newline', start: 17, end: 18 },
    ]);
  });

  it.each(['plain', '', 'two words', "it's", 'a|b', 'a&b', '#x', '$HOME', '`x`', "$'x'", '~root', '{a,b}', '!', 'x\ny', 'tab\there', '😀'])(
    'shellQuote(%j) lexes back to itself',
    (word) => {
      expect(words(shellQuote(word))).toEqual([word]);
    },
  );
});
