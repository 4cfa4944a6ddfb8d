// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell lines, where ${NAME} is meant literally
import { describe, expect, it } from 'vitest';
import { UsageError } from '../shell/base/errors.ts';
import { applyAlias } from '../shell/line/alias.ts';
import {
  type AndOr,
  type Command,
  isIncomplete,
  lineOf,
  type Pipeline,
  parse,
  type Redirect,
  type Script,
  type SimpleCommand,
  type WordPart,
} from '../shell/line/parser.ts';

/** A redirect as `op target` (a file), `opM` (`2>&1`), `<<E` (a here-document), `<<< word`. */
function redirect(r: Redirect): string {
  if (r.kind === 'dup') return `${r.op}${r.target.value}`;
  if (r.kind === 'heredoc') return r.delimiter === '' ? `${r.op} ${r.body.value}` : `${r.op}${r.delimiter}`;
  return `${r.op} ${r.target.value}`;
}

/** A compact view of a simple command: `^` when external, assignments, words, then each redirect. */
function simple(c: SimpleCommand): string {
  return [
    ...c.assignments.map((a) => `${a.name}=${a.value.value}`),
    ...c.words.map((w, i) => (i === 0 && c.external ? `^${w.value}` : w.value)),
    ...c.redirects.map(redirect),
  ].join(' ');
}

const list = (s: Script): string => s.items.map(andOr).join('; ');
const andOr = (a: AndOr): string =>
  [pipeline(a.first), ...a.rest.map((r) => `${r.op} ${pipeline(r.pipeline)}`)].join(' ') + (a.background ? ' &' : '');
const pipeline = (p: Pipeline): string => (p.bang ? '! ' : '') + p.commands.map(command).join(' | ');

/** Any command written back in one canonical line: `if a; then b; fi > f`, `f() { a; }`, `( a )`. */
function command(c: Command): string {
  if (c.kind === 'simple') return simple(c);
  if (c.kind === 'function') return `${c.name}() ${command(c.body)}`;
  let text: string;
  switch (c.kind) {
    case 'if':
      text = `${c.clauses.map((k, i) => `${i === 0 ? 'if' : 'elif'} ${list(k.condition)}; then ${list(k.body)}; `).join('')}${c.otherwise ? `else ${list(c.otherwise)}; ` : ''}fi`;
      break;
    case 'while':
    case 'until':
      text = `${c.kind} ${list(c.condition)}; do ${list(c.body)}; done`;
      break;
    case 'for':
      text = `for ${c.name}${c.words ? ` in${c.words.map((w) => ` ${w.value}`).join('')}` : ''}; do ${list(c.body)}; done`;
      break;
    case 'case':
      text = `case ${c.word.value} in ${c.items.map((i) => `${i.patterns.map((p) => p.value).join('|')}) ${list(i.body)};; `).join('')}esac`;
      break;
    case 'group':
      text = `{ ${list(c.body)}; }`;
      break;
    case 'subshell':
      text = `( ${list(c.body)} )`;
      break;
  }
  return [text, ...c.redirects.map(redirect)].join(' ');
}

/** A line's and-or lists, each written back (`a &` when it runs in the background). */
const shape = (line: string): string[] => parse(line).items.map(andOr);

/** The first command of a line. */
const first = (line: string): Command | undefined => parse(line).items[0]?.first.commands[0];
const firstSimple = (line: string): SimpleCommand => {
  const c = first(line);
  if (c?.kind !== 'simple') throw new Error(`not a simple command: ${line}`);
  return c;
};

function syntaxError(line: string): UsageError {
  try {
    parse(line);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`no error for ${JSON.stringify(line)}`);
}

describe('parser: lists, pipelines and simple commands', () => {
  it.each([
    ['', []],
    ['# nothing', []],
    ['echo hi', ['echo hi']],
    ['a ; b', ['a', 'b']],
    ['a;', ['a']],
    ['a && b || c', ['a && b || c']],
    ['a | b | c', ['a | b | c']],
    ['a | b && c | d', ['a | b && c | d']],
    ['a > out.txt', ['a > out.txt']],
    ['a x >> log; b', ['a x >> log', 'b']],
    ['a > f | b', ['a > f | b']],
    ["echo '>' '|'", ['echo > |']],
    // Redirects go anywhere in a command and keep their order, as in sh.
    ['> f a', ['a > f']],
    ['a > x > y', ['a > x > y']],
    ['< in sort -r > out', ['sort -r < in > out']],
    ['cmd > out 2> err', ['cmd > out 2> err']],
    ['cmd 2>&1 > f', ['cmd 2>&1 > f']],
    ['cmd > f 2>&1 | b', ['cmd > f 2>&1 | b']],
    ['cmd 2>>log>&2', ['cmd 2>> log >&2']],
    ['cmd 1>o 1>>a 0<i 1>&2 2>&2', ['cmd 1> o 1>> a 0< i 1>&2 2>&2']],
    ['echo a2>f', ['echo a2 > f']],
    ['echo "2">f', ['echo 2 > f']],
    ['echo 2 >f', ['echo 2 > f']],
    ['echo 12>f', ['echo 12 > f']],
    ["echo '2>x' 2\\>y", ['echo 2>x 2>y']],
    // Changed (§14): any descriptor 0–9, `N>&M`, `<>`, `>|`, `&>`, here-strings.
    ['a 2>&x', ['a 2>&x']],
    ['a >&12', ['a >&12']],
    ['a 3>f 4<g 5>&- 0<&3 6<>h >|i', ['a 3> f 4< g 5>&- 0<&3 6<> h >| i']],
    ['a &> f &>> g', ['a &> f &>> g']],
    ['cat <<< "a b" <<<$x', ['cat <<< a b <<< $x']],
    // Changed (§14): redirects alone are a command (`> f` empties f, as in sh); this was an error.
    ['> f', ['> f']],
    ['2>&1 | b', ['2>&1 | b']],
    // `NAME=value` before the command's first word is an assignment; after it, a word.
    ['FOO=1 cmd a=b', ['FOO=1 cmd a=b']],
    ['FOO=1 BAR="x y" > f cmd', ['FOO=1 BAR=x y cmd > f']],
    ['FOO=1', ['FOO=1']],
    ['FOO=1 | b', ['FOO=1 | b']],
    ['a=b=c', ['a=b=c']],
    // `^name` forces the external program; a quoted or later `^` is a plain character.
    ['^ls -l', ['^ls -l']],
    ['FOO=1 ^ls ^x', ['FOO=1 ^ls ^x']],
    ['^"my prog"', ['^my prog']],
    ["'^ls'", ['^ls']],
    ['echo $(a | b; c) "$(d > e)"', ['echo $(a | b; c) $(d > e)']],
    // Changed (§15): `&` ends an and-or list that runs in the background (it was a word).
    ['a & b', ['a &', 'b']],
    ['a &', ['a &']],
    ['a & b &', ['a &', 'b &']],
    ['a && b & c || d', ['a && b &', 'c || d']],
    ['a; b & c', ['a', 'b &', 'c']],
    ['a &\nb', ['a &', 'b']],
    // Newlines separate commands (§14); after `|`, `&&`, `||` and `\` the command goes on.
    ['a\nb', ['a', 'b']],
    ['a\n\n\nb', ['a', 'b']],
    ['a;\nb', ['a', 'b']],
    ['a &&\nb', ['a && b']],
    ['a ||\n\nb', ['a || b']],
    ['a |\nb', ['a | b']],
    ['a | \\\nb', ['a | b']],
    ['a # c\nb', ['a', 'b']],
    ['! a', ['! a']],
    ['! a | b', ['! a | b']],
    ['! a && ! b || c', ['! a && ! b || c']],
    // Reserved words are words out of command position; so are words that only begin like them.
    ['echo fi done esac then', ['echo fi done esac then']],
    ['echo { } ! in', ['echo { } ! in']],
    ['echo a}b', ['echo a}b']],
    ['{a}', ['{a}']],
    ['a=1 if', ['a=1 if']],
  ] as [string, string[]][])('%j', (line, expected) => {
    expect(shape(line)).toEqual(expected);
  });
});

