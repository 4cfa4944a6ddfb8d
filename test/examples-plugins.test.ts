import { spawn } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, tempDir, tosh, trustTree } from './helpers/tosh.ts';

// Every example plugin of docs/examples, loaded by the real binary from a trusted copy of the folder.
let dir: string;
beforeAll(() => {
  dir = join(tempDir(), 'examples');
  cpSync(join(ROOT, 'docs', 'examples'), dir, { recursive: true });
  trustTree(dir);
});

const run = (line: string, args: string[] = []) => tosh([...args, '--plugins', dir, '-c', line]);

describe('docs/examples', () => {
  it('loads every example without a warning', async () => {
    const { stdout, stderr, code } = await run('plugins | json get', ['--json']);
    expect({ stderr, code }).toEqual({ stderr: '', code: 0 });
    const mine = (JSON.parse(stdout) as { name: string; status: string; source: string }[]).filter((p) => p.source.startsWith(dir));
    expect(mine.map((p) => `${p.name} ${p.status}`)).toEqual([
      'greet loaded',
      'json loaded',
      'prompt loaded',
      'sleep loaded',
      'slug loaded',
      'sys loaded',
    ]);
  });

  describe('greet', () => {
    it('says hello in English and Chinese', async () => {
      expect(await run('hello Ada ; hello Ada --lang zh ; hello -L -n 2')).toEqual({
        stdout: 'Hello, Ada!\n你好，Ada！\nHELLO, UNIVERSE!\nHELLO, UNIVERSE!\n',
        stderr: '',
        code: 0,
      });
    });

    it('refuses an unknown language with a usage error', async () => {
      expect(await run('hello Ada -l fr')).toEqual({
        stdout: '',
        stderr: "tosh: hello: --lang expects one of en, zh, got 'fr'\n",
        code: 2,
      });
    });

    it('returns a table, an ink element and progress', async () => {
      expect(await run('languages ; card Ada -l zh')).toEqual({
        stdout: [
          'code  language  hello',
          'en    English   Hello',
          'zh    Chinese   你好',
          '╭───────────────────────╮',
          '│ 你好，Ada！           │',
          '│ from the greet plugin │',
          '╰───────────────────────╯',
          '',
        ].join('\n'),
        stderr: '',
        code: 0,
      });
      expect(await run('hello-all Ada Grace')).toEqual({
        stdout: 'Hello, Ada!\nHello, Grace!\n',
        stderr: 'greeting: 0/2 (0%)\ngreeting: 1/2 (50%)\ngreeting: 2/2 (100%)\ngreeted 2\n',
        code: 0,
      });
    });
  });

  describe('sys', () => {
    it('shows system information as key: value lines', async () => {
      const { stdout, stderr, code } = await run('sys');
      expect({ stderr, code }).toEqual({ stderr: '', code: 0 });
      expect(stdout.split('\n').map((line) => line.split(':')[0])).toEqual([
        'host',
        'os',
        'arch',
        'cpus',
        'memory',
        'uptime',
        'node',
        'tosh',
        '',
      ]);
      expect(stdout).toContain(`node: ${process.version}\ntosh: 1.0.0 (SDK 1.0.0)\n`);
    });

    it('shows one field, and says which fields exist', async () => {
      expect(await run('sys node')).toEqual({ stdout: `${process.version}\n`, stderr: '', code: 0 });
      expect(await run('sys nope')).toEqual({
        stdout: '',
        stderr: "tosh: sys: no field 'nope' (try: host, os, arch, cpus, memory, uptime, node)\n",
        code: 2,
      });
    });
  });

  describe('sleep', () => {
    it('waits, then succeeds', async () => {
      expect(await run('sleep 0.05 && echo awake')).toEqual({ stdout: 'awake\n', stderr: 'sleeping 0.05s...\n', code: 0 });
    });

    it('needs a number', async () => {
      expect(await run('sleep soon')).toEqual({ stdout: '', stderr: "tosh: sleep: <seconds> expects a number, got 'soon'\n", code: 2 });
    });

    it('stops at Ctrl-C with status 130', async () => {
      const home = tempDir('tosh-home-');
      const child = spawn(process.execPath, [BIN, '--plugins', dir, '-c', 'sleep 60 ; echo never'], {
        env: { PATH: process.env.PATH, HOME: home, TOSH_HOME: home },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      // Interrupt once the command is running: its progress line says so.
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        if (stderr.includes('sleeping 60s: 0/60')) child.kill('SIGINT');
      });
      const code = await new Promise((resolve) => child.on('close', resolve));
      expect({ stdout, stderr, code }).toEqual({ stdout: '', stderr: 'sleeping 60s: 0/60 (0%)\n', code: 130 });
    });
  });

  describe('prompt', () => {
    it('sets the prompt, and says so outside the interactive shell', async () => {
      expect(await run("prompt 'λ'")).toEqual({ stdout: '', stderr: 'prompt: set to "λ " (seen in the interactive shell)\n', code: 0 });
      expect(await run('prompt')).toEqual({ stdout: '', stderr: 'tosh: prompt: missing argument <text>\n', code: 2 });
    });
  });

  describe('json', () => {
    it('queries the structured value piped into it', async () => {
      expect(await run('plugins | json get 0.name ; plugins | json get 0.commands ; plugins | json keys 0')).toEqual({
        stdout: 'greet\nhello languages card hello-all\nname\nversion\nstatus\ncommands\nfrom\nsource\nreloaded\n',
        stderr: '',
        code: 0,
      });
      expect(await run('plugins | json get 5', ['--json'])).toMatchObject({
        stdout: expect.stringMatching(/^\{"name":"sys","version":"1.0.0"/),
      });
    });

    it('parses piped JSON text', async () => {
      expect(await run(`echo '{"a":[1,{"b":"deep"}]}' | json get a.1.b ; echo '[1,2,3]' | json length`)).toEqual({
        stdout: 'deep\n3\n',
        stderr: '',
        code: 0,
      });
    });

    it('says what is wrong', async () => {
      expect(await run('json get')).toEqual({
        stdout: '',
        stderr: 'tosh: json: nothing piped in (try: plugins | json get 0.name)\n',
        code: 2,
      });
      expect(await run('echo nope | json get')).toEqual({ stdout: '', stderr: 'tosh: json: the piped text is not JSON\n', code: 1 });
      expect(await run('plugins | json get 0.nope')).toEqual({
        stdout: '',
        stderr: "tosh: json: no 'nope' in object at '0.nope'\n",
        code: 1,
      });
    });
  });

  describe('slug (a folder plugin with its own npm dependency)', () => {
    it('uses the package vendored in its node_modules', async () => {
      expect(await run('slug Crème brûlée ; slug Hello, World! -s _')).toEqual({
        stdout: 'creme-brulee\nhello_world\n',
        stderr: '',
        code: 0,
      });
    });
  });
});
