/**
 * Contract §10: programs on PATH next to plugin commands, pipelines both ways,
 * expansion, redirects, cd/export/alias — through the real binary, against
 * real programs, and compared with what bash prints for the same lines.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shq, terminals } from './helpers/tmux.ts';
import { BIN, fixture, type ToshResult, tempDir, tosh } from './helpers/tosh.ts';

const plugins = fixture('programs');
/** A working directory with files to glob: a.txt b.txt .hidden.txt sub/c.md sub/deep/d.md */
function workdir(): string {
  const dir = realpathSync(tempDir('tosh-programs-'));
  for (const file of ['a.txt', 'b.txt', '.hidden.txt', 'sub/c.md', 'sub/deep/d.md', 'sub/e.txt']) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), `${file}\n`);
  }
  return dir;
}

const run = (line: string, options: { cwd?: string; env?: Record<string, string>; args?: string[] } = {}): Promise<ToshResult> =>
  tosh(['--plugins', plugins, ...(options.args ?? []), '-c', line], {
    cwd: options.cwd ?? workdir(),
    env: { FOO: 'hello', ...options.env },
  });

const ok = (stdout: string) => ({ stdout, stderr: '', code: 0 });
/** The first executable of that name on PATH, as `which` finds it. */
const which = (program: string) =>
  execFileSync('sh', ['-c', `for d in $(echo "$PATH" | tr : ' '); do [ -x "$d/${program}" ] && { echo "$d/${program}"; break; }; done`], {
    encoding: 'utf8',
  }).trim();

describe('which command runs (§10)', () => {
  it('runs programs from PATH, plugin commands first, ^name for the program', async () => {
    const cwd = workdir();
    expect(await run('ls', { cwd })).toEqual(ok('a.txt\nb.txt\nsub\n'));
    expect(await run('echo -n x', { cwd })).toEqual(ok('x')); // `echo` is the built-in plugin
    expect(await run('^echo -n x', { cwd })).toEqual(ok('x'));
    expect(await run('./sub/../a.txt', { cwd })).toEqual({ stdout: '', stderr: 'tosh: ./sub/../a.txt: permission denied\n', code: 126 });
  });

  it('explains each case with which', async () => {
    const home = tempDir('tosh-home-');
    writeFileSync(join(home, 'config.json'), JSON.stringify({ aliases: { ll: 'ls -l' } }));
    chmodSync(join(home, 'config.json'), 0o600);
    const result = await tosh(['--plugins', plugins, '-c', 'which ls; which ll; which upper; which ^echo'], { home, env: {} });
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`ls: external ${which('ls')}`);
    expect(lines[1]).toBe('ll: alias for ls -l');
    expect(lines[2]).toMatch(/^upper: text 1\.0\.0 \(.*text\.ts\)$/);
    expect(lines[3]).toBe(`echo: external ${which('echo')}`);
  });

  it('says unknown command, 127, for a word that is nothing', async () => {
    expect(await run('nosuchprogramx')).toEqual({ stdout: '', stderr: "tosh: unknown command 'nosuchprogramx'\n", code: 127 });
  });
});

