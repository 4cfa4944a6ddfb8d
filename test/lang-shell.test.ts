/**
 * Contract §14 where tosh is more than bash: plugin commands everywhere a
 * program can be, errors named by file and line, scripts parsed whole before
 * they run, and the bad inputs, each one clear line with the shell going on.
 * (What bash also does is compared byte for byte in lang-compat.test.ts.)
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir, tosh } from './helpers/tosh.ts';

const plugins = fixture('lang-plugins');
const run = (line: string, options: { cwd?: string; stdin?: string } = {}) => tosh(['--plugins', plugins, '-c', line], options);
const ok = (stdout: string) => ({ stdout, stderr: '', code: 0 });

describe('plugin commands take part in the language (§14)', () => {
  it.each([
    ['as conditions, by their status', 'if check 0; then echo yes; fi; if check 3; then echo no; else echo "else $?"; fi', 'yes\nelse 3\n'],
    ['in && and || lists', 'check 0 && echo a; check 1 || echo b', 'a\nb\n'],
    ['as while conditions', 'n=3; while check $n; do echo never; done; echo "ended $?"', 'ended 0\n'],
    ['in loops, with values between them', 'for n in 1 2 3; do rows $n | count; done', '1\n2\n3\n'],
    ['in functions, with the value of the function piped on', 'f() { rows 4; }; f | count', '4\n'],
    ['in $(…)', 'x=$(rows 2 | count); echo "got $x"', 'got 2\n'],
    ['reading what a loop writes', 'for w in a b; do echo $w; done | shout', 'A\nB\n'],
    [
      'in a case inside a function called from a while inside $(…)',
      'f() { case $1 in r) rows 2 | count;; *) echo other;; esac; }; echo "$(for x in r s; do f $x; done)"',
      '2\nother\n',
    ],
    ['as a pipeline of values inside if', 'if [ "$(rows 3 | count)" -eq 3 ]; then echo three; fi', 'three\n'],
  ])('%s', async (_what, line, stdout) => {
    const result = await run(line);
    expect({ stdout: result.stdout, code: result.code }).toEqual({ stdout, code: 0 });
    // What the failing checks said, one line each.
    for (const text of result.stderr.split('\n').filter(Boolean)) expect(text).toMatch(/^tosh: check \d+$/);
  });

  it('runs the $(…) of an assignment once, a plugin command in it included', async () => {
    const r = await run('x=$(echo once >&2; check 0); A=$(echo a >&2) B=$(echo b >&2); y=$(check 4); echo "$? done"');
    expect(r).toEqual({ stdout: '4 done\n', stderr: 'once\na\nb\ntosh: check 4\n', code: 0 });
  });

  it('gives a function the value piped into it when its first command reads input', async () => {
    expect(await run('n() { count; }; rows 5 | n')).toEqual(ok('5\n'));
  });

  it('does not let a command that takes no input eat the file a while loop reads', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'in.txt'), 'one\ntwo\nthree\n');
    expect(await run('while read -r l; do echo "[$l]"; done < in.txt', { cwd })).toEqual(ok('[one]\n[two]\n[three]\n'));
  });
});

describe('errors in scripts name the file and line (§14)', () => {
  it('reports a syntax error anywhere before any of the script runs, with status 2', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'bad.tosh'), 'touch ran.txt\necho one\nif true; then\n  echo two\nfi fi\n');
    expect(await tosh(['bad.tosh'], { cwd })).toEqual({
      stdout: '',
      stderr: "tosh: bad.tosh:5: syntax error near unexpected token 'fi'\n",
      code: 2,
    });
    expect(existsSync(join(cwd, 'ran.txt'))).toBe(false);
  });

  it('names the line of a command that fails as it runs', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'build.tosh'), 'echo start\n\nnosuchcmd\necho end\n');
    expect(await tosh(['build.tosh'], { cwd })).toEqual({
      stdout: 'start\nend\n',
      stderr: "tosh: build.tosh:3: unknown command 'nosuchcmd'\n",
      code: 0,
    });
  });

  it('runs a script with CRLF line ends and a byte-order mark', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'dos.tosh'), '\uFEFFx=1\r\nif [ "$x" = 1 ]; then\r\n  echo "x is $x"\r\nfi\r\n');
    expect(await tosh(['dos.tosh'], { cwd })).toEqual(ok('x is 1\n'));
  });

  it('refuses a binary file as bash does, its bytes never printed', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'prog'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0xff, 0xfe, 10, 0x41]));
    expect(await tosh(['prog'], { cwd })).toEqual({ stdout: '', stderr: 'tosh: prog: cannot execute binary file\n', code: 126 });
    // Invalid UTF-8 without a NUL is text: an error about it is one line.
    writeFileSync(join(cwd, 'latin'), Buffer.from('echo caf\xe9\n', 'latin1'));
    expect(await tosh(['latin'], { cwd })).toEqual(ok('caf\uFFFD\n'));
  });
});

describe('bad input: one clear line, and the shell goes on (§14)', () => {
  it.each([
    ['an if left open', 'if true; then echo a', "tosh: syntax error: 'if' is not closed (missing 'fi')", 2],
    ['a for left open', 'for i in a b; do echo $i', "tosh: syntax error: 'for' is not closed (missing 'done')", 2],
    ['a case left open', 'case x in x) echo x;;', "tosh: syntax error: 'case' is not closed (missing 'esac')", 2],
    ['a group left open', '{ echo a;', "tosh: syntax error: '{' is not closed (missing '}')", 2],
    ['a subshell left open', '( echo a', "tosh: syntax error: '(' is not closed (missing ')')", 2],
    ['a here-document left open', 'cat <<EOF\nline', "tosh: here-document 'EOF' is not closed (no line 'EOF' before the end)", 2],
    ['fi without if', 'fi', "tosh: syntax error near unexpected token 'fi'", 2],
    ['done without a loop', 'echo a; done', "tosh: syntax error near unexpected token 'done'", 2],
    ['break outside a loop', 'break', "tosh: break: only meaningful in a 'for', 'while', or 'until' loop", 1],
    ['a division by zero', 'echo $((1/0))', "tosh: arithmetic: division by zero in '1/0'", 1],
    ['a number past 64 bits', 'echo $((2**64))', "tosh: arithmetic: '2**64' is out of range (more than 64 bits)", 1],
    ['${x:?message}', 'echo ${x:?gone}', 'tosh: x: gone', 1],
    ['recursion 10,000 deep', 'f() { f; }; f', 'tosh: f: nested more than 100 deep', 1],
  ])('%s', async (_what, line, message, code) => {
    expect(await run(line)).toEqual({ stdout: '', stderr: `${message}\n`, code });
    // The shell goes on: read from stdin, the line after it runs (an open construct would take that line in;
    // a failed expansion ends a script, as in sh).
    if (!message.includes('not closed') && !/arithmetic|x: gone/.test(message)) {
      const after = await tosh(['--plugins', plugins], { stdin: `${line}\necho still here\n` });
      expect(after).toEqual({ stdout: 'still here\n', stderr: `${message}\n`, code: 0 });
    }
  });

  it('ends the whole line at the nesting limit, whatever the callers do with the failure', async () => {
    expect(await run('f() { f || echo caught; }; f; echo after')).toEqual({
      stdout: '',
      stderr: 'tosh: f: nested more than 100 deep\n',
      code: 1,
    });
  });

  it('takes a 1 MB here-document', async () => {
    const cwd = tempDir();
    const body = `${'x'.repeat(1023)}\n`.repeat(1024);
    writeFileSync(join(cwd, 'big.tosh'), `wc -c <<'EOF'\n${body}EOF\nx=$(cat <<EOF\n${body}EOF\n)\necho \${#x}\n`);
    expect(await tosh(['big.tosh'], { cwd })).toEqual(ok('1048576\n1048575\n'));
  });
});
