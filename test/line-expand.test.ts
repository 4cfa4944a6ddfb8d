// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell lines, where ${NAME} is meant literally
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExpansionError, ShellError } from '../shell/base/errors.ts';
import type { Word } from '../shell/line/ast.ts';
import {
  type ExpandEnv,
  expandAssignment,
  expandCommand,
  expandRedirects,
  expandRedirectTarget,
  expandWords,
  matchCase,
} from '../shell/line/expand.ts';
import { parse, type SimpleCommand } from '../shell/line/parser.ts';
import { homeOf } from '../shell/run/users.ts';
import { tempDir } from './helpers/tosh.ts';

/**
 * Expected values come from bash itself wherever tosh's rule is the POSIX one:
 * each case runs `bash -O globstar -c 'f WORDS'` (f prints each argument as
 * `[arg]`) in the same directory with the same variables and positional
 * parameters. Where tosh differs on purpose (no splitting or globbing of
 * parameter values, no glob of `$(…)` output, a glob without match is an
 * error) the expectation is written out.
 */

const HOME = '/home/tester';
const VARS: Record<string, string> = {
  A: 'x  y',
  B: '*',
  E: '',
  N: '12',
  S: ' lead trail ',
  Q: 'it\'s "q"',
  P: '/usr/local/lib.tar.gz',
  R: 'N',
};
const STATUS = 3;
/** A user that exists (with its home from /etc/passwd) and one that does not. */
const ROOT_HOME = homeOf('root');
const NO_USER = 'nosuchuser4711';
let cwd = '';

beforeAll(() => {
  cwd = tempDir('tosh-expand-');
  const files = [
    'a.txt',
    'b.txt',
    'c.md',
    'ab.txt',
    '.hidden',
    '.h.txt',
    'sp ace.txt',
    '*star',
    'sub/x.txt',
    'sub/.z.txt',
    'sub/deep/y.txt',
    '.hdir/k.txt',
    'e/.k.txt',
  ];
  for (const file of files) {
    mkdirSync(join(cwd, file, '..'), { recursive: true });
    writeFileSync(join(cwd, file), '');
  }
  symlinkSync('sub', join(cwd, 'lnk'));
});

/** An environment of the variables above (a fresh copy: `${x:=w}` and `$((x=1))` assign into it). */
function env(positional: readonly string[] = [], more: Partial<ExpandEnv> = {}): ExpandEnv & { vars: Record<string, string> } {
  const vars: Record<string, string> = { ...VARS };
  return {
    vars,
    param: (name) => {
      if (name === '?') return String(STATUS);
      if (name === '#') return String(positional.length);
      if (name === '$') return '4242';
      if (name === '0') return 'tosh';
      if (/^[1-9][0-9]*$/.test(name)) return positional[Number(name) - 1];
      return vars[name];
    },
    assign: (name, value) => {
      vars[name] = value;
    },
    positional: () => positional,
    home: HOME,
    homeOf,
    cwd,
    // The lines inside `$(…)` in these cases mean the same to bash, which runs them here.
    substitute: async (_body, text) => execFileSync('bash', ['-c', text], { cwd, encoding: 'utf8' }),
    ...more,
  };
}

const bashEnv = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME, LC_ALL: 'C', ...VARS });
const sq = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** What bash makes of `words` as a command's arguments, with these positional parameters. */
function bash(words: string, positional: readonly string[] = []): string {
  const script = `set -- ${positional.map(sq).join(' ')}; f() { for a in "$@"; do printf '[%s]' "$a"; done; }; (exit ${STATUS}); f ${words}`;
  const result = spawnSync('bash', ['-O', 'globstar', '-c', script], { cwd, env: bashEnv(), encoding: 'utf8' });
  expect(result.stderr).toBe('');
  return result.stdout;
}

const commandOf = (line: string): SimpleCommand => {
  const c = parse(line).items[0]?.first.commands[0];
  if (c?.kind !== 'simple') throw new Error(`not a simple command: ${line}`);
  return c;
};

async function tosh(words: string, positional: readonly string[] = [], e: ExpandEnv = env(positional)): Promise<string> {
  const args = await expandWords(commandOf(`f ${words}`).words.slice(1), e);
  return args.map((a) => `[${a}]`).join('');
}