describe('programs (§10)', () => {
  it('exit with their own status, 128+N when killed by a signal', async () => {
    expect(await run('sh -c "exit 7"')).toEqual({ stdout: '', stderr: '', code: 7 });
    expect(await run('sh -c "kill -TERM \\$\\$"')).toEqual({ stdout: '', stderr: '', code: 143 });
    expect(await run('sh -c "exit 3"; echo $?')).toEqual(ok('3\n'));
  });

  it('are 126 when not executable, with a message', async () => {
    const cwd = workdir();
    expect(await run('./sub', { cwd })).toEqual({ stdout: '', stderr: 'tosh: ./sub: is a directory\n', code: 126 });
  });

  it('stream: yes | head ends at once, quietly', async () => {
    expect(await run('yes | head -3')).toEqual(ok('y\ny\ny\n'));
  });

  it('find programs on PATH even when an entry does not exist', async () => {
    const result = await run('ls a.txt', { env: { PATH: `/nonexistent/bin:${process.env.PATH}` } });
    expect(result).toEqual(ok('a.txt\n'));
  });

  it('pipe program to program, program to plugin, plugin to program, with large data', async () => {
    expect(await run('seq 1 200000 | sort -rn | head -1')).toEqual(ok('200000\n'));
    expect(await run('seq 1 50000 | count-lines')).toEqual(ok('50000\n'));
    expect(await run('echo hello | tr a-z A-Z')).toEqual(ok('HELLO\n'));
    expect(await run('seq 1 3 | upper | wc -l')).toEqual(ok('3\n'));
    // Plugin to program: exactly the text `tosh -c` writes to a file.
    const file = await run('people');
    expect(await run('people | cat')).toEqual(ok(file.stdout));
    expect(await run('people | wc -l')).toEqual(ok('3\n'));
  });

  it('in a pipeline, each gets its own argv: the limit is the kernel’s, and past it one line and 126 (§10)', async () => {
    // 20,000 names of 10 bytes: 200 KB of words, past the 128 KiB a single `sh -c` string may be.
    const cwd = realpathSync(tempDir('tosh-argmax-'));
    for (let i = 0; i < 20000; i++) writeFileSync(join(cwd, `f${String(i).padStart(6, '0')}.x`), '');
    const bash = spawnSync('bash', ['-c', 'ls f*.x | wc -l; /bin/echo f* | wc -c'], { cwd, encoding: 'utf8' });
    expect(await run('ls f*.x | wc -l; ^echo f* | wc -c', { cwd })).toEqual(ok(bash.stdout));
    // One word longer than the kernel takes (MAX_ARG_STRLEN, 128 KiB): the program named, as bash says it.
    const line = "x=$(printf '%0200000d' 0); ^echo $x | cat; echo status $?; set -o pipefail; ^echo $x | cat; echo $?";
    expect(await run(line, { cwd })).toEqual({
      stdout: 'status 0\n126\n',
      stderr: 'tosh: echo: Argument list too long\ntosh: echo: Argument list too long\n',
      code: 0,
    });
  });

  it('run as many times as a script asks, with their statuses (a loop of programs)', async () => {
    const result = await run(
      'i=0; n=0; while [ $i -lt 12 ]; do sh -c "exit $((i % 3))" || n=$((n+1)); i=$((i+1)); done; echo $n; /bin/true | sh -c "exit 4"; echo $?',
    );
    expect(result).toEqual(ok('8\n4\n'));
  });

  it('print a program’s output as a string value with --json', async () => {
    expect(await run('ls a.txt b.txt', { args: ['--json'] })).toEqual(ok('"a.txt\\nb.txt\\n"\n'));
    expect(await run('echo a b --json')).toEqual(ok('"a b"\n'));
  });
});

