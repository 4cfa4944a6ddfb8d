import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { noTimes, workspace } from './helpers/core.ts';
import { BIN, tempDir, tosh } from './helpers/tosh.ts';

const ok = (stdout: string) => ({ stdout, stderr: '', code: 0 });

const SCRIPT = ['# a comment', '', 'echo one', '   # an indented comment', 'status 3', 'echo two # trailing comment', ''].join('\n');

describe.concurrent('modes: -c, script files, stdin (contract §2)', () => {
  const ws = workspace('ctx');
  writeFileSync(join(ws.cwd, 'script.tosh'), SCRIPT);

  it('runs a script file line by line and exits with the last status; its errors name the file and line (§14)', async () => {
    expect(await ws.run(['script.tosh'])).toEqual({ stdout: 'one\ntwo\n', stderr: 'tosh: script.tosh:5: status 3\n', code: 0 });
  });

  it('stops a script at the first failure with --errexit / -e', async () => {
    const stopped = { stdout: 'one\n', stderr: 'tosh: script.tosh:5: status 3\n', code: 3 };
    expect(await ws.run(['--errexit', 'script.tosh'])).toEqual(stopped);
    expect(await ws.run(['-e', 'script.tosh'])).toEqual(stopped);
  });

  it('reads lines from stdin until EOF, also while watching plugins', async () => {
    expect(await ws.run([], { stdin: 'echo a\nstatus 4\n' })).toEqual({ stdout: 'a\n', stderr: 'tosh: status 4\n', code: 4 });
    // An open quote goes on to the next line, as in sh: here to the end of the input, where it is a syntax error.
    expect(await ws.run(['--watch'], { stdin: 'echo a\necho "b\necho c' })).toEqual({
      stdout: 'a\n',
      stderr: 'tosh: unbalanced quote: missing closing "\n',
      code: 2,
    });
    expect(await ws.run(['-e'], { stdin: SCRIPT })).toEqual({ stdout: 'one\n', stderr: 'tosh: status 3\n', code: 3 });
  });

  it('exit leaves with its status, or with the status of the command before it', async () => {
    expect(await ws.run(['-c', 'exit 3; echo not run'])).toEqual({ stdout: '', stderr: '', code: 3 });
    expect(await ws.run(['-c', 'quit 4'])).toEqual({ stdout: '', stderr: '', code: 4 });
    expect(await ws.run(['-c', 'status 5; exit'])).toEqual({ stdout: '', stderr: 'tosh: status 5\n', code: 5 });
    expect(await ws.run(['-c', 'status 5 || exit'])).toEqual({ stdout: '', stderr: 'tosh: status 5\n', code: 5 });
    expect(await ws.run(['-c', 'status 5; echo x; exit'])).toEqual({ stdout: 'x\n', stderr: 'tosh: status 5\n', code: 0 });
    expect(await ws.run([], { stdin: 'status 6\nexit\necho not run\n' })).toEqual({ stdout: '', stderr: 'tosh: status 6\n', code: 6 });
    expect(await ws.run([], { stdin: 'status 6\nexit 0\n' })).toEqual({ stdout: '', stderr: 'tosh: status 6\n', code: 0 });
    expect(await ws.run(['-c', 'exit 300'])).toEqual({
      stdout: '',
      stderr: "tosh: exit: <status> must be at most 255, got '300'\n",
      code: 2,
    });
  });

  it('runs `tosh COMMAND ARGS...` as one line when COMMAND is not a file', async () => {
    expect(await ws.run(['echo', 'two  words', "it's"])).toEqual(ok("two  words it's\n"));
    expect(await ws.run(['status', '3'])).toEqual({ stdout: '', stderr: 'tosh: status 3\n', code: 3 });
    expect(await ws.run(['nosuch', 'x'])).toEqual({ stdout: '', stderr: "tosh: cannot read script 'nosuch': no such file\n", code: 127 });
  });

  it('reports a script it cannot read', async () => {
    expect(await ws.run(['missing.tosh'])).toEqual({
      stdout: '',
      stderr: "tosh: cannot read script 'missing.tosh': no such file\n",
      code: 127,
    });
  });

  it('prints its help and version, and refuses unknown options', async () => {
    const help = await tosh(['--help']);
    expect(help.stdout.startsWith('Usage: tosh [options] [script-file]\n')).toBe(true);
    for (const option of [
      '--command',
      '--plugins DIR',
      '--watch, --no-watch',
      '--json',
      '--errexit',
      '--trust',
      '--debug',
      '--version',
      '--help',
    ])
      expect(help.stdout).toContain(option);
    expect({ stderr: help.stderr, code: help.code }).toEqual({ stderr: '', code: 0 });
    expect(await tosh(['--version'])).toEqual(ok('tosh 1.0.0 (plugin SDK 1.0.0)\n'));
    expect(await tosh(['--jsn'])).toEqual({ stdout: '', stderr: "tosh: unknown option '--jsn' (did you mean '--json'?)\n", code: 2 });
    expect(await tosh(['-c'])).toEqual({ stdout: '', stderr: 'tosh: -c needs a line to run\n', code: 2 });
  });

  it.each([
    ['-c', ['-c', 'hold; echo not run']],
    ['stdin', []],
  ])('exits with 130 when Ctrl-C interrupts a command waiting on its signal (%s)', async (_mode, args) => {
    const child = spawn(process.execPath, [BIN, '--plugins', 'ctx', ...args], {
      cwd: ws.cwd,
      env: { PATH: process.env.PATH, TOSH_HOME: tempDir() },
    });
    child.stdin.on('error', () => {});
    child.stdin.end(args.length === 0 ? 'hold\necho not run\n' : '');
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        if (stdout === 'waiting\n') child.kill('SIGINT');
      });
      child.on('close', resolve);
    });
    expect({ stdout, stderr, code }).toEqual({ stdout: 'waiting\n', stderr: '', code: 130 });
  });
});

