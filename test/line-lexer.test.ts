// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell lines, where ${NAME} is meant literally
import { describe, expect, it } from 'vitest';
import { UsageError } from '../shell/base/errors.ts';
import type { Script, Word } from '../shell/line/ast.ts';
import { shellQuote, type Token, type WordPart } from '../shell/line/lexer.ts';
import { parse } from '../shell/line/parser.ts';
import { scan } from '../shell/line/scanner.ts';
import { lex, tokens } from '../shell/line/tokens.ts';

const lit = (text: string, quoted = 'none'): WordPart => ({ kind: 'literal', text, quoted }) as WordPart;
const param = (name: string, quoted = 'none', more: object = {}) => ({ kind: 'param', name, quoted, ...more });

/** The words and commands of a parsed `$(…)` body, compactly: `a x | b; c`. */
function bodyText(script: Script): string {
  return script.items
    .map((item) =>
      [item.first, ...item.rest.map((r) => r.pipeline)]
        .map((p) => p.commands.map((c) => (c.kind === 'simple' ? c.words.map((w) => w.value).join(' ') : c.kind)).join(' | '))
        .join(' && '),
    )
    .join('; ');
}

/** A word's parts, with a `$(…)` body as its compact text and the word of `${x op word}` as its parts. */
function clean(part: WordPart): unknown {
  if (part.kind === 'subst') return { ...part, body: bodyText(part.body) };
  if (part.kind === 'param') {
    const out: Record<string, unknown> = { ...part };
    if (part.arg) out.arg = part.arg.parts.map(clean);
    if (part.replace) out.replace = part.replace.parts.map(clean);
    return out;
  }
  return part;
}

