import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from 'tosh/plugin-sdk/testing';
import { describe, expect, it } from 'vitest';
import { defineCommand, definePlugin, z } from '../plugin-sdk/index.ts';
import greet from './fixtures/core/author/greet.ts';
import { FIXTURES, ROOT, tempDir } from './helpers/tosh.ts';

const helper = definePlugin({
  name: 'helper',
  version: '1.0.0',
  commands: {
    words: defineCommand({ args: z.object({ n: z.number() }), run: ({ args }) => Array.from({ length: args.n }, (_, i) => `w${i}`) }),
    context: defineCommand({ run: (_input, ctx) => ({ cwd: ctx.cwd, who: ctx.env.WHO, interactive: ctx.interactive }) }),
    hold: defineCommand({
      run: (_input, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('stopped')))),
    }),
    take: defineCommand({ run: ({ input }) => `got ${JSON.stringify(input)}` }),
  },
});

describe('tosh/plugin-sdk/testing', () => {
  it('runs a line as the shell would: output, status and value', async () => {
    expect(await runCommand(greet, 'hello')).toEqual({ stdout: 'Hello Universe\n', stderr: '', exitCode: 0, value: 'Hello Universe' });
    expect(await runCommand(greet, 'hello Ada --loud; hello Bob')).toEqual({
      stdout: 'HELLO ADA\nHello Bob\n',
      stderr: '',
      exitCode: 0,
      value: 'Hello Bob',
    });
    expect(await runCommand(greet, 'refuse')).toEqual({ stdout: '', stderr: 'tosh: not today\n', exitCode: 4, value: undefined });
    expect(await runCommand(greet, 'hello a b')).toEqual({
      stdout: '',
      stderr: "tosh: hello: unexpected argument 'b'\n",
      exitCode: 2,
      value: undefined,
    });
    expect(await runCommand(greet, 'nope')).toEqual({
      stdout: '',
      stderr: "tosh: unknown command 'nope'\n",
      exitCode: 127,
      value: undefined,
    });
  });

  it('takes options: other plugins, input, env, cwd, a signal', async () => {
    expect((await runCommand(greet, 'words 2 | shout', { with: [helper] })).stdout).toBe('W0,W1\n');
    expect((await runCommand(helper, 'take', { input: [1, 2] })).value).toBe('got [1,2]');
    expect((await runCommand(helper, 'context', { cwd: '/somewhere', env: { WHO: 'me' } })).value).toEqual({
      cwd: '/somewhere',
      who: 'me',
      interactive: false,
    });
    const controller = new AbortController();
    const running = runCommand(helper, 'hold; take', { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    expect(await running).toEqual({ stdout: '', stderr: '', exitCode: 130, value: undefined });
  });

  it('works from an outside project that installed tosh', () => {
    const project = tempDir();
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(ROOT, join(project, 'node_modules', 'tosh'));
    symlinkSync(join(ROOT, 'node_modules', 'vitest'), join(project, 'node_modules', 'vitest'));
    writeFileSync(join(project, 'package.json'), '{ "name": "my-plugin", "type": "module", "private": true }\n');
    copyFileSync(join(FIXTURES, 'core', 'author', 'greet.ts'), join(project, 'greet.ts'));
    copyFileSync(join(FIXTURES, 'core', 'author', 'greet.check.ts'), join(project, 'greet.test.ts'));
    const run = spawnSync(process.execPath, [join(project, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=dot'], {
      cwd: project,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: project, NO_COLOR: '1' },
    });
    expect(run.stdout).toContain('2 passed');
    expect(run.status).toBe(0);
  });
});