describe.concurrent('the command context (contract §4)', () => {
  const ws = workspace('ctx');
  it.each([
    ['streams', { stdout: 'to stdout\nprinted 3 true\na: 1\nreturned\n', stderr: 'to stderr\n', code: 0 }],
    ['nested "echo a  b"', ok('{"exitCode":0,"value":"a b","stdout":"a b\\n","stderr":""}\n')],
    ["nested 'status 3'", ok('{"exitCode":3,"stdout":"","stderr":"tosh: status 3\\n"}\n')],
    [
      "nested 'streams'",
      ok('{"exitCode":0,"value":"returned","stdout":"to stdout\\nprinted 3 true\\na: 1\\nreturned\\n","stderr":"to stderr\\n"}\n'),
    ],
    ["nested 'nope'", ok('{"exitCode":127,"stdout":"","stderr":"tosh: unknown command \'nope\'\\n"}\n')],
    ['counter; counter; ctx:counter', ok('1\n2\n3\n')],
    [
      'work',
      {
        stdout: 'ok\n',
        stderr: 'working: 0/4 (0%)\nworking: 1/4 (25%)\nworking: 2/4 (50%)\nworking: 3/4 (75%)\nworking: 4/4 (100%)\nworked\nwork...\n',
        code: 0,
      },
    ],
  ] as [string, object][])('%s', async (line, expected) => {
    expect(await ws.run(['-c', line])).toEqual(expected);
  });

  it('gives cwd, env and interactive=false', async () => {
    const cwd = join(ws.cwd, 'sub');
    mkdirSync(cwd, { recursive: true });
    expect(await tosh(['--plugins', '../ctx', '--json', '-c', 'here'], { cwd, env: { TOSH_TEST_GREETING: 'hey' } })).toEqual(
      ok(`{"cwd":${JSON.stringify(cwd)},"greeting":"hey","interactive":false}\n`),
    );
  });
});

describe.concurrent('built-in commands (contract §6)', () => {
  const ws = workspace('greet');
  it('echo joins its words with single spaces and returns a string', async () => {
    expect(await ws.run(['-c', 'echo  a   "b  c"  d'])).toEqual(ok('a b  c d\n'));
    expect(await ws.run(['--json', '-c', 'echo a b; echo'])).toEqual(ok('"a b"\n""\n'));
  });

  it('which names the plugin and file that own a command', async () => {
    expect(await ws.run(['-c', 'which hello; which greet:add'])).toEqual(
      ok('hello: greet 1.2.0 (greet/greet.ts)\nadd: greet 1.2.0 (greet/greet.ts)\n'),
    );
    expect(await ws.run(['-c', 'which nope'])).toEqual({ stdout: '', stderr: "tosh: which: unknown command 'nope'\n", code: 1 });
  });

  it('plugins lists name, version, status, commands, where it came from and source', async () => {
    const { stdout, stderr, code } = await ws.run(['-c', 'plugins']);
    expect({ stderr, code }).toEqual({ stderr: '', code: 0 });
    const [header, first] = stdout.split('\n');
    expect(header?.split(/\s{2,}/)).toEqual(['name', 'version', 'status', 'commands', 'from', 'source', 'reloaded']);
    expect(first?.split(/\s{2,}/)).toEqual(['greet', '1.2.0', 'loaded', 'hello add copy fail crash nothing', 'file', 'greet/greet.ts']);
  });

  it('reload reloads every plugin, or the one named', async () => {
    expect(noTimes((await ws.run(['-c', 'reload greet'])).stdout)).toBe('reloaded greet 1.2.0 (N ms)\n');
    const all = await ws.run(['-c', 'reload']);
    expect({ stderr: all.stderr, code: all.code }).toEqual({ stderr: '', code: 0 });
    expect(noTimes(all.stdout).split('\n')).toContain('reloaded greet 1.2.0 (N ms)');
    expect(await ws.run(['-c', 'reload nope'])).toEqual({ stdout: '', stderr: "tosh: reload: no plugin named 'nope'\n", code: 1 });
  });

  it('history shows the saved history, and clear prints nothing off a terminal', async () => {
    const home = tempDir();
    writeFileSync(join(home, 'history'), 'echo one\nhello Ada\n');
    expect(await tosh(['-c', 'history; clear'], { home })).toEqual(ok('1  echo one\n2  hello Ada\n'));
    expect(await tosh(['-c', 'history'])).toEqual(ok(''));
  });
});