describe('parser: compound commands', () => {
  it.each([
    ['if a; then b; fi', 'if a; then b; fi'],
    ['if a; b; then c; d; fi', 'if a; b; then c; d; fi'],
    ['if a; then b; else c; fi', 'if a; then b; else c; fi'],
    ['if a; then b; elif c; then d; elif e; then f; else g; fi', 'if a; then b; elif c; then d; elif e; then f; else g; fi'],
    ['if a\nthen\n  b\nfi', 'if a; then b; fi'],
    ['if if a; then b; fi; then c; fi', 'if if a; then b; fi; then c; fi'],
    ['if ! a; then b & fi', 'if ! a; then b &; fi'],
    ['while a; do b; done', 'while a; do b; done'],
    ['while a\ndo\n  b\ndone', 'while a; do b; done'],
    ['while a; b; do c; done', 'while a; b; do c; done'],
    ['until a; do b; done', 'until a; do b; done'],
    ['while :; do break; done', 'while :; do break; done'],
    ['for x in a b c; do echo $x; done', 'for x in a b c; do echo $x; done'],
    ['for x in $(ls) *.txt "$@"; do a; done', 'for x in $(ls) *.txt $@; do a; done'],
    ['for x in a b\ndo a; done', 'for x in a b; do a; done'],
    // `in` with no words loops over nothing; without `in`, over the positional parameters.
    ['for x in; do a; done', 'for x in; do a; done'],
    ['for x; do a; done', 'for x; do a; done'],
    ['for x do a; done', 'for x; do a; done'],
    ['for x\ndo a\ndone', 'for x; do a; done'],
    ['case $x in a) b;; esac', 'case $x in a) b;; esac'],
    ['case x in a|b|c) d;; esac', 'case x in a|b|c) d;; esac'],
    ['case x in (a) b;; (c|d) e;; esac', 'case x in a) b;; c|d) e;; esac'],
    ['case x in a) b; c;; *) d;; esac', 'case x in a) b; c;; *) d;; esac'],
    ['case x in a) ;; esac', 'case x in a) ;; esac'],
    ['case x in esac', 'case x in esac'],
    ['case x in\na)\nb\n;;\nesac', 'case x in a) b;; esac'],
    // The last `;;` may be left out.
    ['case x in a) b\nesac', 'case x in a) b;; esac'],
    ['case x in a) echo z; esac', 'case x in a) echo z;; esac'],
    ['case in in in) a;; esac', 'case in in in) a;; esac'],
    ['case x in a) case y in b) c;; esac;; esac', 'case x in a) case y in b) c;; esac;; esac'],
    ['case "$1" in "a b"|\'*\') c;; esac', 'case $1 in a b|*) c;; esac'],
    ['{ a; }', '{ a; }'],
    ['{ a; b; }', '{ a; b; }'],
    ['{ a\nb\n}', '{ a; b; }'],
    ['{ { a; }; }', '{ { a; }; }'],
    ['{ a & }', '{ a &; }'],
    ['( a )', '( a )'],
    ['( a; b )', '( a; b )'],
    ['(a)', '( a )'],
    ['( ( a ) )', '( ( a ) )'],
    ['(a\nb)', '( a; b )'],
    // Functions, both forms; the body is any compound command.
    ['f() { a; }', 'f() { a; }'],
    ['f () { a; }', 'f() { a; }'],
    ['f() ( a )', 'f() ( a )'],
    ['f() if a; then b; fi', 'f() if a; then b; fi'],
    ['f()\n{\n a\n}', 'f() { a; }'],
    ['function f { a; }', 'f() { a; }'],
    ['function f() { a; }', 'f() { a; }'],
    ['function f ( ) { a; }', 'f() { a; }'],
    ['function f\n{ a; }', 'f() { a; }'],
    ['my-func.x() { a; }', 'my-func.x() { a; }'],
    // Redirects and pipes apply to a compound command as a whole.
    ['if a; then b; fi > f 2>&1', 'if a; then b; fi > f 2>&1'],
    ['while read l; do echo $l; done < f', 'while read l; do echo $l; done < f'],
    ['for i in 1 2; do echo $i; done | sort', 'for i in 1 2; do echo $i; done | sort'],
    ['{ a; b; } 2>&1 | c', '{ a; b; } 2>&1 | c'],
    ['( a ) > f', '( a ) > f'],
    ['(a) | b', '( a ) | b'],
    ['case x in a) b;; esac | c', 'case x in a) b;; esac | c'],
    ['until a; do b; done > f', 'until a; do b; done > f'],
    ['f() { a; } > log', 'f() { a; } > log'],
    ['! { a; } && ( b ) || if c; then d; fi', '! { a; } && ( b ) || if c; then d; fi'],
    ['( cd x; ls ) &', '( cd x; ls ) &'],
    ['{ a; } &', '{ a; } &'],
    ['echo $(case x in x) echo y;; esac) "$(if a; then b; fi)"', 'echo $(case x in x) echo y;; esac) $(if a; then b; fi)'],
  ] as [string, string][])('%j', (line, expected) => {
    expect(shape(line)).toEqual([expected]);
  });

  it.each([
    ['if a; then b; fi; c', ['if a; then b; fi', 'c']],
    ['f() { a; }; f', ['f() { a; }', 'f']],
    ['for x in a; do b; done\nc', ['for x in a; do b; done', 'c']],
    ['case x in a) b;; esac &\nc', ['case x in a) b;; esac &', 'c']],
  ] as [string, string[]][])('%j', (line, expected) => {
    expect(shape(line)).toEqual(expected);
  });

  it('keeps the tree of each construct', () => {
    const [c] = parse('if a; then b; elif c; then d; else e; fi').items.map((i) => i.first.commands[0]);
    expect(c?.kind === 'if' && c.clauses.map((k) => [list(k.condition), list(k.body)])).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(c?.kind === 'if' && c.otherwise && list(c.otherwise)).toBe('e');
    expect(c).toMatchObject({ kind: 'if', start: 0, end: 40 });

    const loop = first('for x in a "b c"; do :; done');
    expect(loop).toMatchObject({ kind: 'for', name: 'x', start: 0, end: 28 });
    expect(loop?.kind === 'for' && loop.words?.map((w) => [w.raw, w.value, w.start, w.end])).toEqual([
      ['a', 'a', 9, 10],
      ['"b c"', 'b c', 11, 16],
    ]);
    const bare = first('for x; do :; done');
    expect(bare?.kind === 'for' && bare.words).toBeUndefined();
    const empty = first('for x in; do :; done');
    expect(empty?.kind === 'for' && empty.words).toEqual([]);

    const sel = first('case $v in (a|b*) x;; *) y;; esac');
    expect(sel).toMatchObject({ kind: 'case', word: { raw: '$v', start: 5, end: 7 }, start: 0, end: 33 });
    expect(sel?.kind === 'case' && sel.items.map((i) => [i.patterns.map((p) => p.raw), list(i.body), i.start, i.end])).toEqual([
      [['a', 'b*'], 'x', 11, 19],
      [['*'], 'y', 22, 26],
    ]);

    const fn = parse('x; function f { echo $1; } > log; y').items[1]?.first.commands[0];
    expect(fn).toMatchObject({ kind: 'function', name: 'f', source: 'function f { echo $1; } > log', start: 3, end: 32 });
    expect(fn?.kind === 'function' && fn.body).toMatchObject({ kind: 'group', start: 14, end: 32, redirects: [{ kind: 'write', fd: 1 }] });

    const item = parse('! a | b && c &').items[0];
    expect(item).toMatchObject({ background: true, start: 0, end: 14, first: { bang: true, start: 0, end: 7 } });
    expect(item?.rest.map((r) => [r.op, pipeline(r.pipeline)])).toEqual([['&&', 'c']]);
    const sub = first('(a; b) 2>/dev/null');
    expect(sub).toMatchObject({ kind: 'subshell', start: 0, end: 18, redirects: [{ kind: 'write', fd: 2, op: '2>' }] });
  });
});