const parts = (line: string) =>
  lex(line).map((t: Token) => (t.kind === 'op' ? { op: t.raw } : t.kind === 'word' ? t.parts.map(clean) : '⏎'));

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
    ['"a $A b"', [[lit('a ', 'double'), param('A', 'double'), lit(' b', 'double')]]],
    ['x$A_1.y', [[lit('x'), param('A_1'), lit('.y')]]],
    ['${A}b', [[param('A'), lit('b')]]],
    [
      '$A$B "$A""$B"',
      [
        [param('A'), param('B')],
        [param('A', 'double'), param('B', 'double')],
      ],
    ],
    // `$?` is the parameter named `?` (it was its own 'status' kind).
    ['$? "${?}"', [[param('?')], [param('?', 'double')]]],
    // Changed (§14): `$1` and `$-` are parameters (they were text).
    ['$ a$ "$" $1 $-', [[lit('$')], [lit('a$')], [lit('$', 'double')], [param('1')], [param('-')]]],
    ['$# $@ $* $$ $! $0 $9', [[param('#')], [param('@')], [param('*')], [param('$')], [param('!')], [param('0')], [param('9')]]],
    // `$10` is `$1` then `0`, as in sh; `${10}` is the tenth.
    ['$10 ${10} "$@" "$*"', [[param('1'), lit('0')], [param('10')], [param('@', 'double')], [param('*', 'double')]]],
    ['\\$A \\* "\\$A"', [[lit('$', 'escaped'), lit('A')], [lit('*', 'escaped')], [lit('$A', 'double')]]],
    ['"" \'\' a""', [[lit('', 'double')], [lit('', 'single')], [lit('a'), lit('', 'double')]]],
    ['"a"\'b\'"c"', [[lit('a', 'double'), lit('b', 'single'), lit('c', 'double')]]],
    ['"\\"\\\\\\$\\`\\n"', [[lit('"\\$`\\n', 'double')]]],
    ['"a\\\nb"', [[lit('ab', 'double')]]],
    ['$(echo a)', [[{ kind: 'subst', line: 'echo a', start: 2, quoted: 'none', body: 'echo a' }]]],
    ['"x$(echo ")")"', [[lit('x', 'double'), { kind: 'subst', line: 'echo ")"', start: 4, quoted: 'double', body: 'echo )' }]]],
    // The inside of `$(…)` is parsed: `(a)` after words would be a syntax error (as in bash), so it is quoted here.
    [
      '$(echo \')\' \\) "(a)" $(b))',
      [[{ kind: 'subst', line: 'echo \')\' \\) "(a)" $(b)', start: 2, quoted: 'none', body: 'echo ) ) (a) $(b)' }]],
    ],
    ['$()', [[{ kind: 'subst', line: '', start: 2, quoted: 'none', body: '' }]]],
    [
      '$(case x in x) a;; esac) $(if a; then b; fi)',
      [
        [{ kind: 'subst', line: 'case x in x) a;; esac', start: 2, quoted: 'none', body: 'case' }],
        [{ kind: 'subst', line: 'if a; then b; fi', start: 27, quoted: 'none', body: 'if' }],
      ],
    ],
    // Backquotes: the text inside with `\``, `\\` and `\$` unescaped (and `\"` inside double quotes).
    ['`echo a`', [[{ kind: 'subst', line: 'echo a', start: 1, quoted: 'none', body: 'echo a', backquote: true }]]],
    ['"`echo a`"', [[{ kind: 'subst', line: 'echo a', start: 2, quoted: 'double', body: 'echo a', backquote: true }]]],
    ['`echo \\`echo x\\``', [[{ kind: 'subst', line: 'echo `echo x`', start: 1, quoted: 'none', body: 'echo `echo x`', backquote: true }]]],
    ['`echo \\$HOME`', [[{ kind: 'subst', line: 'echo $HOME', start: 1, quoted: 'none', body: 'echo $HOME', backquote: true }]]],
    ['"`echo \\"q\\"`"', [[{ kind: 'subst', line: 'echo "q"', start: 2, quoted: 'double', body: 'echo q', backquote: true }]]],
    ['$(echo `echo in`)', [[{ kind: 'subst', line: 'echo `echo in`', start: 2, quoted: 'none', body: 'echo `echo in`' }]]],
    // $'…' is single-quoted text with ANSI-C escapes decoded; inside double quotes it is plain text.
    [
      "$'a\\tb' $'\\x41\\101\\u00e9' $'it\\'s' $'\\e\\cA' $'\\z'",
      [[lit('a\tb', 'single')], [lit('AAé', 'single')], [lit("it's", 'single')], [lit('\x1b\x01', 'single')], [lit('\\z', 'single')]],
    ],
    ['"$\'x\'" $"t"', [[lit("$'x'", 'double')], [lit('t', 'double')]]],
    [
      '$((1 + $x)) "$((2*3))"',
      [[{ kind: 'arith', expr: '1 + $x', start: 3, quoted: 'none' }], [{ kind: 'arith', expr: '2*3', start: 16, quoted: 'double' }]],
    ],
    ['$(( (1) ))', [[{ kind: 'arith', expr: ' (1) ', start: 3, quoted: 'none' }]]],
    // Changed (§14): `~x` is `~user` (it was text); `~` is home only unquoted at the start of a word.
    [
      '~ ~/x ~x x~ "~" \\~ ~"/x" ~root/x ~no-such_user.x',
      [
        [{ kind: 'tilde', user: '' }],
        [{ kind: 'tilde', user: '' }, lit('/x')],
        [{ kind: 'tilde', user: 'x' }],
        [lit('x~')],
        [lit('~', 'double')],
        [lit('~', 'escaped')],
        [lit('~'), lit('/x', 'double')],
        [{ kind: 'tilde', user: 'root' }, lit('/x')],
        [{ kind: 'tilde', user: 'no-such_user.x' }],
      ],
    ],
    ['~|a', [[{ kind: 'tilde', user: '' }], { op: '|' }, [lit('a')]]],
    ['*.ts "*" \\?', [[lit('*.ts')], [lit('*', 'double')], [lit('?', 'escaped')]]],
    // Braces are text to the lexer; expand.ts expands them where they were unquoted.
    ['{a,b} "{a,b}" {1..3}', [[lit('{a,b}')], [lit('{a,b}', 'double')], [lit('{1..3}')]]],
  ])('%j', (line, expected) => {
    expect(parts(line)).toEqual(expected);
  });
});

