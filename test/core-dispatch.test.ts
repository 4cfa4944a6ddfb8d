import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspace } from './helpers/core.ts';

const ok = (stdout: string) => ({ stdout, stderr: '', code: 0 });
const fails = (code: number, message: string) => ({ stdout: '', stderr: `tosh: ${message}\n`, code });

describe.concurrent('arguments and flags (contract §4)', () => {
  const ws = workspace('greet');
  it.each([
    ['hello', ok('Hello Universe\n')],
    ['hello Ada', ok('Hello Ada\n')],
    ['hello Ada --loud', ok('HELLO ADA\n')],
    ['hello -l Ada', ok('HELLO ADA\n')],
    ['hello --loud=false Ada', ok('Hello Ada\n')],
    ['hello --loud --no-loud', ok('Hello Universe\n')],
    ["hello 'Ada Lovelace'", ok('Hello Ada Lovelace\n')],
    ['hello -- --loud', ok('Hello --loud\n')],
    ['add 1 2 3.5 -4', ok('2.5\n')],
    ['greet:add 1e3', ok('1000\n')],
    [
      'copy a b c d --dry-run --times 3 --mode fast --tag x --tag=y -v',
      ok(
        '{"args":{"from":"a","to":"b","rest":["c","d"]},"flags":{"dryRun":true,"times":3,"mode":"fast","tag":["x","y"],"verbose":true}}\n',
      ),
    ],
    [
      'copy a b -nvt4',
      ok('{"args":{"from":"a","to":"b","rest":[]},"flags":{"dryRun":true,"times":4,"mode":"safe","tag":[],"verbose":true}}\n'),
    ],
    [
      'copy -- -a -b',
      ok('{"args":{"from":"-a","to":"-b","rest":[]},"flags":{"dryRun":false,"times":1,"mode":"safe","tag":[],"verbose":false}}\n'),
    ],
    ['hello a b', fails(2, "hello: unexpected argument 'b'")],
    ['hello --lud', fails(2, "hello: unknown flag '--lud' (did you mean '--loud'?)")],
    ['hello --loud=perhaps', fails(2, "hello: --loud expects true or false, got 'perhaps'")],
    ['add', fails(2, 'add: missing argument <numbers>')],
    ['add 1 x', fails(2, "add: <numbers> expects a number, got 'x'")],
    ['copy a', fails(2, 'copy: missing argument <to>')],
    ['copy a b --times', fails(2, 'copy: --times needs a value (a number)')],
    ['copy a b --times 1.5', fails(2, "copy: --times expects an integer, got '1.5'")],
    ['copy a b --mode saf', fails(2, "copy: --mode expects one of fast, safe, got 'saf' (did you mean 'safe'?)")],
    ['copy a b --dryrun', fails(2, "copy: unknown flag '--dryrun' (did you mean '--dry-run'?)")],
    ['copy a b -x', fails(2, "copy: unknown flag '-x' (known: -n, -t, -v)")],
    ['nothing x', fails(2, "nothing: takes no arguments, got 'x'")],
    ['helo', fails(127, "unknown command 'helo' (did you mean 'hello'?)")],
    ['Hello', fails(127, "unknown command 'Hello' (did you mean 'hello'?)")],
    ['frobnicate', fails(127, "unknown command 'frobnicate'")],
    ['greet:nope', fails(127, "unknown command 'greet:nope'")],
    ['fail', fails(1, 'it went wrong')],
    ['fail --code 7', fails(7, 'it went wrong')],
    ['crash', fails(1, 'greet:crash: cannot read the thing')],
    ['nothing', ok('')],
  ] as [string, object][])('%s', async (line, expected) => {
    expect(await ws.run(['-c', line])).toEqual(expected);
  });

  it('shows usage made from the schema with help and --help', async () => {
    const usage = [
      'Usage: hello [name] [flags]',
      '',
      'Say hello',
      '',
      'Arguments:',
      '  name <string>  Who to greet (default: "Universe")',
      '',
      'Flags:',
      '  -l, --loud  Shout it',
      '',
      'Examples:',
      '  hello Ada --loud',
      '',
      'From plugin greet (greet/greet.ts); also reachable as greet:hello.',
      '',
    ].join('\n');
    expect(await ws.run(['-c', 'help hello'])).toEqual(ok(usage));
    expect(await ws.run(['-c', 'hello --help'])).toEqual(ok(usage));
    expect(await ws.run(['-c', 'help copy'])).toEqual(
      ok(
        [
          'Usage: copy <from> <to> [rest...] [flags]',
          '',
          'Pretend to copy files',
          '',
          'Arguments:',
          '  from <string>',
          '  to <string>',
          '  rest <string...>  (optional)',
          '',
          'Flags:',
          '  -n, --dry-run           Only say what would happen',
          '  -t, --times <number>    How many times (default: 1)',
          '      --mode <fast|safe>  Copy mode (default: "safe")',
          '      --tag <string...>   Tags (repeatable) (optional)',
          '  -v, --verbose',
          '',
          'From plugin greet (greet/greet.ts); also reachable as greet:copy.',
          '',
        ].join('\n'),
      ),
    );
    expect(await ws.run(['-c', 'help nope'])).toEqual(fails(1, "help: unknown command 'nope'"));
  });

  it('lists every command grouped by plugin', async () => {
    const { stdout, stderr, code } = await ws.run(['-c', 'help']);
    expect({ stderr, code }).toEqual({ stderr: '', code: 0 });
    expect(stdout).toContain(
      [
        'greet 1.2.0 - Greetings in several languages',
        '  add      Add numbers',
        '  copy     Pretend to copy files',
        '  crash    Throw a plain error',
        '  fail     Fail with a CommandError',
        '  hello    Say hello',
        '  nothing  Takes nothing',
        '',
      ].join('\n'),
    );
    // A plugin of one command is one line, in the list of such commands.
    expect(stdout.startsWith('Commands:\n')).toBe(true);
    expect(stdout).toMatch(/\n {2}echo +Return the words joined by single spaces\n/);
    expect(stdout).not.toContain('Print words');
    expect(stdout.endsWith("\nType 'help COMMAND' for its arguments and flags.\n")).toBe(true);
  });

  it('adds the stack only with --debug', async () => {
    const { stdout, stderr, code } = await ws.run(['--debug', '-c', 'crash']);
    expect({ stdout, code }).toEqual({ stdout: '', code: 1 });
    const lines = stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('tosh: greet:crash: cannot read the thing');
    expect(lines[1]).toBe('TypeError: cannot read the thing');
    // The frame points into the author's TypeScript (line 48, column 15 of greet.ts), not the compiled bundle.
    expect(lines[2]).toMatch(/^ {4}at .*greet\.ts:48:15\)$/);
  });
});

