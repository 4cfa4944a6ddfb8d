// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell lines, where ${NAME} is meant literally
import { describe, expect, it } from 'vitest';
import { UsageError } from '../shell/base/errors.ts';
import { applyAlias } from '../shell/line/alias.ts';
import { type CommandNode, isIncomplete, parse } from '../shell/line/parser.ts';

/** A compact view of a command: `^` when external, assignments, words, then each redirect as `op target`. */
function command(c: CommandNode): string {
  return [
    ...c.assignments.map((a) => `${a.name}=${a.value.value}`),
    ...c.words.map((w, i) => (i === 0 && c.external ? `^${w.value}` : w.value)),
    ...c.redirects.map((r) => (r.kind === 'dup' ? r.op : `${r.op} ${r.target.value}`)),
  ].join(' ');
}

/** A compact view of the AST: pipelines as arrays of commands. */
function shape(line: string): unknown {
  return parse(line).items.map(({ connector, pipeline }) => [connector, ...pipeline.commands.map(command)]);
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
    // Redirects go anywhere in a command and keep their order, as in sh.
    ['> f a', [[';', 'a > f']]],
    ['a > x > y', [[';', 'a > x > y']]],
    ['< in sort -r > out', [[';', 'sort -r < in > out']]],
    ['cmd > out 2> err', [[';', 'cmd > out 2> err']]],
    ['cmd 2>&1 > f', [[';', 'cmd 2>&1 > f']]],
    ['cmd > f 2>&1 | b', [[';', 'cmd > f 2>&1', 'b']]],
    ['cmd 2>>log>&2', [[';', 'cmd 2>> log >&2']]],
    ['cmd 1>o 1>>a 0<i 1>&2 2>&2', [[';', 'cmd 1> o 1>> a 0< i 1>&2 2>&2']]],
    ['echo a2>f', [[';', 'echo a2 > f']]],
    ['echo "2">f', [[';', 'echo 2 > f']]],
    ['echo 2 >f', [[';', 'echo 2 > f']]],
    ['echo 12>f', [[';', 'echo 12 > f']]],
    ["echo '2>x' 2\\>y", [[';', 'echo 2>x 2>y']]],
    // `NAME=value` before the command's first word is an assignment; after it, a word.
    ['FOO=1 cmd a=b', [[';', 'FOO=1 cmd a=b']]],
    ['FOO=1 BAR="x y" > f cmd', [[';', 'FOO=1 BAR=x y cmd > f']]],
    ['FOO=1', [[';', 'FOO=1']]],
    ['FOO=1 | b', [[';', 'FOO=1', 'b']]],
    // `^name` forces the external program; a quoted or later `^` is a plain character.
    ['^ls -l', [[';', '^ls -l']]],
    ['FOO=1 ^ls ^x', [[';', 'FOO=1 ^ls ^x']]],
    ['^"my prog"', [[';', '^my prog']]],
    ["'^ls'", [[';', '^ls']]],
    ['echo $(a | b; c) "$(d > e)"', [[';', 'echo $(a | b; c) $(d > e)']]],
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
    ['> f', "syntax error: '>' needs a command to apply to", false],
    ['2>&1 | b', "syntax error: '2>&1' needs a command to apply to", false],
    ['a >', "syntax error: '>' needs a file name after it", false],
    ['a > | b', "syntax error: '>' needs a file name after it", false],
    ['a 2>', "syntax error: '2>' needs a file name after it", false],
    ['a 2>>', "syntax error: '2>>' needs a file name after it", false],
    ['a <', "syntax error: '<' needs a file name after it", false],
    ['a < > f', "syntax error: '<' needs a file name after it", false],
    ['a >&', "syntax error: '>&' needs 1 or 2 after it", false],
    ['a 2>&x', "syntax error: '2>&' needs 1 or 2 after it", false],
    ['a >&12', "syntax error: '>&' needs 1 or 2 after it", false],
    ['^', "syntax error: '^' needs a program name after it", false],
    ['echo $(a |)', "syntax error: '|' needs a command after it", false],
    ['echo "$(; b)"', "syntax error near ';'", false],
    ['echo $(echo $(| x))', "syntax error: '|' needs a command before it", false],
    ['echo $(a', "unbalanced '$(': missing closing ')'", true],
    ['echo "$(a"', "unbalanced '$(': missing closing ')'", true],
    ['echo $(a "b)"', "unbalanced '$(': missing closing ')'", true],
    ['echo ${A', "unbalanced '${': missing closing '}'", true],
    ['echo ${A B}', "bad substitution: '${A B}'", false],
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

  it('keeps every word of a command with where it is and what it is made of', () => {
    const literal = (text: string, quoted = 'none') => ({ kind: 'literal', text, quoted });
    expect(parse('copy "a b" c > "out file"')).toEqual({
      items: [
        {
          connector: ';',
          pipeline: {
            commands: [
              {
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
              },
            ],
          },
        },
      ],
    });
  });

  it.each([
    ['cat < in', { kind: 'read', fd: 0, op: '<' }],
    ['cat 0< in', { kind: 'read', fd: 0, op: '0<' }],
    ['cat > in', { kind: 'write', fd: 1, op: '>' }],
    ['cat 1> in', { kind: 'write', fd: 1, op: '1>' }],
    ['cat 2> in', { kind: 'write', fd: 2, op: '2>' }],
    ['cat >> in', { kind: 'append', fd: 1, op: '>>' }],
    ['cat 1>> in', { kind: 'append', fd: 1, op: '1>>' }],
    ['cat 2>> in', { kind: 'append', fd: 2, op: '2>>' }],
    ['cat 2>&1', { kind: 'dup', fd: 2, target: 1, op: '2>&1' }],
    ['cat >&2', { kind: 'dup', fd: 1, target: 2, op: '>&2' }],
    ['cat 1>&2', { kind: 'dup', fd: 1, target: 2, op: '1>&2' }],
  ])('%j redirects as %j', (line, expected) => {
    const [redirect] = parse(line).items[0]?.pipeline.commands[0]?.redirects ?? [];
    expect(redirect).toMatchObject(expected);
    if (redirect?.kind !== 'dup') expect(redirect?.target.value).toBe('in');
  });

  it('splits an assignment into its name and value, with home for ~ where sh expands it', () => {
    const [assignment] = parse('P=~/bin:~:$X:~/y:a~ cmd').items[0]?.pipeline.commands[0]?.assignments ?? [];
    expect(assignment).toMatchObject({ name: 'P', start: 0, end: 19, value: { raw: '~/bin:~:$X:~/y:a~', start: 2, end: 19 } });
    expect(assignment?.value.parts).toEqual([
      { kind: 'tilde' },
      { kind: 'literal', text: '/bin:', quoted: 'none' },
      { kind: 'tilde' },
      { kind: 'literal', text: ':', quoted: 'none' },
      { kind: 'var', name: 'X', quoted: 'none' },
      { kind: 'literal', text: ':', quoted: 'none' },
      { kind: 'tilde' },
      { kind: 'literal', text: '/y:a~', quoted: 'none' },
    ]);
  });

  it('takes the ^ off a forced program name, keeping where the name is', () => {
    const command = parse('^ls -l').items[0]?.pipeline.commands[0];
    expect(command?.external).toBe(true);
    expect(command?.words[0]).toEqual({
      raw: 'ls',
      value: 'ls',
      start: 1,
      end: 3,
      parts: [{ kind: 'literal', text: 'ls', quoted: 'none' }],
    });
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
    empty: '',
    broken: "echo 'open",
  };
  const lookup = (name: string) => aliases[name];
  const applied = (line: string) => {
    const node = parse(line).items[0]?.pipeline.commands[0] as CommandNode;
    return command(applyAlias(node, lookup));
  };

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
    const node = parse('nothing here').items[0]?.pipeline.commands[0] as CommandNode;
    expect(applyAlias(node, lookup)).toBe(node);
  });

  it.each([
    ['two x', "alias 'two' must be one command (its value is 'a | b')"],
    ['both', "alias 'both' must be one command (its value is 'a && b')"],
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
});