describe('line lexer: ${…}', () => {
  const w = (text: string, quoted = 'none') => [lit(text, quoted)];
  it.each<[string, unknown]>([
    ['${#A}', param('A', 'none', { length: true })],
    ['${#}', param('#')],
    ['${##}', param('#', 'none', { length: true })],
    ['${#:-x}', param('#', 'none', { op: ':-', arg: w('x') })],
    ['${A:-w}', param('A', 'none', { op: ':-', arg: w('w') })],
    // Changed (§14): `${A-b}` is valid, as in bash (it was a bad substitution).
    ['${A-w}', param('A', 'none', { op: '-', arg: w('w') })],
    ['${A:=w}', param('A', 'none', { op: ':=', arg: w('w') })],
    ['${A=w}', param('A', 'none', { op: '=', arg: w('w') })],
    ['${A:?m}', param('A', 'none', { op: ':?', arg: w('m') })],
    ['${A?m}', param('A', 'none', { op: '?', arg: w('m') })],
    ['${A:+w}', param('A', 'none', { op: ':+', arg: w('w') })],
    ['${A+w}', param('A', 'none', { op: '+', arg: w('w') })],
    ['${A:-}', param('A', 'none', { op: ':-', arg: [] })],
    ['${A#p*}', param('A', 'none', { op: '#', arg: w('p*') })],
    ['${A##*/}', param('A', 'none', { op: '##', arg: w('*/') })],
    ['${A%.*}', param('A', 'none', { op: '%', arg: w('.*') })],
    ['${A%%p}', param('A', 'none', { op: '%%', arg: w('p') })],
    ['${A/p/r}', param('A', 'none', { op: '/', arg: w('p'), replace: w('r') })],
    ['${A//p/r}', param('A', 'none', { op: '//', arg: w('p'), replace: w('r') })],
    ['${A/#p/r}', param('A', 'none', { op: '/#', arg: w('p'), replace: w('r') })],
    ['${A/%p/r}', param('A', 'none', { op: '/%', arg: w('p'), replace: w('r') })],
    ['${A/p}', param('A', 'none', { op: '/', arg: w('p') })],
    ['${1:-x} ', param('1', 'none', { op: ':-', arg: w('x') })],
    ['${A:-$B}', param('A', 'none', { op: ':-', arg: [param('B')] })],
    ['${A:-${B:-c}}', param('A', 'none', { op: ':-', arg: [param('B', 'none', { op: ':-', arg: w('c') })] })],
    ['${A:-"x y"}', param('A', 'none', { op: ':-', arg: w('x y', 'double') })],
    ["${A:-'s'}", param('A', 'none', { op: ':-', arg: w('s', 'single') })],
    ['${A:-~/x}', param('A', 'none', { op: ':-', arg: [{ kind: 'tilde', user: '' }, lit('/x')] })],
    ['${A:-$(b)}', param('A', 'none', { op: ':-', arg: [{ kind: 'subst', line: 'b', start: 7, quoted: 'none', body: 'b' }] })],
    // Inside double quotes the word is double-quoted, but a pattern stays a pattern unless quoted itself.
    ['"${A:-"q"}"', param('A', 'double', { op: ':-', arg: w('q', 'double') })],
    ['"${A:-x}"', param('A', 'double', { op: ':-', arg: w('x', 'double') })],
    ['"${A#*}"', param('A', 'double', { op: '#', arg: w('*') })],
    ['${A#"*"}', param('A', 'none', { op: '#', arg: w('*', 'double') })],
    ['"${A/p/r}"', param('A', 'double', { op: '/', arg: w('p'), replace: w('r', 'double') })],
  ])('%j', (line, expected) => {
    expect(parts(line)).toEqual([[expected]]);
  });

  // Bash reads `${#-}` and `${#?}` as the length of `$-` and of `$?` (`bash -c 'echo ${#?}'` prints 1).
  it.each<[string, unknown]>([
    ['${#-}', param('-', 'none', { length: true })],
    ['${#?}', param('?', 'none', { length: true })],
  ])('%j is a length', (line, expected) => {
    expect(parts(line)).toEqual([[expected]]);
  });

  it('keeps where the word of an operator is', () => {
    const [token] = lex('x ${A:-w x}').slice(1);
    expect(token?.kind === 'word' && token.parts[0]).toEqual({
      kind: 'param',
      name: 'A',
      quoted: 'none',
      op: ':-',
      arg: { raw: 'w x', value: 'w x', start: 7, end: 10, parts: [lit('w x')] },
    });
  });
});