describe('expansion: as bash does it', () => {
  it.each([
    // Quoting and escapes.
    `a 'b  c' "d  e" f\\ g`,
    `'$A' "\\$A" \\$A '\\n'`,
    `"a\\\\b" 'a\\b' a\\\\b "a\\b" a\\b`,
    `"" '' x""y "''" '""'`,
    `"a\\"b" 'it'\\''s'`,
    `# a comment`,
    `x#y '#z'`,
    `$'a\\tb' $'it\\'s' "$'x'"`,
    // Variables, also inside double quotes.
    `$N \${N}x x$N "$N" "\${N}"y`,
    `"$A" "x$A" "$S" "$Q"`,
    `$E "$E" x$E $UNSET "$UNSET" x$UNSET ""$UNSET $UNSET$E "$UNSET"$E`,
    `$? "$?" \${?} x$?y`,
    `$ a$ "$" "a $ b" $%`,
    `$N_x \${N}_x`,
    // Changed (§14): `$1`, `$#` are parameters (no positional parameters here: `$1` is unset, `$#` is 0).
    `$1 "$2" \${3} $# "$#"`,
    // Command substitution: trailing newlines removed, split unquoted, one word quoted.
    `$(echo a b) "$(echo a b)"`,
    `x$(echo " a  b ")y`,
    `$(printf 'a\\n\\n') "$(printf 'a\\n\\n')" "$(printf '\\na\\n')"`,
    `$(true) "$(true)" x$(true)`,
    `""$(echo " b") $(echo " ")`,
    `$(printf 'a\\tb\\nc  d')`,
    `"$(echo ")")" "$(echo "(")"`,
    `$(echo "$(echo 'in  ner')") "$(echo "$(echo 'in  ner')")"`,
    `$(echo \\)) '$(echo x)'`,
    '`echo a  b` "`echo a  b`" x`echo \\`echo in\\``',
    `$(case x in x) echo yes;; esac) "$(if true; then echo t; fi)"`,
    // Arithmetic.
    `$((1+2)) "$((N*2))" $((N + 1))x $(( (1+2)*3 ))`,
    `$((7/2)) $((-7/2)) $((7%3)) $((2**10)) $((1<2)) $((2<=1)) $((1==1)) $((1!=1))`,
    `$((1&&0)) $((0||2)) $((!0)) $((!5)) $((-N)) $((UNSET+1)) $(($N+1)) $((\${N}0))`,
    `$(($(echo 6)*7)) $((1 ? 2 : 3))`,
    `$((R)) $((R+1)) $((2**62)) $((-9223372036854775807-1))`,
    `$((16#ff)) $((2#101)) $((0))`,
    `$((x++)) $((1<<2)) $((5&3)) $((5|2)) $((5^1)) $((~0)) $((0x10)) $((010)) $((1, 2))`,
    `$((N>10?1:0)) $(( N == 12 )) $((2**3**2)) $((-2**2)) $(( 10 - 2 - 3 )) $((8/2/2))`,
    // Home: unquoted, at the start of a word, alone or before a slash.
    `~ ~/x ~/ "~" '~' \\~ x~ ~x "~/x" ~/"a b"`,
    // Changed (§14): `~user` is that user's home; a user that does not exist stays as written.
    `~root ~root/x ~${NO_USER} ~${NO_USER}/x "~root" ~"root"`,
    // ... and after `=` and `:` in a word that looks like an assignment (`export P=~/bin`).
    `a=~/x:~/y:~ b=~ b:~/z --c=~/w "a"=~/q a="~"/r a=x~:~y`,
    // Brace expansion, before every other expansion; quoted or escaped braces are text.
    `{a,b} {1..5} {01..03} {a..e} {5..1} {1..10..3} {a..c..2} {-2..2}`,
    `{a,b{c,d}} x{1,2}y {a,b}{1,2} {,x} {x,}`,
    `{a} {} "{a,b}" \\{a,b} '{1..3}' {a,b`,
    `{a,b}$N \${N}{a,b} "$N"{a,b} {$N,x} "x"{a,b} {"a b",c}`,
    `{a,b}.txt {a,c}* {x,y}.none`,
    `{a..c}{1..2} {1..3}$'x' {1..03} {a,b}{} {a,b}}`,
    `'a'"b"$'c' $'\\101' $'\\x4a'`,
    // Parameters with operators (unset U, empty E, set N).
    `\${U:-w} \${E:-w} \${N:-w} \${U-w} \${E-w} \${N-w}`,
    `"\${U:-a b}" \${U:-$N} "\${U:-$A}" \${U:-~} \${U:-~/x} \${U:-'a  b'}`,
    `\${U:=w} $U \${E:=v} $E \${N:=z} $N`,
    `\${U2=w} $U2 \${E=v} "$E"`,
    `\${N:?m} \${E?m}`,
    `\${N:+w} \${U:+w} \${E:+w} \${E+w} \${U+w} "\${N:+a  b}"`,
    `\${#A} \${#N} \${#U} \${#E} \${#} \${#Q}`,
    `\${P#*/} \${P##*/} \${P%.*} \${P%%.*} "\${P%.*}" \${P#nope}`,
    `\${P/l/L} \${P//l/L} \${P/#\\/usr/X} \${P/%gz/Z} \${P/l} \${P//l}`,
    `\${P#"*"} \${P##*"/"} "\${P##*/}" \${P/$B/x} \${P/"$B"/x} \${P%[.]*}`,
    `"\${N/1/\${A:-x}}" \${P//[aeiou]/_}`,
    `"\${U:-"a b"}" \${U:-"a  b"} \${U:-\\$x} "\${U:-\\$x}" \${U:-$'\\t'}x`,
    `\${P%"."*} \${P#/usr/} \${P/\\//-} \${P//\\//-} "\${P//"/"/-}"`,
    `\${A// /_} "\${A// /_}" \${E:-} "\${U:-}" \${U+""}`,
    `\${N:+"$A"} \${U-'$N'} \${#P} \${#B} "\${#A}"`,
    // Globs against the working directory, sorted, hidden files only for a leading dot.
    `*`,
    `*.txt`,
    `.*`,
    `?.txt ??.txt`,
    `[ab].txt [!a].txt [^a].txt [a-b]*.txt`,
    `[[:alpha:]].md`,
    `sub/* sub/.* */.*`,
    `*/ */*/`,
    `**`,
    `**/*.txt`,
    `sub/** sub/**/`,
    `**/`,
    `**/.z.txt`,
    `*/**/*.txt`,
    `./*.md sub/../*.md`,
    `"sp ace"* sp\\ ace.* 'sp '*`,
    `\\** '*'star "*"* `,
    `*'.md' *".md"`,
    `a[b c]d`,
    `"*" '*.txt' \\*.txt "?" \\[a]`,
  ])('%s', async (words) => {
    expect(await tosh(words)).toBe(bash(words));
  });

  // Bug: brace expansion runs on the parsed word, so `$N{a,b}` is `${N}a ${N}b`; bash expands the braces
  // first, giving `$Na $Nb` (both unset: no words).
  it.fails.each([`$N{a,b}`, `x$N{a,b}y`])('%s (bug)', async (words) => {
    expect(await tosh(words)).toBe(bash(words));
  });

  // A quoted empty default is one empty word; after an unmatched `{` the braces that match are expanded.
  it.each([`\${U:-""} x`, `{{a,b} x{y{1,2}`])('%s', async (words) => {
    expect(await tosh(words)).toBe(bash(words));
  });

  // On purpose: arithmetic past 64 bits is an error where bash wraps around silently
  // (`$((2**63))` is -9223372036854775808 there, `$((2**64))` is 0): a wrong number is worse than a clear stop.
  it.each([`$((2**63))`, `$((9223372036854775807+1))`, `$((3*2**62))`])('%s is out of range, not wrapped', async (words) => {
    expect(bash(words)).toMatch(/^\[-?\d+\]$/);
    await expect(tosh(words)).rejects.toThrow('is out of range (more than 64 bits)');
  });

  it('knows root, whose home is in /etc/passwd', () => {
    expect(ROOT_HOME).toBe('/root');
    expect(homeOf(NO_USER)).toBeUndefined();
  });
});