describe('parser: here-documents and here-strings', () => {
  /** Every here-document of a script, in order, with its body. */
  function heredocs(line: string): { op: string; fd: number; delimiter: string; literal: boolean; body: string; parts: unknown[] }[] {
    const out: ReturnType<typeof heredocs> = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        const r = node as Redirect;
        if (r.kind === 'heredoc') {
          const parts = r.body.parts.map((p: WordPart) => (p.kind === 'subst' ? { kind: 'subst', line: p.line } : p));
          out.push({ op: r.op, fd: r.fd, delimiter: r.delimiter, literal: r.literal, body: r.body.value, parts });
        }
        for (const value of Object.values(node)) walk(value);
      }
    };
    walk(parse(line));
    return out;
  }
  const dq = (text: string) => ({ kind: 'literal', text, quoted: 'double' });
  const sq = (text: string) => ({ kind: 'literal', text, quoted: 'single' });

  it.each([
    [
      'cat <<E\nhello $x\nE',
      [
        {
          op: '<<',
          fd: 0,
          delimiter: 'E',
          literal: false,
          body: 'hello $x\n',
          parts: [dq('hello '), { kind: 'param', name: 'x', quoted: 'double' }, dq('\n')],
        },
      ],
    ],
    // A quoted delimiter (any part of it) makes the body literal.
    ["cat <<'E'\nhello $x\nE", [{ op: '<<', fd: 0, delimiter: 'E', literal: true, body: 'hello $x\n', parts: [sq('hello $x\n')] }]],
    ['cat <<"E"\n$x\nE', [{ op: '<<', fd: 0, delimiter: 'E', literal: true, body: '$x\n', parts: [sq('$x\n')] }]],
    ['cat <<\\E\n$x\nE', [{ op: '<<', fd: 0, delimiter: 'E', literal: true, body: '$x\n', parts: [sq('$x\n')] }]],
    ["cat <<E'ND'\n$x\nEND", [{ op: '<<', fd: 0, delimiter: 'END', literal: true, body: '$x\n', parts: [sq('$x\n')] }]],
    // In an expanded body only `\$`, `` \` ``, `\\` and `\⏎` are escapes; quotes are characters.
    [
      'cat <<E\n\\$x \\` \\\\ \\n "q" \'q\'\nE',
      [{ op: '<<', fd: 0, delimiter: 'E', literal: false, body: '$x ` \\ \\n "q" \'q\'\n', parts: [dq('$x ` \\ \\n "q" \'q\'\n')] }],
    ],
    [
      'cat <<E\nline1\\\nline2\nE',
      [{ op: '<<', fd: 0, delimiter: 'E', literal: false, body: 'line1line2\n', parts: [dq('line1line2\n')] }],
    ],
    // `<<-` drops leading tabs (not spaces), of the delimiter's line too.
    [
      'cat <<-E\n\t\tindented\n  spaces\n\tE',
      [{ op: '<<-', fd: 0, delimiter: 'E', literal: false, body: 'indented\n  spaces\n', parts: [dq('indented\n  spaces\n')] }],
    ],
    ['cat <<E\n\tkept\n\tE\nE', [{ op: '<<', fd: 0, delimiter: 'E', literal: false, body: '\tkept\n\tE\n', parts: [dq('\tkept\n\tE\n')] }]],
    // Only a line that is exactly the delimiter ends the body.
    ['cat <<E\nx\n E\nEE\nE', [{ op: '<<', fd: 0, delimiter: 'E', literal: false, body: 'x\n E\nEE\n', parts: [dq('x\n E\nEE\n')] }]],
    ['cat <<E\nE', [{ op: '<<', fd: 0, delimiter: 'E', literal: false, body: '', parts: [] }]],
    ['cat 3<<E\nx\nE', [{ op: '3<<', fd: 3, delimiter: 'E', literal: false, body: 'x\n', parts: [dq('x\n')] }]],
    // Two on one line (even in two commands) are read in order after it.
    [
      'cat <<A <<B\na\nA\nb\nB',
      [
        { op: '<<', fd: 0, delimiter: 'A', literal: false, body: 'a\n', parts: [dq('a\n')] },
        { op: '<<', fd: 0, delimiter: 'B', literal: false, body: 'b\n', parts: [dq('b\n')] },
      ],
    ],
    [
      "cat <<A; cat <<-'B'\na $x\nA\n\tb $y\n\tB",
      [
        {
          op: '<<',
          fd: 0,
          delimiter: 'A',
          literal: false,
          body: 'a $x\n',
          parts: [dq('a '), { kind: 'param', name: 'x', quoted: 'double' }, dq('\n')],
        },
        { op: '<<-', fd: 0, delimiter: 'B', literal: true, body: 'b $y\n', parts: [sq('b $y\n')] },
      ],
    ],
    [
      'cat <<E | wc\n$(date) `id` $((1+2)) ${x:-y}\nE',
      [
        {
          op: '<<',
          fd: 0,
          delimiter: 'E',
          literal: false,
          body: '$(date) `id` $((1+2)) ${x:-y}\n',
          parts: [
            { kind: 'subst', line: 'date' },
            dq(' '),
            { kind: 'subst', line: 'id' },
            dq(' '),
            { kind: 'arith', expr: '1+2', start: 29, quoted: 'double' },
            dq(' '),
            { kind: 'param', name: 'x', quoted: 'double', op: ':-', arg: expect.objectContaining({ value: 'y', parts: [dq('y')] }) },
            dq('\n'),
          ],
        },
      ],
    ],
    ['if true; then cat <<E\nin if\nE\nfi', [{ op: '<<', fd: 0, delimiter: 'E', literal: false, body: 'in if\n', parts: [dq('in if\n')] }]],
    ['echo $(cat <<E\ninner\nE\n)', [{ op: '<<', fd: 0, delimiter: 'E', literal: false, body: 'inner\n', parts: [dq('inner\n')] }]],
    [
      'cat <<< $x',
      [{ op: '<<<', fd: 0, delimiter: '', literal: false, body: '$x', parts: [{ kind: 'param', name: 'x', quoted: 'none' }] }],
    ],
    ['cat <<<"a b"', [{ op: '<<<', fd: 0, delimiter: '', literal: false, body: 'a b', parts: [dq('a b')] }]],
  ])('%j', (line, expected) => {
    expect(heredocs(line)).toEqual(expected);
  });

  it('goes on after the body with the next command', () => {
    expect(shape('cat <<A; cat <<B\na\nA\nb\nB\necho after')).toEqual(['cat <<A', 'cat <<B', 'echo after']);
    expect(shape('cat <<E >out | wc\nx\nE\nnext')).toEqual(['cat <<E > out | wc', 'next']);
    expect(shape('while read l; do echo $l; done <<E\na\nE')).toEqual(['while read l; do echo $l; done <<E']);
  });

  it('knows where a body is in the text', () => {
    const line = 'cat <<E; x\nhello\nE\n';
    const c = firstSimple(line);
    const r = c.redirects[0];
    expect(r).toMatchObject({ kind: 'heredoc', start: 4, end: 7 });
    expect(r?.kind === 'heredoc' && [r.body.start, r.body.end, line.slice(r.body.start, r.body.end)]).toEqual([11, 17, 'hello\n']);
    expect(lineOf(line, r?.kind === 'heredoc' ? r.body.start : 0)).toBe(2);
  });

  it('knows where a <<- body ends in the text, its tabs included', () => {
    const line = 'cat <<-E\n\tx\n\tE\n';
    const r = firstSimple(line).redirects[0];
    expect(r?.kind === 'heredoc' && [r.body.value, r.body.start, r.body.end]).toEqual(['x\n', 9, 12]);
  });
});