describe('line lexer: operators', () => {
  const shape = (line: string) => lex(line).map((t: Token) => (t.kind === 'op' ? { op: t.raw } : t.kind === 'word' ? t.value : '⏎'));
  it.each<[string, unknown[]]>([
    ['a<f', ['a', { op: '<' }, 'f']],
    ['a 2>f', ['a', { op: '2>' }, 'f']],
    ['a 2>>f', ['a', { op: '2>>' }, 'f']],
    // Changed: `N>&M` is the operator `N>&` and the word `M` (it was one operator `2>&1`).
    ['a 2>&1|b', ['a', { op: '2>&' }, '1', { op: '|' }, 'b']],
    ['a >&2;b', ['a', { op: '>&' }, '2', { op: ';' }, 'b']],
    ['a 1>f 0<g 1>&2', ['a', { op: '1>' }, 'f', { op: '0<' }, 'g', { op: '1>&' }, '2']],
    ['a 3>&- 0<&3 5<>f', ['a', { op: '3>&' }, '-', { op: '0<&' }, '3', { op: '5<>' }, 'f']],
    ['a &>f &>>g >|h', ['a', { op: '&>' }, 'f', { op: '&>>' }, 'g', { op: '>|' }, 'h']],
    ['a <<E <<-F <<<w', ['a', { op: '<<' }, 'E', { op: '<<-' }, 'F', { op: '<<<' }, 'w']],
    // A descriptor only where a word starts (bash: `echo a2>f` writes "a2" to f).
    ['echo a2>f', ['echo', 'a2', { op: '>' }, 'f']],
    ['echo "a"2>f', ['echo', 'a2', { op: '>' }, 'f']],
    ['echo 2 >f', ['echo', '2', { op: '>' }, 'f']],
    ['echo 12>f', ['echo', '12', { op: '>' }, 'f']],
    // Changed (§14): `0>`, `1<`, `2<` are redirects of any descriptor (they were words then `>`/`<`).
    ['echo 0>f 1<g 2<h', ['echo', { op: '0>' }, 'f', { op: '1<' }, 'g', { op: '2<' }, 'h']],
    ['\'2>\' "<" \\2\\>f', ['2>', '<', '2>f']],
    // Operators inside `$(…)` belong to its word.
    ['echo $(a | b > c; d && e)x | y', ['echo', '$(a | b > c; d && e)x', { op: '|' }, 'y']],
    // Changed (§15): `&` is an operator (it was a word).
    ['a & b', ['a', { op: '&' }, 'b']],
    ['a&', ['a', { op: '&' }]],
    ['a;;b', ['a', { op: ';;' }, 'b']],
    ['(a)', [{ op: '(' }, 'a', { op: ')' }]],
    ['a\nb', ['a', '⏎', 'b']],
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
    expect(subst).toMatchObject({ kind: 'subst', line: 'b "c)" $(d)', start: 8, quoted: 'none' });
    expect(line.slice(8, 8 + 'b "c)" $(d)'.length)).toBe('b "c)" $(d)');
    // The body of `$(…)` is parsed where it is: its words have their offsets in the line.
    const body = subst?.kind === 'subst' ? subst.body : undefined;
    const words = body?.items[0]?.first.commands[0];
    expect(words?.kind === 'simple' && words.words.map((w: Word) => [w.value, w.start, w.end])).toEqual([
      ['b', 8, 9],
      ['c)', 10, 14],
      ['$(d)', 15, 19],
    ]);
  });

  it('keeps the unexpanded text of each word as its value', () => {
    expect(lex('a"$B"\'$C\' \\$D "$(e "f")" ${x:-"y"} `z`').map((t: Token) => t.kind === 'word' && t.value)).toEqual([
      'a$B$C',
      '$D',
      '$(e "f")',
      '${x:-"y"}',
      '`z`',
    ]);
  });
});