describe('expansion, as bash does it (§10)', () => {
  // Lines whose meaning is the same in bash (with globstar) and tosh: the output must be the same.
  const same = [
    `printf '[%s]\\n' $FOO "$FOO" '$FOO' "\${FOO}x" \${FOO}`,
    `printf '[%s]\\n' *.txt`,
    `printf '[%s]\\n' .*.txt`,
    `printf '[%s]\\n' sub/*`,
    `printf '[%s]\\n' **/*.md`,
    `printf '[%s]\\n' ?.txt [ab].txt`,
    `printf '[%s]\\n' '*.txt' "*.txt" \\*.txt`,
    `printf '[%s]\\n' ~ ~/x "~" '~'`,
    `printf '[%s]\\n' $(printf 'one two')`,
    `printf '[%s]\\n' "$(printf 'one two')" "$(printf 'a\\n\\n')"`,
    `false; printf '[%s]\\n' $?`,
    `printf '[%s]\\n' "$NOPE" x$NOPE`,
    `A=1 B=$A sh -c 'printf "[%s]\\n" "$A" "$B"'`,
    // $(…) runs as a subshell: what it changes stays inside.
    `x=$(cd sub; export LEAK=1); printf '[%s]\\n' "$(pwd)" "$LEAK" "$(cd sub; pwd)"`,
  ];
  it.each(same)('%s', async (line) => {
    const cwd = workdir();
    const env = { PATH: process.env.PATH, HOME: cwd, FOO: 'hello' };
    const bash = spawnSync('bash', ['-O', 'globstar', '-c', line], { cwd, env, encoding: 'utf8' });
    expect(bash.status).toBe(0);
    expect(await run(line, { cwd, env: { HOME: cwd } })).toEqual(ok(bash.stdout));
  });

  it('keeps a variable one word, unquoted too (as zsh and fish)', async () => {
    expect(await run(`printf '[%s]\\n' $V`, { env: { V: 'a b  c' } })).toEqual(ok('[a b  c]\n'));
    expect(await run('say $V', { env: { V: 'a b' } })).toEqual(ok('[a b]\n'));
  });

  it('splits $(…) unquoted and runs tosh lines inside it', async () => {
    expect(await run('say $(echo one two) "$(echo one two)"')).toEqual(ok('[one]\n[two]\n[one two]\n'));
  });

  it('fails a glob that matches nothing', async () => {
    expect(await run('ls *.foo')).toEqual({ stdout: '', stderr: "tosh: no matches for '*.foo'\n", code: 1 });
  });

  it('asks for more of an unclosed $( (usage error outside the interactive shell)', async () => {
    expect(await run('echo $(pwd')).toEqual({ stdout: '', stderr: "tosh: unbalanced '$(': missing closing ')'\n", code: 2 });
  });
});

describe('SIGINT sent to tosh alone (§11)', () => {
  it('stops the program a -c line runs: status 130, the rest of the line not run', async () => {
    // The program says it has started, then becomes sleep: SIGINT is sent once it is running.
    const child = spawn(process.execPath, [BIN, '--plugins', plugins, '-c', "^sh -c 'echo started; exec sleep 10'; echo after"], {
      cwd: workdir(),
      env: { PATH: process.env.PATH, HOME: tempDir('tosh-home-'), TOSH_HOME: tempDir('tosh-home-') },
    });
    let out = '';
    const started = new Promise<void>((resolve) =>
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('started\n')) resolve();
      }),
    );
    await started;
    const sent = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect({ code, out, quick: Date.now() - sent < 3000 }).toEqual({ code: 130, out: 'started\n', quick: true });
  });
});