describe('expansion: positional parameters, as bash does it', () => {
  const three = ['a b', '', 'c'];
  it.each<[string, string[]]>([
    [`"$@"`, three],
    [`"x$@y"`, three],
    [`"$@" "$@"`, three],
    [`"\${@}" "-\${@}-"`, three],
    [`"$*" "x$*y"`, three],
    [`$# "$1" "$2" "$3" "$4" "\${1}" "\${3}" $3`, three],
    [`"$@"`, ['one']],
    [`"$@" "$*"`, [' spaced  out ', 'x']],
    [`\${#1} "\${1:-d}" "\${2:-d}" \${2-d} "\${4:-d}" \${1:+set}`, three],
    [`"\${10}" $10 "\${11}"`, ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'ten', 'eleven']],
    [`"$@""$@" "$*$*" "$#$@"`, ['a', 'b']],
    // No parameters: `"$@"` is no word at all, but `"x$@"` is one, and `"$*"` an empty one.
    [`"$@"`, []],
    [`"$@" x "$@"`, []],
    [`"x$@" "$@y"`, []],
    [`"$*" $* $@`, []],
    [`"\${@}" $# "$1"`, []],
    [`\${1+"$@"} "\${@:-x}" "\${*:-x}"`, []],
  ])('%s with %j', async (words, positional) => {
    expect(await tosh(words, positional)).toBe(bash(words, positional));
  });

  it.each<[string, string[]]>([
    // `"$@"` in an operator's word stays one word per parameter; an operator on `@` applies to each.
    [`\${1+"$@"}`, ['a b', 'c']],
    [`\${U:-"$@"}`, ['a b', 'c']],
    [`"\${@#a}"`, ['ab', 'b']],
    // Two `$@` in one quoted word give no word when there are no parameters.
    [`"$@$@"`, []],
  ])('%s with %j, through operators', async (words, positional) => {
    expect(await tosh(words, positional)).toBe(bash(words, positional));
  });
});