describe('line lexer: errors', () => {
  it.each([
    ['echo $(a', "unbalanced '$(': missing closing ')'", true],
    ['echo $(a $(b)', "unbalanced '$(': missing closing ')'", true],
    // Changed: the innermost open thing is named, as bash does (`unexpected EOF while looking for matching '"'`).
    ['echo "$(a"', 'unbalanced quote: missing closing "', true],
    ["echo $(a ')'", "unbalanced '$(': missing closing ')'", true],
    ['echo $(a \\)', "unbalanced '$(': missing closing ')'", true],
    ['echo ${A', "unbalanced '${': missing closing '}'", true],
    ['echo "${A', "unbalanced '${': missing closing '}'", true],
    ['echo ${A:-x', "unbalanced '${': missing closing '}'", true],
    ['echo ${A/x/y', "unbalanced '${': missing closing '}'", true],
    ['echo ${A:-"x}', 'unbalanced quote: missing closing "', true],
    ['echo `a', 'unbalanced quote: missing closing `', true],
    ['echo "`a"', 'unbalanced quote: missing closing `', true],
    ["echo $'a", "unbalanced quote: missing closing '", true],
    ['echo $((1', "unbalanced '$(': missing closing ')'", true],
    ['echo ${}', "bad substitution: '${}'", false],
    ['echo ${A B}', "bad substitution: '${A B}'", false],
    ['echo ${1a}', "bad substitution: '${1a}'", false],
    ['echo ${#A:-x}', "bad substitution: '${#A:-x}'", false],
    // Bash's own extensions beyond §14 are refused plainly.
    ['echo ${A^^}', "bad substitution: '${A^^}'", false],
    // The inside of `$(…)` is parsed, so its syntax errors are the line's (bash: the same).
    ["echo $(echo ')' \\) (a) $(b))", "syntax error near unexpected token '('", false],
    ['echo $(a; fi)', "syntax error near unexpected token 'fi'", false],
  ])('%j', (line, message, incomplete) => {
    const error = usageError(() => lex(line));
    expect(error.message).toBe(message);
    expect(error.incomplete).toBe(incomplete);
    expect(error.exitCode).toBe(2);
  });

  it.each([
    ['echo ${A-b}', ['echo', '${A-b}']],
    ['echo "${1}"', ['echo', '${1}']],
    ['a >&', ['a', '>&']],
    ['a 2>&3', ['a', '2>&', '3']],
  ])('%j is no longer an error for the lexer (§14)', (line, expected) => {
    expect(lex(line).map((t: Token) => (t.kind === 'op' ? t.raw : t.kind === 'word' ? t.value : t.kind))).toEqual(expected);
  });

  // Bash: `echo "${A"` is unfinished (`unexpected EOF while looking for matching '"'`): the quote inside `${` opens a string.
  it('"${A" waits for more text, as bash does', () => {
    const error = usageError(() => lex('echo "${A"'));
    expect(error.incomplete).toBe(true);
  });

  // Bash: `echo \`echo \\\\\`` prints `\` (the backquoted line is `echo \`, whose lone backslash is a character).
  it('a backquoted line ending in an escaped backslash is complete', () => {
    const [, word] = lex('echo `echo \\\\`');
    expect(word).toMatchObject({ kind: 'word', raw: '`echo \\\\`' });
  });
});