describe('parser: syntax errors', () => {
  it.each([
    ['| a', "syntax error: '|' needs a command before it", false],
    // Changed: the message says what is missing after the first `|` (bash: near unexpected token '|').
    ['a | | b', "syntax error: '|' needs a command after it", false],
    ['&& a', "syntax error: '&&' needs a command before it", false],
    ['|| a', "syntax error: '||' needs a command before it", false],
    // Changed: bash's wording (it was `syntax error near ';'`).
    [';', "syntax error near unexpected token ';'", false],
    ['a ;; b', "syntax error near unexpected token ';;'", false],
    ['a && ; b', "syntax error: '&&' needs a command after it", false],
    ['a >', "syntax error: '>' needs a file name after it", true],
    ['a > | b', "syntax error: '>' needs a file name after it", false],
    ['a 2>', "syntax error: '2>' needs a file name after it", true],
    ['a 2>>', "syntax error: '2>>' needs a file name after it", true],
    ['a <', "syntax error: '<' needs a file name after it", true],
    ['a < > f', "syntax error: '<' needs a file name after it", false],
    // Changed (§14): `>&` takes any word (`>&$fd`), so it needs one like a file name does.
    ['a >&', "syntax error: '>&' needs a file name after it", true],
    ['a 2>& ;', "syntax error: '2>&' needs a file name after it", false],
    ['{ a; } >', "syntax error: '>' needs a file name after it", true],
    ['^', "syntax error: '^' needs a program name after it", false],
    ['echo $(a |)', "syntax error: '|' needs a command after it", false],
    ['echo "$(; b)"', "syntax error near unexpected token ';'", false],
    ['echo $(echo $(| x))', "syntax error: '|' needs a command before it", false],
    ['echo ${A B}', "bad substitution: '${A B}'", false],
    ['echo ${}', "bad substitution: '${}'", false],
    // `&` is an operator now: bash refuses these too.
    ['&', "syntax error near unexpected token '&'", false],
    ['a & & b', "syntax error near unexpected token '&'", false],
    ['a &;', "syntax error near unexpected token ';'", false],
    // Reserved words out of place (bash: the same messages).
    ['fi', "syntax error near unexpected token 'fi'", false],
    ['then', "syntax error near unexpected token 'then'", false],
    ['then a', "syntax error near unexpected token 'then'", false],
    ['done', "syntax error near unexpected token 'done'", false],
    ['esac', "syntax error near unexpected token 'esac'", false],
    ['}', "syntax error near unexpected token '}'", false],
    ['a; fi', "syntax error near unexpected token 'fi'", false],
    ['echo a; done', "syntax error near unexpected token 'done'", false],
    ['if a; then b; fi fi', "syntax error near unexpected token 'fi'", false],
    ['while a; do b; done done', "syntax error near unexpected token 'done'", false],
    ['a | fi', "syntax error: '|' needs a command after it", false],
    ['a | ! b', "syntax error near unexpected token '!'", false],
    // `;;` outside a case.
    [';;', "syntax error near unexpected token ';;'", false],
    ['echo a;; b', "syntax error near unexpected token ';;'", false],
    ['a;;', "syntax error near unexpected token ';;'", false],
    ['case x in a) b;; esac;;', "syntax error near unexpected token ';;'", false],
    ['case x in a) b;; esac esac', "syntax error near unexpected token 'esac'", false],
    ['case x in esac) a;; esac', "syntax error near unexpected token ')'", false],
    // Empty lists and bodies.
    ['if a; then fi', "syntax error near unexpected token 'fi'", false],
    ['if; then b; fi', "syntax error near unexpected token ';'", false],
    ['if a; then b; else fi', "syntax error near unexpected token 'fi'", false],
    ['while a; do done', "syntax error near unexpected token 'done'", false],
    ['{ }', "syntax error near unexpected token '}'", false],
    ['{a;}', "syntax error near unexpected token '}'", false],
    ['()', "syntax error near unexpected token ')'", false],
    // Words after a compound command, or where none may be.
    ['{ a; } b', "syntax error near unexpected token 'b'", false],
    ['if a; then b; fi c', "syntax error near unexpected token 'c'", false],
    ['(a)b', "syntax error near unexpected token 'b'", false],
    ['a(b)', "syntax error near unexpected token 'b'", false],
    ['x=1 { a; }', "syntax error near unexpected token '}'", false],
    ['for 1 in a; do b; done', "syntax error: '1' is not a valid name for a for loop", false],
    ['f() echo', "syntax error: the body of function 'f' must be a compound command such as { …; }", false],
    ['if() { a; }', "syntax error near unexpected token ')'", false],
    ['echo $(a; fi)', "syntax error near unexpected token 'fi'", false],
    ['echo $(if a; then)', "syntax error near unexpected token ')'", false],
  ])('%j is a usage error', (line, message, incomplete) => {
    const error = syntaxError(line);
    expect(error.message).toBe(message);
    expect(error.incomplete).toBe(incomplete);
    expect(error.exitCode).toBe(2);
    expect(isIncomplete(line)).toBe(incomplete);
  });

  it.each([
    ['a\nb\nfi', 3],
    ['echo ok\nif a; then\n  b\nfi fi\n', 4],
    ['a\n\necho $(b |)', 3],
    ['a\necho ${x', 2],
    ['a\nb ;;', 2],
    ["a\necho 'x", 2],
    ['a\ncat <<E\nbody', 3],
    ['x\necho $(a\nb; fi)', 3],
  ])('%j: the error is on line %i', (text, line) => {
    expect(lineOf(text, syntaxError(text).offset ?? -1)).toBe(line);
  });

  it("'^' alone on line 2: the error is on line 2", () => {
    expect(lineOf('a\n^', syntaxError('a\n^').offset ?? -1)).toBe(2);
  });
});