describe('redirects (§10)', () => {
  it('sends stdout and stderr to files, appends, joins them, reads stdin from a file', async () => {
    const cwd = workdir();
    expect(await run('ls a.txt nope > out.txt 2> err.txt', { cwd })).toEqual({ stdout: '', stderr: '', code: 2 });
    expect(readFileSync(join(cwd, 'out.txt'), 'utf8')).toBe('a.txt\n');
    expect(readFileSync(join(cwd, 'err.txt'), 'utf8')).toMatch(/^ls: cannot access 'nope': No such file or directory\n$/);
    expect(await run('ls nope 2>&1 | wc -l', { cwd })).toEqual(ok('1\n'));
    expect(await run('echo one > f; echo two >> f; cat < f', { cwd })).toEqual(ok('one\ntwo\n'));
    expect(await run('count-lines < f', { cwd })).toEqual(ok('2\n'));
    expect(await run('wc -l < f > n; cat n', { cwd })).toEqual(ok('2\n'));
    expect(await run('getenv NOPE --nope 2> e; cat e', { cwd })).toEqual(ok("tosh: getenv: unexpected argument '--nope'\n"));
  });

  it('applies to plugin commands as sh applies them: in order, files opened first, errors included', async () => {
    const cwd = workdir();
    // Everything a plugin prints, its value and its error messages follow its redirects.
    expect(await run('both 2>&1', { cwd })).toEqual(ok('printed\nwarned\nreturned\n'));
    expect(await run('both > o 2>&1; cat o', { cwd })).toEqual(ok('printed\nwarned\nreturned\n'));
    expect(await run('both 2>&1 > o; cat o', { cwd })).toEqual(ok('warned\nprinted\nreturned\n'));
    expect(await run('both >&2', { cwd })).toEqual({ stdout: '', stderr: 'printed\nwarned\nreturned\n', code: 0 });
    expect(await run('fails 2>&1', { cwd })).toEqual({ stdout: 'tosh: it failed\n', stderr: '', code: 1 });
    expect(await run('fails 2>&1 | wc -l', { cwd })).toEqual(ok('1\n'));
    // A failing command's file is still created (and emptied), as sh opens it first.
    writeFileSync(join(cwd, 'old'), 'old\n');
    expect(await run('fails > old', { cwd })).toEqual({ stdout: '', stderr: 'tosh: it failed\n', code: 1 });
    expect(readFileSync(join(cwd, 'old'), 'utf8')).toBe('');
    // So does an unknown command's; its message goes where its errors go.
    expect(await run('nosuchprogramx > made 2> why; cat why; cat made', { cwd })).toEqual(ok("tosh: unknown command 'nosuchprogramx'\n"));
  });

  it('feeds a program all a plugin printed, then its value, as tosh -c writes them to a file', async () => {
    const cwd = workdir();
    expect(await run('both | cat', { cwd })).toEqual({ stdout: 'printed\nreturned\n', stderr: 'warned\n', code: 0 });
    expect(await run('both > f 2> /dev/null; cat f', { cwd })).toEqual(ok('printed\nreturned\n'));
  });

  it('gives a pipeline the status of its last command, as sh does, whatever failed before it', async () => {
    const cwd = workdir();
    const bash = (line: string) => spawnSync('bash', ['-c', line], { cwd, encoding: 'utf8' }).stdout;
    expect(bash('false | cat; echo "[$?]"; nosuchprogramx 2>/dev/null | cat; echo "[$?]"')).toBe('[0]\n[0]\n');
    expect(await run('fails 7 | cat; echo "[$?]"; nosuchprogramx 2>/dev/null | cat; echo "[$?]"', { cwd })).toEqual({
      stdout: '[0]\n[0]\n',
      stderr: 'tosh: it failed\n',
      code: 0,
    });
    expect(await run('ls | fails 3', { cwd })).toEqual({ stdout: '', stderr: 'tosh: it failed\n', code: 3 });
  });

  it('names nothing for ^name when no program has that name', async () => {
    expect(await run('^upper')).toEqual({ stdout: '', stderr: "tosh: unknown command 'upper'\n", code: 127 });
  });

  it('says why a redirect cannot be made', async () => {
    const cwd = workdir();
    expect(await run('ls > sub', { cwd })).toEqual({ stdout: '', stderr: 'tosh: cannot write sub: is a directory\n', code: 1 });
    expect(await run("ls > ''", { cwd })).toEqual({
      stdout: '',
      stderr: 'tosh: redirect needs a file name (got an empty word)\n',
      code: 1,
    });
    expect(await run('cat < nope', { cwd })).toEqual({ stdout: '', stderr: 'tosh: cannot read nope: no such file\n', code: 1 });
  });
});