describe('the tolerant tokens (what the old readDoubleQuoted and substitutionEnd read)', () => {
  const first = (line: string) => {
    const [token] = tokens(line);
    return token?.kind === 'word' ? { value: token.value, end: token.end, open: token.open === true } : token;
  };

  it.each([
    ['"abc" x', { value: 'abc', end: 5, open: false }],
    ['"$(echo ")")" x', { value: '$(echo ")")', end: 13, open: false }],
    ['"a \\" \\$B $C"', { value: 'a " $B $C', end: 13, open: false }],
    ['"open $(x', { value: 'open $(x', end: 9, open: true }],
    ['"${A} ${x', { value: '${A} ${x', end: 9, open: true }],
    ['"${A} ${x:-"q"} z', { value: '${A} ${x:-"q"} z', end: 17, open: true }],
    ['"open', { value: 'open', end: 5, open: true }],
    ['$(a) b', { value: '$(a)', end: 4, open: false }],
    ['$(a "(" \')\' \\) "(b)" $(c)) d', { value: '$(a "(" \')\' \\) "(b)" $(c))', end: 26, open: false }],
    // A `$(…)` whose inside does not parse still ends at the `)` that balances it.
    ['$(a "(" \')\' \\) (b) $(c)) d', { value: '$(a "(" \')\' \\) (b) $(c))', end: 24, open: false }],
    ['$(a', { value: '$(a', end: 3, open: true }],
    ['$("a)', { value: '$("a)', end: 5, open: true }],
    ['`a b', { value: '`a b', end: 4, open: true }],
    ['${A', { value: '${A', end: 3, open: true }],
    ['$((1', { value: '$((1', end: 4, open: true }],
    ["$'a", { value: 'a', end: 3, open: true }],
  ])('%j', (line, expected) => {
    expect(first(line)).toEqual(expected);
  });

  it('gives a here-document body as one quoted word after its line', () => {
    const line = 'cat <<E | b\nhello $x\nE\nnext';
    expect(tokens(line).map((t: Token) => (t.kind === 'word' ? [t.value, t.start, t.end] : t.kind === 'op' ? t.raw : '⏎'))).toEqual([
      ['cat', 0, 3],
      '<<',
      ['E', 6, 7],
      '|',
      ['b', 10, 11],
      '⏎',
      // The body's word covers its lines and the delimiter's line.
      ['hello $x\n', 12, 23],
      ['next', 23, 27],
    ]);
  });

  it('gives an open here-document body to the end of the text', () => {
    expect(tokens('cat <<E\nopen body').at(-1)).toMatchObject({ kind: 'word', value: 'open body\n', start: 8, end: 17 });
  });

  it('gives each of two here-documents on one line its own stretch of text', () => {
    const line = "cat <<-E; cat <<'F'\n\tone\n\tE\ntwo\nF\nlast";
    const words = tokens(line).filter((t: Token) => t.kind === 'word');
    expect(words.slice(-3).map((t) => [t.kind === 'word' && t.value, t.start, t.end])).toEqual([
      ['one\n', 20, 28],
      ['two\n', 28, 34],
      ['last', 34, 38],
    ]);
  });
});