describe('parser: incomplete input (continuation lines)', () => {
  it.each([
    ['a |', "syntax error: '|' needs a command after it"],
    ['a &&', "syntax error: '&&' needs a command after it"],
    ['a ||', "syntax error: '||' needs a command after it"],
    ['a & b &&', "syntax error: '&&' needs a command after it"],
    ['while a; do b; done |', "syntax error: '|' needs a command after it"],
    ['if a; then b; fi &&', "syntax error: '&&' needs a command after it"],
    ['f() { a; } |', "syntax error: '|' needs a command after it"],
    ['! a |', "syntax error: '|' needs a command after it"],
    ['( a ) ||', "syntax error: '||' needs a command after it"],
    ["a 'b", "unbalanced quote: missing closing '"],
    ['a "b', 'unbalanced quote: missing closing "'],
    ['a \\', 'line ends with a lone backslash'],
    ['echo $(a', "unbalanced '$(': missing closing ')'"],
    ['echo $(a "b)"', "unbalanced '$(': missing closing ')'"],
    // Changed: the quote opened inside `$(` is what is open (bash: `looking for matching '"'`).
    ['echo "$(a"', 'unbalanced quote: missing closing "'],
    ['echo ${A', "unbalanced '${': missing closing '}'"],
    ['echo `a', 'unbalanced quote: missing closing `'],
    ["echo $'a", "unbalanced quote: missing closing '"],
    ['echo $((1 +', "unbalanced '$(': missing closing ')'"],
    ['echo $(if a; then b', "unbalanced '$(': missing closing ')'"],
    // Changed (§14): an open construct names itself and what closes it.
    ['if', "syntax error: 'if' is not closed (missing 'fi')"],
    ['if a', "syntax error: 'if' is not closed (missing 'fi')"],
    ['if a; then', "syntax error: 'if' is not closed (missing 'fi')"],
    ['if a; then b', "syntax error: 'if' is not closed (missing 'fi')"],
    ['if a; then b; else', "syntax error: 'if' is not closed (missing 'fi')"],
    ['if a; then b; else c', "syntax error: 'if' is not closed (missing 'fi')"],
    ['if a; then b; elif', "syntax error: 'if' is not closed (missing 'fi')"],
    ['if a; then b; elif c', "syntax error: 'if' is not closed (missing 'fi')"],
    ['if a; then b; elif c; then d', "syntax error: 'if' is not closed (missing 'fi')"],
    ['if a\nthen\n', "syntax error: 'if' is not closed (missing 'fi')"],
    ['if a; then { b; } ', "syntax error: 'if' is not closed (missing 'fi')"],
    ['if a; then cat <<E\nx\nE\n', "syntax error: 'if' is not closed (missing 'fi')"],
    ['while', "syntax error: 'while' is not closed (missing 'done')"],
    ['while a', "syntax error: 'while' is not closed (missing 'done')"],
    ['while a; do', "syntax error: 'while' is not closed (missing 'done')"],
    ['while a; do b', "syntax error: 'while' is not closed (missing 'done')"],
    ['until', "syntax error: 'until' is not closed (missing 'done')"],
    ['until a; do b', "syntax error: 'until' is not closed (missing 'done')"],
    ['for', "syntax error: 'for' is not closed (missing 'done')"],
    ['for x', "syntax error: 'for' is not closed (missing 'done')"],
    ['for x in', "syntax error: 'for' is not closed (missing 'done')"],
    ['for x in a b c', "syntax error: 'for' is not closed (missing 'done')"],
    ['for x in a b c\n', "syntax error: 'for' is not closed (missing 'done')"],
    ['for x in a; do', "syntax error: 'for' is not closed (missing 'done')"],
    ['for x in a; do b', "syntax error: 'for' is not closed (missing 'done')"],
    ['case', "syntax error: 'case' is not closed (missing 'esac')"],
    ['case x', "syntax error: 'case' is not closed (missing 'esac')"],
    ['case x in', "syntax error: 'case' is not closed (missing 'esac')"],
    ['case x in a', "syntax error: 'case' is not closed (missing 'esac')"],
    ['case x in a|', "syntax error: 'case' is not closed (missing 'esac')"],
    ['case x in (', "syntax error: 'case' is not closed (missing 'esac')"],
    ['case x in a)', "syntax error: 'case' is not closed (missing 'esac')"],
    ['case x in a) b', "syntax error: 'case' is not closed (missing 'esac')"],
    ['case x in a) b;;', "syntax error: 'case' is not closed (missing 'esac')"],
    ['case x in a) b;; *) c', "syntax error: 'case' is not closed (missing 'esac')"],
    ['{', "syntax error: '{' is not closed (missing '}')"],
    ['{ a', "syntax error: '{' is not closed (missing '}')"],
    ['{ a;', "syntax error: '{' is not closed (missing '}')"],
    // `}` is a reserved word only in command position: here it is an argument of `a`.
    ['{ a }', "syntax error: '{' is not closed (missing '}')"],
    ['{ a; b', "syntax error: '{' is not closed (missing '}')"],
    ['(', "syntax error: '(' is not closed (missing ')')"],
    ['( a', "syntax error: '(' is not closed (missing ')')"],
    ['( a; b', "syntax error: '(' is not closed (missing ')')"],
    ['( a\nb', "syntax error: '(' is not closed (missing ')')"],
    // The innermost open construct is named.
    ['if a; then (b', "syntax error: '(' is not closed (missing ')')"],
    ['while a; do if b; then c', "syntax error: 'if' is not closed (missing 'fi')"],
    ['case x in a) if b; then', "syntax error: 'if' is not closed (missing 'fi')"],
    // A function's body is still to come: what it needs is a `{ … }`.
    ['f()', "syntax error: '{' is not closed (missing '}')"],
    ['f ( ) ', "syntax error: '{' is not closed (missing '}')"],
    ['f() {', "syntax error: '{' is not closed (missing '}')"],
    ['f() { a;', "syntax error: '{' is not closed (missing '}')"],
    ['function f', "syntax error: '{' is not closed (missing '}')"],
    ['function f()', "syntax error: '{' is not closed (missing '}')"],
    ['function f {', "syntax error: '{' is not closed (missing '}')"],
    ['function', 'syntax error: unexpected end of input'],
    ['!', 'syntax error: unexpected end of input'],
    ['cat <<E', "here-document 'E' is not closed (no line 'E' before the end)"],
    ['cat <<E\nbody', "here-document 'E' is not closed (no line 'E' before the end)"],
    ['cat <<E\nbody\n E', "here-document 'E' is not closed (no line 'E' before the end)"],
  ])('%j is incomplete', (line, message) => {
    const error = syntaxError(line);
    expect(error.message).toBe(message);
    expect(error.incomplete).toBe(true);
    expect(isIncomplete(line)).toBe(true);
  });

  it.each([
    ['if a; then', '\nb\nfi'],
    ['for x in a b', '\ndo echo $x\ndone'],
    ['case x in', '\na) b;;\nesac'],
    ['f() {', '\na\n}'],
    ['a |', '\nb'],
    ['cat <<E', '\nbody\nE'],
    ["echo 'a", "\nb'"],
  ])('%j becomes complete with the next lines', (start, more) => {
    expect(isIncomplete(start)).toBe(true);
    expect(isIncomplete(start + more)).toBe(false);
    expect(() => parse(start + more)).not.toThrow();
  });

  it.each(['echo hi', 'a; b', 'a &', 'if a; then b; fi', 'case x in esac', '> f', 'echo "${A-b}"', ''])('%j is complete', (line) => {
    expect(isIncomplete(line)).toBe(false);
  });

  // A closed backquote whose line is unfinished is an error, not an open construct that more lines would complete
  // (bash: `command substitution: syntax error: unexpected end of file`).
  it.each(['echo `if a; then`', 'echo `a |`', "echo `echo 'x`", 'echo `if a; then`\nfi'])('%j is not incomplete', (line) => {
    expect(isIncomplete(line)).toBe(false);
    expect(() => parse(line)).toThrow(/^syntax error in `…`: /);
  });

  // `echo (` does not wait for the rest of a function definition; bash: syntax error near unexpected token `newline'.
  it("'echo (' is an error, not incomplete", () => {
    expect(isIncomplete('echo (')).toBe(false);
    expect(() => parse('echo (')).toThrow("syntax error near unexpected token 'newline'");
  });
});

