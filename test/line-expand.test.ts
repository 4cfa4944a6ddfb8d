// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell lines, where ${NAME} is meant literally
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ShellError } from '../shell/base/errors.ts';
import { type ExpandEnv, expandAssignment, expandCommand, expandRedirectTarget, expandWords } from '../shell/line/expand.ts';
import type { Word } from '../shell/line/lexer.ts';
import { type CommandNode, parse } from '../shell/line/parser.ts';
import { tempDir } from './helpers/tosh.ts';

/**
 * Expected values come from bash itself wherever tosh's rule is the POSIX one:
 * each case runs `bash -O globstar -c 'f WORDS'` (f prints each argument as
 * `[arg]`) in the same directory with the same variables. Where tosh differs
 * on purpose (no splitting or globbing of variable values, no glob of `$(…)`
 * output, a glob without match is an error) the expectation is written out.
 */

const HOME = '/home/tester';
const VARS: Record<string, string> = { A: 'x  y', B: '*', E: '', N: '12', S: ' lead trail ', Q: 'it\'s "q"' };
const STATUS = 3;
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

const env = (): ExpandEnv => ({
  vars: (name) => VARS[name],
  status: STATUS,
  home: HOME,
  cwd,
  // The lines inside `$(…)` in these cases mean the same to bash, which runs them here.
  substitute: async (line) => execFileSync('bash', ['-c', line], { cwd, encoding: 'utf8' }),
});

const bashEnv = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME, LC_ALL: 'C', ...VARS });

/** What bash makes of `words` as a command's arguments. */
function bash(words: string): string {
  const script = `f() { for a in "$@"; do printf '[%s]' "$a"; done; }; (exit ${STATUS}); f ${words}`;
  const result = spawnSync('bash', ['-O', 'globstar', '-c', script], { cwd, env: bashEnv(), encoding: 'utf8' });
  expect(result.stderr).toBe('');
  return result.stdout;
}

async function tosh(words: string): Promise<string> {
  const command = parse(`f ${words}`).items[0]?.pipeline.commands[0];
  const args = await expandWords(command?.words.slice(1) ?? [], env());
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
    // Variables, also inside double quotes.
    `$N \${N}x x$N "$N" "\${N}"y`,
    `"$A" "x$A" "$S" "$Q"`,
    `$E "$E" x$E $UNSET "$UNSET" x$UNSET ""$UNSET $UNSET$E "$UNSET"$E`,
    `$? "$?" \${?} x$?y`,
    `$ a$ "$" "a $ b" $%`,
    `$N_x \${N}_x`,
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
    // Home: unquoted, at the start of a word, alone or before a slash.
    `~ ~/x ~/ "~" '~' \\~ x~ ~x "~/x" ~/"a b"`,
    // ... and after `=` and `:` in a word that looks like an assignment (`export P=~/bin`).
    `a=~/x:~/y:~ b=~ b:~/z --c=~/w "a"=~/q a="~"/r a=x~:~y`,
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
});

describe('expansion: where tosh differs from bash on purpose', () => {
  it.each([
    // A variable's value stays one word and is never a pattern (zsh, fish).
    ['$A $S', '[x  y][ lead trail ]', '[x][y][lead][trail]'],
    ['$B x$B', '[*][x*]', undefined],
    // The output of $(…) is split but not globbed (zsh, fish).
    ["$(echo '*.md') $(echo '[ab].txt')", '[*.md][[ab].txt]', '[c.md][a.txt][b.txt]'],
    // No positional parameters: `$1` is text.
    ['$1 "$2"', '[$1][$2]', '[]'],
  ])('%s', async (words, expected, bashGives) => {
    expect(await tosh(words)).toBe(expected);
    if (bashGives !== undefined) expect(bash(words)).toBe(bashGives);
    else expect(bash(words)).not.toBe(expected);
  });

  it.each([
    ['*.foo', "no matches for '*.foo'"],
    ['a.txt sub/*.none', "no matches for 'sub/*.none'"],
    ['~/nothing*', "no matches for '~/nothing*'"],
    ['.hdir/*/x', "no matches for '.hdir/*/x'"],
    ['[z]*', "no matches for '[z]*'"],
    ['x=*', "no matches for 'x=*'"],
    ['nodir/*', "no matches for 'nodir/*'"],
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
    const failing: ExpandEnv = {
      ...env(),
      substitute: async () => {
        throw new ShellError('boom', 5);
      },
    };
    const words = parse('f $(x)').items[0]?.pipeline.commands[0]?.words ?? [];
    await expect(expandWords(words, failing)).rejects.toThrow('boom');
  });
});