describe('expansion: where tosh differs from bash on purpose', () => {
  it.each([
    // A variable's value stays one word and is never a pattern (zsh, fish).
    ['$A $S', '[x  y][ lead trail ]', '[x][y][lead][trail]'],
    ['$B x$B', '[*][x*]', undefined],
    // ... nor is the result of any parameter expansion.
    ['${U:-a b} ${N:+p  q}', '[a b][p  q]', '[a][b][p][q]'],
    ['${U:-*.md} ${P/*/*.md}', '[*.md][*.md]', '[c.md][c.md]'],
    ['${N/1/${A:-x}}', '[x  y2]', '[x][y2]'],
    // The output of $(…) is split but not globbed (zsh, fish).
    ["$(echo '*.md') $(echo '[ab].txt')", '[*.md][[ab].txt]', '[c.md][a.txt][b.txt]'],
    ["`echo '*.md'`", '[*.md]', '[c.md]'],
    // Nor is the value of $((…)) split (bash splits it on IFS, which has no digits: the same here).
    ['$((N))', '[12]', '[12]'],
  ])('%s', async (words, expected, bashGives) => {
    expect(await tosh(words)).toBe(expected);
    if (bashGives !== undefined) expect(bash(words)).toBe(bashGives);
    else expect(bash(words)).not.toBe(expected);
  });

  it.each<[string, string[], string, string]>([
    // Unquoted `$@` and `$*` give one word per parameter, never split; empty ones drop out.
    ['$@', ['a b', '', 'c'], '[a b][c]', '[a][b][c]'],
    ['$*', ['a b', '', 'c'], '[a b][c]', '[a][b][c]'],
    ['$1 x$2', ['a  b', '*'], '[a  b][x*]', '[a][b][x*]'],
    ['${1} ${1:-d}', ['a  b'], '[a  b][a  b]', '[a][b][a][b]'],
  ])('%s with %j', async (words, positional, expected, bashGives) => {
    expect(await tosh(words, positional)).toBe(expected);
    expect(bash(words, positional)).toBe(bashGives);
  });

  it.each([
    ['*.foo', "no matches for '*.foo'"],
    ['a.txt sub/*.none', "no matches for 'sub/*.none'"],
    ['~/nothing*', "no matches for '~/nothing*'"],
    ['.hdir/*/x', "no matches for '.hdir/*/x'"],
    ['[z]*', "no matches for '[z]*'"],
    ['x=*', "no matches for 'x=*'"],
    ['nodir/*', "no matches for 'nodir/*'"],
    // Each word of a brace expansion is a glob of its own.
    ['{a,z}*.txt', "no matches for '{a,z}*.txt'"],
  ])('%s without a match is an error (status 1)', async (words, message) => {
    const error = await tosh(words).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ShellError);
    expect((error as ShellError).message).toBe(message);
    expect((error as ShellError).exitCode).toBe(1);
  });

  it('keeps a matching literal path and an absolute pattern as written', async () => {
    expect(await tosh(`${cwd}/*.md ${cwd}//sub/*.txt`)).toBe(`[${cwd}/c.md][${cwd}//sub/x.txt]`);
  });

  it('passes errors of $(…) on', async () => {
    const failing = env([], {
      substitute: async () => {
        throw new ShellError('boom', 5);
      },
    });
    await expect(expandWords(commandOf('f $(x)').words, failing)).rejects.toThrow('boom');
  });

  it('expands words without a $(…) without a promise', async () => {
    const words = commandOf('f $N ${U:-w} $((1+1)) {a,b} ~ "$@"').words;
    expect(expandWords(words, env(['p']))).toEqual(['f', '12', 'w', '2', 'a', 'b', HOME, 'p']);
    const later = expandWords(commandOf('f $(x)').words, env([], { substitute: async () => 'x' }));
    expect(later).toBeInstanceOf(Promise);
    await expect(later).resolves.toEqual(['f', 'x']);
  });

  it('hands the parsed body and the text of each $(…) to substitute, in order', async () => {
    const seen: [string, string][] = [];
    const traced = env([], {
      substitute: async (body, text) => {
        const c = body.items[0]?.first.commands[0];
        seen.push([text, c?.kind === 'simple' ? (c.words[0]?.value ?? '') : (c?.kind ?? '')]);
        return 'out\n\n';
      },
    });
    expect(await expandWords(commandOf('f $(a b) "`c`" $(if x; then y; fi)').words, traced)).toEqual(['f', 'out', 'out', 'out']);
    expect(seen).toEqual([
      ['a b', 'a'],
      ['c', 'c'],
      ['if x; then y; fi', 'if'],
    ]);
  });
});