describe('parser: words and redirects', () => {
  it('keeps every word of a command with where it is and what it is made of', () => {
    const literal = (text: string, quoted = 'none') => ({ kind: 'literal', text, quoted });
    expect(parse('copy "a b" c > "out file"')).toEqual({
      items: [
        {
          first: {
            bang: false,
            commands: [
              {
                kind: 'simple',
                words: [
                  { raw: 'copy', value: 'copy', start: 0, end: 4, parts: [literal('copy')] },
                  { raw: '"a b"', value: 'a b', start: 5, end: 10, parts: [literal('a b', 'double')] },
                  { raw: 'c', value: 'c', start: 11, end: 12, parts: [literal('c')] },
                ],
                assignments: [],
                redirects: [
                  {
                    kind: 'write',
                    fd: 1,
                    op: '>',
                    start: 13,
                    end: 25,
                    target: { raw: '"out file"', value: 'out file', start: 15, end: 25, parts: [literal('out file', 'double')] },
                  },
                ],
                external: false,
                start: 0,
                end: 25,
              },
            ],
            start: 0,
            end: 25,
          },
          rest: [],
          background: false,
          start: 0,
          end: 25,
        },
      ],
      start: 0,
      end: 25,
    });
  });

  it.each([
    ['cat < in', { kind: 'read', fd: 0, op: '<', target: 'in' }],
    ['cat 0< in', { kind: 'read', fd: 0, op: '0<', target: 'in' }],
    ['cat 3< in', { kind: 'read', fd: 3, op: '3<', target: 'in' }],
    ['cat <> in', { kind: 'readwrite', fd: 0, op: '<>', target: 'in' }],
    ['cat 4<> in', { kind: 'readwrite', fd: 4, op: '4<>', target: 'in' }],
    ['cat > in', { kind: 'write', fd: 1, op: '>', target: 'in' }],
    ['cat 1> in', { kind: 'write', fd: 1, op: '1>', target: 'in' }],
    ['cat 2> in', { kind: 'write', fd: 2, op: '2>', target: 'in' }],
    ['cat >| in', { kind: 'write', fd: 1, op: '>|', target: 'in' }],
    ['cat >> in', { kind: 'append', fd: 1, op: '>>', target: 'in' }],
    ['cat 1>> in', { kind: 'append', fd: 1, op: '1>>', target: 'in' }],
    ['cat 2>> in', { kind: 'append', fd: 2, op: '2>>', target: 'in' }],
    ['cat &> in', { kind: 'write', fd: 1, both: true, op: '&>', target: 'in' }],
    ['cat &>> in', { kind: 'append', fd: 1, both: true, op: '&>>', target: 'in' }],
    // Changed: `N>&M` is a dup whose target is the word `M` (it was a number in the operator).
    ['cat 2>&1', { kind: 'dup', fd: 2, op: '2>&', target: '1' }],
    ['cat >&2', { kind: 'dup', fd: 1, op: '>&', target: '2' }],
    ['cat 1>&2', { kind: 'dup', fd: 1, op: '1>&', target: '2' }],
    ['cat 3>&-', { kind: 'dup', fd: 3, op: '3>&', target: '-' }],
    ['cat <&3', { kind: 'dup', fd: 0, op: '<&', target: '3' }],
    ['cat 4<&0', { kind: 'dup', fd: 4, op: '4<&', target: '0' }],
    ['cat >&$fd', { kind: 'dup', fd: 1, op: '>&', target: '$fd' }],
    ['cat <<< in', { kind: 'heredoc', fd: 0, op: '<<<', target: 'in' }],
    ['cat 5<<< in', { kind: 'heredoc', fd: 5, op: '5<<<', target: 'in' }],
  ])('%j redirects as %j', (line, expected) => {
    const [r] = firstSimple(line).redirects;
    const target = r?.kind === 'heredoc' ? r.body.value : r?.target.value;
    expect({ ...r, target }).toMatchObject(expected);
    expect(r?.kind === 'write' || r?.kind === 'append' ? r.both === true : undefined).toBe(
      r?.kind === 'write' || r?.kind === 'append' ? line.includes('&>') : undefined,
    );
  });

  it('splits an assignment into its name and value, with home for ~ where sh expands it', () => {
    const [assignment] = firstSimple('P=~/bin:~:$X:~/y:a~ cmd').assignments;
    expect(assignment).toMatchObject({ name: 'P', start: 0, end: 19, value: { raw: '~/bin:~:$X:~/y:a~', start: 2, end: 19 } });
    expect(assignment?.value.parts).toEqual([
      { kind: 'tilde', user: '' },
      { kind: 'literal', text: '/bin:', quoted: 'none' },
      { kind: 'tilde', user: '' },
      { kind: 'literal', text: ':', quoted: 'none' },
      { kind: 'param', name: 'X', quoted: 'none' },
      { kind: 'literal', text: ':', quoted: 'none' },
      { kind: 'tilde', user: '' },
      { kind: 'literal', text: '/y:a~', quoted: 'none' },
    ]);
  });

  it('gives an argument written like an assignment its ~ after = and :', () => {
    const [, word] = firstSimple('export P=~/bin:~/lib Q=a~').words;
    expect(word?.parts).toEqual([
      { kind: 'literal', text: 'P=', quoted: 'none' },
      { kind: 'tilde', user: '' },
      { kind: 'literal', text: '/bin:', quoted: 'none' },
      { kind: 'tilde', user: '' },
      { kind: 'literal', text: '/lib', quoted: 'none' },
    ]);
    expect(firstSimple('export P=~/bin:~/lib Q=a~').words[2]?.parts).toEqual([{ kind: 'literal', text: 'Q=a~', quoted: 'none' }]);
  });

  it('takes the ^ off a forced program name, keeping where the name is', () => {
    const c = firstSimple('^ls -l');
    expect(c.external).toBe(true);
    expect(c.words[0]).toEqual({
      raw: 'ls',
      value: 'ls',
      start: 1,
      end: 3,
      parts: [{ kind: 'literal', text: 'ls', quoted: 'none' }],
    });
    expect(firstSimple("'^ls'").external).toBe(false);
    expect(firstSimple('echo ^ls').external).toBe(false);
  });

  it('parses the inside of $(…) and backquotes into their own trees', () => {
    const [, word] = firstSimple('echo $(a | b && c; d &)').words;
    const part = word?.parts[0];
    expect(part?.kind === 'subst' && list(part.body)).toBe('a | b && c; d &');
    const [, quoted] = firstSimple('echo "`for x in 1; do :; done`"').words;
    const back = quoted?.parts[0];
    expect(back).toMatchObject({ kind: 'subst', backquote: true, quoted: 'double' });
    expect(back?.kind === 'subst' && list(back.body)).toBe('for x in 1; do :; done');
  });

  it.each([
    ['a', 0, 1],
    ['a\nb', 2, 2],
    ['a\nb', 1, 1],
    ['a\nb\n\nc', 5, 4],
    ['abc', 99, 1],
  ])('lineOf(%j, %i) is %i', (text, offset, line) => {
    expect(lineOf(text, offset)).toBe(line);
  });
});