describe.concurrent('rendering, --json, pipelines and redirects (contract §2, §4, §5)', () => {
  const ws = workspace('values');
  it.each([
    ['text', 'plain text\n'],
    ['num', '42.5\n'],
    ['yes', 'true\n'],
    ['table', 'name   age  admin\nada    36   true\ngrace  85\n'],
    ['list', 'one\ntwo\n'],
    ['obj', 'name: ada\nlangs: ["en","fr"]\nnested: {"a":1}\n'],
    ['none', ''],
    ['later', 'done later\n'],
    ['red', 'danger\n'],
    ['echo', '\n'],
    ['echo hi there | upper', 'HI THERE\n'],
    ['say printed words | upper', 'PRINTED WORDS\n'],
    ['table | count', '2\n'],
    ['list | count', '2\n'],
    ['echo a ; echo b', 'a\nb\n'],
    ['text && echo yes', 'plain text\nyes\n'],
    ['text || echo no', 'plain text\n'],
    ['echo \'a | b\' "c ; d" e\\>f \'x && y\' "q\\"uote" # comment', 'a | b c ; d e>f x && y q"uote\n'],
  ])('%s', async (line, stdout) => {
    expect(await ws.run(['-c', line])).toEqual(ok(stdout));
  });

  it.each([
    [
      'table; obj; text | upper; list; none',
      '[{"name":"ada","age":36,"admin":true},{"name":"grace","age":85}]\n{"name":"ada","langs":["en","fr"],"nested":{"a":1}}\n"PLAIN TEXT"\n["one","two"]\nnull\n',
    ],
    ['echo a ; echo b', '"a"\n"b"\n'],
    ['num', '42.5\n'],
    ['say hi', 'hi\nnull\n'],
  ])('--json %s', async (line, stdout) => {
    expect(await ws.run(['--json', '-c', line])).toEqual(ok(stdout));
  });

  it('runs && and || by status; a failing stage hands on nothing and the last command gives the status, as in sh', async () => {
    expect(await ws.run(['-c', 'nope && echo skipped || echo rescued'])).toEqual({
      stdout: 'rescued\n',
      stderr: "tosh: unknown command 'nope' (did you mean 'none'?)\n",
      code: 0,
    });
    expect(await ws.run(['-c', 'echo x | missing | cat; echo "[$?]"; echo x | missing | upper; echo after'])).toEqual({
      stdout: '[0]\nnot text: undefined\nafter\n',
      stderr: "tosh: unknown command 'missing'\ntosh: unknown command 'missing'\n",
      code: 0,
    });
    expect(await ws.run(['-c', 'echo x | missing'])).toEqual({ stdout: '', stderr: "tosh: unknown command 'missing'\n", code: 127 });
    expect(await ws.run(['-c', 'echo a; missing'])).toEqual({ stdout: 'a\n', stderr: "tosh: unknown command 'missing'\n", code: 127 });
  });

  it('prints one JSON line per pipeline with --json, null for one that failed', async () => {
    expect(await ws.run(['--json', '-c', 'echo a; missing; echo b'])).toEqual({
      stdout: '"a"\nnull\n"b"\n',
      stderr: "tosh: unknown command 'missing'\n",
      code: 0,
    });
  });

  it('writes the rendered output to a file with > and appends with >>', async () => {
    expect(await ws.run(['-c', 'echo hi > out.txt; echo again >> out.txt; table >> out.txt; red > red.txt; echo shown'])).toEqual(
      ok('shown\n'),
    );
    expect(readFileSync(join(ws.cwd, 'out.txt'), 'utf8')).toBe('hi\nagain\nname   age  admin\nada    36   true\ngrace  85\n');
    expect(readFileSync(join(ws.cwd, 'red.txt'), 'utf8')).toBe('danger\n');
    expect(await ws.run(['--json', '-c', 'obj > obj.json; echo x'])).toEqual(ok('"x"\n'));
    expect(readFileSync(join(ws.cwd, 'obj.json'), 'utf8')).toBe('{"name":"ada","langs":["en","fr"],"nested":{"a":1}}\n');
    expect(await ws.run(['-c', 'echo x > no/such/dir.txt'])).toEqual(fails(1, 'cannot write no/such/dir.txt: no such directory'));
  });

  it.each([
    ["echo 'open", "unbalanced quote: missing closing '"],
    ['echo "open', 'unbalanced quote: missing closing "'],
    ['| echo', "syntax error: '|' needs a command before it"],
    ['echo a ||', "syntax error: '||' needs a command after it"],
    ['&&', "syntax error: '&&' needs a command before it"],
    [';', "syntax error near unexpected token ';'"],
    ['echo >', "syntax error: '>' needs a file name after it"],
  ])('%j is a usage error', async (line, message) => {
    expect(await ws.run(['-c', line])).toEqual(fails(2, message));
  });

  it('fails the line when its result cannot be shown, and goes on', async () => {
    expect(await ws.run(['-c', 'exploding; fine'])).toEqual({
      stdout: 'fine view\n',
      stderr: 'tosh: exploding: cannot show the result: component exploded\n',
      code: 0,
    });
    expect(await ws.run(['-c', 'exploding'])).toEqual(fails(1, 'exploding: cannot show the result: component exploded'));
    expect(await ws.run(['--json', '-c', 'cyclic'])).toEqual(
      fails(1, 'cyclic: cannot show the result: Converting circular structure to JSON'),
    );
    expect(await ws.run(['--json', '-c', 'fine'])).toEqual(ok('null\n'));
  });

  it('names the command whose value cannot be shown to a program it is piped to, and runs the rest', async () => {
    expect(await ws.run(['-c', 'getter | wc -c; echo "after $?"'])).toEqual({
      stdout: '0\nafter 0\n',
      stderr: 'tosh: getter: cannot show the result: getter exploded\n',
      code: 0,
    });
  });

  it('colours only for a terminal or FORCE_COLOR, never with NO_COLOR', async () => {
    expect(await ws.run(['-c', 'table; red'], { env: { FORCE_COLOR: '1' } })).toEqual(
      ok(
        '\u001b[1mname \u001b[22m  \u001b[1mage\u001b[22m  \u001b[1madmin\u001b[22m\nada    36   true\ngrace  85\n\u001b[31mdanger\u001b[39m\n',
      ),
    );
    expect(await ws.run(['-c', 'table; red'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).toEqual(
      ok('name   age  admin\nada    36   true\ngrace  85\ndanger\n'),
    );
  });
});