describe('the working directory and environment (§10)', () => {
  it('cd and pwd, cd -, cd home; plugins and programs follow, and so do redirects', async () => {
    const cwd = workdir();
    expect(
      await run('cd sub; pwd; here; ls; echo hi > here.txt; cat here.txt; cd -; cd; pwd', {
        cwd,
        env: { HOME: join(cwd, 'sub', 'deep') },
      }),
    ).toEqual(ok(`${cwd}/sub\n${cwd}/sub\nc.md\ndeep\ne.txt\nhi\n${cwd}\n${cwd}/sub/deep\n`));
  });

  it('says why cd fails', async () => {
    const cwd = workdir();
    expect(await run('cd nope', { cwd })).toEqual({ stdout: '', stderr: 'tosh: cd: nope: no such file or directory\n', code: 1 });
    expect(await run('cd a.txt', { cwd })).toEqual({ stdout: '', stderr: 'tosh: cd: a.txt: not a directory\n', code: 1 });
  });

  it('export, unset and NAME=value for one command, seen by plugins and programs', async () => {
    expect(await run('export X=1; sh -c "echo \\$X"; getenv X; unset X; getenv X; sh -c "echo [\\$X]"')).toEqual(ok('1\n1\n(unset)\n[]\n'));
    expect(await run('Y=2 sh -c "echo \\$Y"; Y=3 getenv Y; getenv Y')).toEqual(ok('2\n3\n(unset)\n'));
    expect(await run('Z=5; echo $Z; sh -c "echo [\\$Z]"; export Z; sh -c "echo \\$Z"')).toEqual(ok('5\n[]\n5\n'));
  });

  it('aliases: from config.json and from alias, replaced once', async () => {
    const home = tempDir('tosh-home-');
    writeFileSync(join(home, 'config.json'), JSON.stringify({ aliases: { hi: 'echo hi from config' } }));
    chmodSync(join(home, 'config.json'), 0o600);
    const result = await tosh(['--plugins', plugins, '-c', "hi; alias ll='ls -d'; ll /; alias ll; unalias ll; ll"], { home });
    expect(result).toEqual({
      stdout: "hi from config\n/\nalias ll='ls -d'\n",
      stderr: "tosh: unknown command 'll'\n",
      code: 127,
    });
  });
});

describe('in the interactive shell (§10)', () => {
  const terminal = terminals('tosh-programs');
  const start = () => {
    const home = realpathSync(tempDir('tosh-programs-home-'));
    const command = [
      `cd ${shq(home)} && TOSH_HOME=${shq(home)} HOME=${shq(home)} TERM=xterm-256color`,
      `${shq(process.execPath)} ${shq(BIN)} --plugins ${shq(plugins)};`,
      'echo "[exit $?]"; sleep 600',
    ].join(' ');
    return { ...terminal(command), home };
  };

  it('gives less and vim the terminal and takes it back, prompt and line intact', async () => {
    const t = start();
    await t.until('~ tosh> ');
    t.type('seq 1 200 | less');
    t.press('Enter');
    await t.until(/^:$/m);
    // Ctrl-C in the pager ending a pipeline: the line's status is still the pager's own.
    t.press('C-c');
    await new Promise((r) => setTimeout(r, 200));
    t.type('q');
    await t.until('~ tosh> seq 1 200 | less\n~ tosh> ');
    t.type('echo "[$?]"');
    t.press('Enter');
    await t.until('[0]\n~ tosh> ');
    t.type('vim notes.txt');
    t.press('Enter');
    await t.until('"notes.txt" [New]');
    t.type('ihello from vim');
    t.press('Escape');
    t.type(':wq');
    t.press('Enter');
    await t.until('~ tosh> vim notes.txt\n~ tosh> ');
    t.type('cat notes.txt');
    t.press('Enter');
    await t.until('hello from vim\n~ tosh> ');
  });

  it('sends Ctrl-C to the program: sleep ends with 130 and the shell stays', async () => {
    const t = start();
    await t.until('~ tosh> ');
    t.type('sleep 30');
    t.press('Enter');
    await t.until('~ tosh> sleep 30');
    // Ctrl-C goes once sleep holds the terminal: its group is the terminal's foreground one (`+` in ps's STAT).
    const foreground = () => /^\S*\+\S*\s+sleep 30$/m.test(execFileSync('ps', ['-eo', 'stat=,args='], { encoding: 'utf8' }));
    for (let i = 0; i < 300 && !foreground(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(foreground()).toBe(true);
    t.press('C-c');
    // The terminal's ^C stays on its line, as does a program's last line without a newline.
    await t.until(/~ tosh> sleep 30\n\^C⏎ *\n~ \[130\] tosh> /);
    t.type('printf foo');
    t.press('Enter');
    await t.until(/~ \[130\] tosh> printf foo *\nfoo⏎ *\n~ tosh> /);
    t.type('cd /; pwd');
    t.press('Enter');
    await t.until('/\n/ tosh> ');
  });
});