describe('expansion of assignment values and redirect targets', () => {
  /** What bash stores for `X=value`. */
  function bashValue(value: string): string {
    const script = `(exit ${STATUS}); X=${value}; printf '[%s]' "$X"`;
    return spawnSync('bash', ['-c', script], { cwd, env: bashEnv(), encoding: 'utf8' }).stdout;
  }

  it.each(['$A*', '~/a:~/b:x~', '$(echo "a  b")', '*', '', '"$E"', '$N$?', "'~'/x", '~"/x"'])('X=%s as bash', async (value) => {
    const assignment = parse(`X=${value} cmd`).items[0]?.pipeline.commands[0]?.assignments[0];
    expect(assignment?.name).toBe('X');
    expect(`[${await expandAssignment(assignment?.value as Word, env())}]`).toBe(bashValue(value));
  });

  const target = (line: string) => {
    const redirect = parse(`cmd ${line}`).items[0]?.pipeline.commands[0]?.redirects[0];
    if (redirect?.kind === 'dup' || !redirect) throw new Error('no file redirect');
    return expandRedirectTarget(redirect.target, env());
  };

  it.each([
    ['> *.md', 'c.md'],
    ['> ~/out', `${HOME}/out`],
    ['2> "$A"', 'x  y'],
    ['>> $A', 'x  y'],
    ['< "*.md"', '*.md'],
    ['> ""', ''],
  ])('%s', async (line, expected) => {
    expect(await target(line)).toBe(expected);
  });

  it.each([
    ['> *.txt', "ambiguous redirect: '*.txt' gives 4 file names"],
    ['> $E', "ambiguous redirect: '$E' gives no file name"],
    ['> $(echo a b)', "ambiguous redirect: '$(echo a b)' gives 2 file names"],
    ['> *.none', "no matches for '*.none'"],
  ])('%s is an error', async (line, message) => {
    await expect(target(line)).rejects.toThrow(message);
  });
});

describe('expandCommand', () => {
  it('expands words, then redirects, then assignments, keeping the order of redirects', async () => {
    const calls: string[] = [];
    const traced: ExpandEnv = {
      ...env(),
      substitute: async (line) => {
        calls.push(line);
        return `${line}\n`;
      },
    };
    const command = parse('X=$(x) ^prog $(a) *.md $UNSET 2>&1 > $(r) 2>> "$N" < ~/in').items[0]?.pipeline.commands[0];
    expect(await expandCommand(command as CommandNode, traced)).toEqual({
      argv: ['prog', 'a', 'c.md'],
      assignments: [{ name: 'X', value: 'x' }],
      redirects: [
        { kind: 'dup', fd: 2, target: 1, op: '2>&1' },
        { kind: 'write', fd: 1, path: 'r', op: '>' },
        { kind: 'append', fd: 2, path: '12', op: '2>>' },
        { kind: 'read', fd: 0, path: `${HOME}/in`, op: '<' },
      ],
      external: true,
    });
    expect(calls).toEqual(['a', 'r', 'x']);
  });

  it('gives no argv for a command of assignments only or of empty words', async () => {
    const only = parse('A=1 B="$N"').items[0]?.pipeline.commands[0];
    expect(await expandCommand(only as CommandNode, env())).toEqual({
      argv: [],
      assignments: [
        { name: 'A', value: '1' },
        { name: 'B', value: '12' },
      ],
      redirects: [],
      external: false,
    });
    const empty = parse('$UNSET $E').items[0]?.pipeline.commands[0];
    expect((await expandCommand(empty as CommandNode, env())).argv).toEqual([]);
  });
});