describe('shellQuote', () => {
  it.each([
    'plain',
    '',
    'two words',
    "it's",
    'a|b',
    'a&b',
    '#x',
    '$HOME',
    '$(x)',
    '`x`',
    '${x:-y}',
    '$((1))',
    '~',
    '~/x',
    '~root',
    '^ls',
    'A=b',
    '*.ts',
    '{a,b}',
    '{1..3}',
    '2>x',
    '(x)',
    'a~b^c',
    'tab\there',
    'two\nlines',
    '😀',
  ])('shellQuote(%j) parses back to that one word, unexpanded', (word) => {
    const command = parse(`cmd ${shellQuote(word)}`).items[0]?.first.commands[0];
    expect(command?.kind).toBe('simple');
    if (command?.kind !== 'simple') return;
    expect(command.words.map((w) => w.value)).toEqual(['cmd', word]);
    expect(command.words[1]?.parts.every((p) => p.kind === 'literal' && (p.quoted !== 'none' || !/[*?[{]/.test(p.text)))).toBe(true);
    const first = parse(shellQuote(word) || "''").items[0]?.first.commands[0];
    expect(first?.kind === 'simple' && first.external).toBe(false);
    expect(first?.kind === 'simple' && first.assignments).toEqual([]);
  });
});

describe('the completion scanner agrees with the lexer on where words are', () => {
  it.each([
    'echo a$(b "c)" $(d | e))f "$(g | h)" | wc -l',
    'sort < in > out 2> err 2>> log 2>&1 >&2',
    'echo a2>f 2>g',
    'cmd $(x; y) && z',
    'FOO=1 ^ls ~/x "$A" \'$(no)\'',
    'a & b &> f 3<&0 <<< w',
    'if a; then b; fi | c',
    'for x in 1 2; do echo $x; done',
    'case x in a|b) c;; esac',
    'f() { a; } ; ( b )',
    "echo `a` $'b' $((1+2)) ${c:-d}",
    'a\nb # c\nd',
  ])('%j', (line) => {
    const fromScan = scan(line)
      .filter((p) => p.kind === 'word' || p.kind === 'op')
      .map((p) => [p.kind, p.start, p.end]);
    expect(fromScan).toEqual(
      lex(line)
        .filter((t: Token) => t.kind !== 'newline')
        .map((t: Token) => [t.kind, t.start, t.end]),
    );
  });

  it.each(['echo a # c', 'cat <<E\nbody $x\nE\nnext', "cat <<'E' # c\nbody\nE", 'echo "open $(x', 'if a; then', 'a |', 'echo ${A'])(
    '%j: the pieces cover the line exactly once',
    (line) => {
      const pieces = scan(line);
      expect(pieces.map((p) => p.raw).join('')).toBe(line);
      expect(pieces.map((p) => p.start)).toEqual([0, ...pieces.slice(0, -1).map((p) => p.end)]);
    },
  );

  // Text the strict reader refuses (a bad substitution), unfinished text, and two here-documents on one line.
  it.each([
    'echo ${A B}',
    'echo ${!x}',
    'echo ${x:1}',
    'echo ${A:-${B C}}',
    'echo "${A"',
    '"${A B} ${x"',
    "cat <<-E; cat <<'F'\n\tone\n\tE\ntwo\nF\nlast",
  ])('%j: the pieces cover the line exactly once', (line) => {
    const pieces = scan(line);
    expect(pieces.map((p) => p.raw).join('')).toBe(line);
    expect(pieces.map((p) => p.start)).toEqual([0, ...pieces.slice(0, -1).map((p) => p.end)]);
  });

  it('marks redirect targets as not commands and the command after them as one', () => {
    const words = scan('< in sort 2>&1 > out | ^wc')
      .filter((p) => p.kind === 'word')
      .map((p) => [p.value, p.command]);
    expect(words).toEqual([
      ['in', false],
      ['sort', true],
      // The `1` of `2>&1` is the redirect's target now.
      ['1', false],
      ['out', false],
      ['^wc', true],
    ]);
  });

  /** Each word as `value`, `value:C` (a command) or `value:K` (a reserved word). */
  const roles = (line: string) =>
    scan(line)
      .filter((p) => p.kind === 'word')
      .map((p) => (p.keyword ? `${p.value}:K` : p.command ? `${p.value}:C` : p.value));

  it.each<[string, string[]]>([
    [
      'if a; then b; elif c; then d; else e; fi; f',
      ['if:K', 'a:C', 'then:K', 'b:C', 'elif:K', 'c:C', 'then:K', 'd:C', 'else:K', 'e:C', 'fi:K', 'f:C'],
    ],
    ['while a; do b; done && c', ['while:K', 'a:C', 'do:K', 'b:C', 'done:K', 'c:C']],
    ['until a\ndo b\ndone', ['until:K', 'a:C', 'do:K', 'b:C', 'done:K']],
    ['! a | b', ['!:K', 'a:C', 'b:C']],
    ['a & b', ['a:C', 'b:C']],
    ['{ a; } | ( b )', ['{:K', 'a:C', '}:K', 'b:C']],
    ['a && if b; then c; fi', ['a:C', 'if:K', 'b:C', 'then:K', 'c:C', 'fi:K']],
    ['echo if then fi', ['echo:C', 'if', 'then', 'fi']],
    ['case x\nin\na) b;;\nesac', ['case:K', 'x', 'in:K', 'a', 'b:C', 'esac:K']],
    ['for x\ndo c; done', ['for:K', 'x', 'do:K', 'c:C', 'done:K']],
    ['function f { a; }', ['function:K', 'f', '{:K', 'a:C', '}:K']],
    ['x=1 y=2 cmd arg', ['x=1', 'y=2', 'cmd:C', 'arg']],
  ])('%j: commands and reserved words', (line, expected) => {
    expect(roles(line)).toEqual(expected);
  });

  it.each<[string, string[]]>([
    ['for x in a b; do c $x; done', ['for:K', 'x', 'in:K', 'a', 'b', 'do:K', 'c:C', '$x', 'done:K']],
    ['case x in a|b) c;; (d) e;; esac; f', ['case:K', 'x', 'in:K', 'a', 'b', 'c:C', 'd', 'e:C', 'esac:K', 'f:C']],
  ])('%j: commands and reserved words in loops and cases', (line, expected) => {
    expect(roles(line)).toEqual(expected);
  });

  it('keeps an unclosed $( open to the end of the line', () => {
    expect(scan('echo $(ls | gr').at(-1)).toMatchObject({ kind: 'word', value: '$(ls | gr', start: 5, open: true });
  });
});