describe('applyAlias', () => {
  const aliases: Record<string, string> = {
    ll: 'ls -l',
    ls: 'ls --color',
    quiet: 'FOO=1 run 2> /dev/null',
    ext: '^grep -n',
    two: 'a | b',
    both: 'a && b',
    bg: 'a &',
    seq: 'a; b',
    neg: '! a',
    block: '{ a; }',
    empty: '',
    broken: "echo 'open",
  };
  const lookup = (name: string) => aliases[name];
  const applied = (line: string) => simple(applyAlias(firstSimple(line), lookup));

  it.each([
    ['ll -a src', 'ls -l -a src'],
    // Once: the alias's own first word is not replaced again.
    ['ls x', 'ls --color x'],
    ['ll > f', 'ls -l > f'],
    ['BAR=2 quiet x > out', 'BAR=2 FOO=1 run x 2> /dev/null > out'],
    ['ext pattern', '^grep -n pattern'],
    ['empty x y', 'x y'],
    // Only a plainly written name in command position, never a forced program.
    ['"ll" -a', 'll -a'],
    ['l\\l -a', 'll -a'],
    ['^ll -a', '^ll -a'],
    ['echo ll', 'echo ll'],
    ['FOO=1', 'FOO=1'],
  ])('%j becomes %j', (line, expected) => {
    expect(applied(line)).toBe(expected);
  });

  it('returns the same command when there is no alias', () => {
    const node = firstSimple('nothing here');
    expect(applyAlias(node, lookup)).toBe(node);
  });

  it.each([
    ['two x', "alias 'two' must be one command (its value is 'a | b')"],
    ['both', "alias 'both' must be one command (its value is 'a && b')"],
    ['seq', "alias 'seq' must be one command (its value is 'a; b')"],
    ['neg', "alias 'neg' must be one command (its value is '! a')"],
    ['block', "alias 'block' must be one command (its value is '{ a; }')"],
    ['broken', "alias 'broken': unbalanced quote: missing closing '"],
  ])('%j is a usage error', (line, message) => {
    let caught: unknown;
    try {
      applied(line);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).message).toBe(message);
    expect((caught as UsageError).incomplete).toBe(false);
  });

  // An alias is one command: the `&` of `alias bg='a &'` is refused rather than dropped (`bg x` never runs `a x` in the foreground).
  it("an alias ending in '&' is not silently run in the foreground", () => {
    expect(() => applied('bg x')).toThrow("alias 'bg' must be one command (its value is 'a &')");
  });
});