describe('expansion: ${…} that fails, assigns, and set -u', () => {
  const failure = async (words: string, e: ExpandEnv = env()) => {
    try {
      await tosh(words, [], e);
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it.each([
    ['${U:?m}', 'U: m'],
    ['${U?m}', 'U: m'],
    ['${E:?m}', 'E: m'],
    ['${U:?}', 'U: parameter null or not set'],
    ['"${U:?the $N things}"', 'U: the 12 things'],
  ])('%s throws %j (bash: the same message)', async (words, message) => {
    const error = await failure(words);
    expect(error).toBeInstanceOf(ExpansionError);
    expect((error as ExpansionError).message).toBe(message);
    expect((error as ExpansionError).exitCode).toBe(1);
    const result = spawnSync('bash', ['-c', `f() { :; }; f ${words}`], { env: bashEnv(), encoding: 'utf8' });
    expect(result.stderr).toBe(`bash: line 1: ${message}\n`);
  });

  it.each([
    ['$((1/0))', "arithmetic: division by zero in '1/0'"],
    ['$((5%0))', "arithmetic: division by zero in '5%0'"],
    ['$((1+))', "arithmetic: syntax error in '1+'"],
    ['$((08))', "arithmetic: '08' is not a number (in '08')"],
    ['$((2**-1))', "arithmetic: negative exponent in '2**-1'"],
  ])('%s throws %j (bash fails too)', async (words, message) => {
    const error = await failure(words);
    expect(error).toBeInstanceOf(ExpansionError);
    expect((error as ExpansionError).message).toBe(message);
    expect((error as ExpansionError).exitCode).toBe(1);
    expect(spawnSync('bash', ['-c', `f() { :; }; f ${words}`], { env: bashEnv(), encoding: 'utf8' }).status).toBe(1);
  });

  it('assigns with ${x:=w} and ${x=w}, and $((x=…)), into the environment', async () => {
    const e = env();
    expect(await tosh('${U:=w} ${E:=v} ${N:=z} ${U2=u} $((K=N+1)) $((K+=1)) $K', [], e)).toBe('[w][v][12][u][13][14][14]');
    expect(e.vars).toMatchObject({ U: 'w', E: 'v', N: '12', U2: 'u', K: '14' });
  });

  it('refuses to assign to a special or positional parameter', async () => {
    const error = await failure('${1:=x}');
    expect(error).toBeInstanceOf(ShellError);
    expect((error as ShellError).message).toBe('1: cannot assign in this way');
  });

  it.each([
    ['$U', 'U: unbound variable'],
    ['"x${U}y"', 'U: unbound variable'],
    ['${#U}', 'U: unbound variable'],
    ['$1', '1: unbound variable'],
  ])('set -u: %s throws %j', async (words, message) => {
    const error = await failure(words, env([], { nounset: true }));
    expect(error).toBeInstanceOf(ExpansionError);
    expect((error as ExpansionError).message).toBe(message);
    // Bash names `$1` with its `$` (`bash: $1: unbound variable`).
    const result = spawnSync('bash', ['-c', `set -u; f() { :; }; f ${words}`], { env: bashEnv(), encoding: 'utf8' });
    expect(result.stderr.replace(': $1:', ': 1:')).toMatch(new RegExp(`: ${message.replace(/[$]/g, '\\$')}\n$`));
  });

  it('set -u: set, empty, defaulted and special parameters are fine', async () => {
    const words = '$N "$E" ${U:-d} ${U-d} ${U:+x} "$@" $* $# $?';
    expect(await tosh(words, [], env([], { nounset: true }))).toBe('[12][][d][d][0][3]');
    const result = spawnSync('bash', ['-c', `set -u; f() { for a in "$@"; do printf '[%s]' "$a"; done; }; (exit 3); f ${words}`], {
      env: bashEnv(),
      encoding: 'utf8',
    });
    expect(result.stdout).toBe('[12][][d][d][0][3]');
  });

  it('gives $$ and $0 from the shell', async () => {
    expect(await tosh('$$ "$0" ${#0}')).toBe('[4242][tosh][4]');
  });
});

describe('expansion of assignment values, case patterns and redirect targets', () => {
  /** What bash stores for `X=value`. */
  function bashValue(value: string): string {
    const script = `(exit ${STATUS}); X=${value}; printf '[%s]' "$X"`;
    return spawnSync('bash', ['-c', script], { cwd, env: bashEnv(), encoding: 'utf8' }).stdout;
  }

  it.each([
    '$A*',
    '~/a:~/b:x~',
    '$(echo "a  b")',
    '*',
    '',
    '"$E"',
    '$N$?',
    "'~'/x",
    '~"/x"',
    '{a,b}',
    '${U:-a  b}',
    '$((N*3))',
    '`echo  x`',
    '$P${P#*.}',
  ])('X=%s as bash', async (value) => {
    const assignment = commandOf(`X=${value} cmd`).assignments[0];
    expect(assignment?.name).toBe('X');
    expect(`[${await expandAssignment(assignment?.value as Word, env())}]`).toBe(bashValue(value));
  });

  // `~user` after `=` or `:` in an assignment is expanded (`X=~root/bin` is `/root/bin`).
  it.each(['~root/bin', 'a:~root', '~root:~/y'])('X=%s as bash, with a user', async (value) => {
    const assignment = commandOf(`X=${value} cmd`).assignments[0];
    expect(`[${await expandAssignment(assignment?.value as Word, env())}]`).toBe(bashValue(value));
  });

  /** Whether bash's `case TEXT in PATTERN)` matches. */
  const bashMatches = (text: string, pattern: string) =>
    spawnSync('bash', ['-c', `case ${sq(text)} in ${pattern}) echo yes;; *) echo no;; esac`], { env: bashEnv(), encoding: 'utf8' })
      .stdout === 'yes\n';

  it.each([
    ['abc', 'a*'],
    ['abc', '"a*"'],
    ['a*', '"a*"'],
    ['a*', 'a\\*'],
    ['abc', '?b?'],
    ['abc', '[a-c]bc'],
    ['xbc', '[!a]bc'],
    ['12', '$N'],
    ['x', '$B'],
    ['x', '"$B"'],
    ['*', '"$B"'],
    ['abc', '${U:-a}*'],
    ['/usr/local/lib.tar.gz', '*.gz'],
    ['', '""'],
    ['', '*'],
  ])('case %j in %s) matches as in bash', async (text, pattern) => {
    const word = parse(`case x in ${pattern}) ;; esac`).items[0]?.first.commands[0];
    const patternWord = word?.kind === 'case' ? word.items[0]?.patterns[0] : undefined;
    expect(await matchCase(text, patternWord as Word, env())).toBe(bashMatches(text, pattern));
  });

  const target = (line: string) => {
    const redirect = commandOf(`cmd ${line}`).redirects[0];
    if (!redirect || redirect.kind === 'heredoc') throw new Error('no file redirect');
    return expandRedirectTarget(redirect.target, env());
  };

  it.each([
    ['> *.md', 'c.md'],
    ['> ~/out', `${HOME}/out`],
    ['2> "$A"', 'x  y'],
    ['>> $A', 'x  y'],
    ['< "*.md"', '*.md'],
    ['> ""', ''],
    ['> ${U:-def}', 'def'],
    ['>&$N', '12'],
    ['> ~root/f', `${ROOT_HOME}/f`],
  ])('%s', async (line, expected) => {
    expect(await target(line)).toBe(expected);
  });

  it.each([
    ['> *.txt', "ambiguous redirect: '*.txt' gives 4 file names"],
    ['> $E', "ambiguous redirect: '$E' gives no file name"],
    ['> $(echo a b)', "ambiguous redirect: '$(echo a b)' gives 2 file names"],
    ['> {a,b}', "ambiguous redirect: '{a,b}' gives 2 file names"],
    ['> *.none', "no matches for '*.none'"],
  ])('%s is an error', async (line, message) => {
    await expect(target(line)).rejects.toThrow(message);
  });

  it('expands here-documents (unless quoted) and here-strings', async () => {
    const command = commandOf('cat <<E <<\'L\' <<-T <<< "$N x" 3<<<$A\n$N $(echo a) \\$N ${U:-d} $((1+1))\nE\n$N\nL\n\t\t$N\n\tT\n');
    expect(await expandRedirects(command.redirects, env())).toEqual([
      { kind: 'heredoc', fd: 0, text: '12 a $N d 2\n', op: '<<' },
      { kind: 'heredoc', fd: 0, text: '$N\n', op: '<<' },
      { kind: 'heredoc', fd: 0, text: '12\n', op: '<<-' },
      // A here-string is the word and a newline.
      { kind: 'heredoc', fd: 0, text: '12 x\n', op: '<<<' },
      { kind: 'heredoc', fd: 3, text: 'x  y\n', op: '3<<<' },
    ]);
  });
});

describe('expandCommand', () => {
  it('expands words, then redirects, then assignments, keeping the order of redirects', async () => {
    const calls: string[] = [];
    const traced = env([], {
      substitute: async (_body, line) => {
        calls.push(line);
        return `${line}\n`;
      },
    });
    const command = commandOf('X=$(x) ^prog $(a) *.md $UNSET 2>&1 > $(r) 2>> "$N" < ~/in &> both 3<&0 4>&- <> rw');
    expect(await expandCommand(command, traced)).toEqual({
      argv: ['prog', 'a', 'c.md'],
      assignments: [{ name: 'X', value: 'x' }],
      redirects: [
        // Changed: `2>&1` is a dup whose target is the word `1`.
        { kind: 'dup', fd: 2, target: '1', op: '2>&' },
        { kind: 'write', fd: 1, path: 'r', op: '>' },
        { kind: 'append', fd: 2, path: '12', op: '2>>' },
        { kind: 'read', fd: 0, path: `${HOME}/in`, op: '<' },
        { kind: 'write', fd: 1, both: true, path: 'both', op: '&>' },
        { kind: 'dup', fd: 3, target: '0', op: '3<&' },
        { kind: 'dup', fd: 4, target: '-', op: '4>&' },
        { kind: 'readwrite', fd: 0, path: 'rw', op: '<>' },
      ],
      external: true,
    });
    expect(calls).toEqual(['a', 'r', 'x']);
  });

  it('gives no argv for a command of assignments only or of empty words', async () => {
    expect(await expandCommand(commandOf('A=1 B="$N"'), env())).toEqual({
      argv: [],
      assignments: [
        { name: 'A', value: '1' },
        { name: 'B', value: '12' },
      ],
      redirects: [],
      external: false,
    });
    expect((await expandCommand(commandOf('$UNSET $E "$@"'), env())).argv).toEqual([]);
    // Changed (§14): redirects alone are a command too.
    expect(await expandCommand(commandOf('> $N'), env())).toEqual({
      argv: [],
      assignments: [],
      redirects: [{ kind: 'write', fd: 1, path: '12', op: '>' }],
      external: false,
    });
  });

  it('lets each assignment see the ones before it, as bash does', async () => {
    const { assignments } = await expandCommand(commandOf('A=1 B=$A$N C=${B}x N=n D=$N'), env());
    expect(assignments).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '112' },
      { name: 'C', value: '112x' },
      { name: 'N', value: 'n' },
      { name: 'D', value: 'n' },
    ]);
    const result = spawnSync('bash', ['-c', 'A=1 B=$A$N C=${B}x N=n D=$N; printf "[%s]" "$A" "$B" "$C" "$N" "$D"'], {
      env: bashEnv(),
      encoding: 'utf8',
    });
    expect(result.stdout).toBe('[1][112][112x][n][n]');
  });
});
