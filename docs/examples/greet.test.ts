import { runCommand } from 'tosh/plugin-sdk/testing';
import { describe, expect, it } from 'vitest';
import greet from './greet.tsx';

describe('greet', () => {
  it('says hello in English by default', async () => {
    expect(await runCommand(greet, 'hello Ada')).toMatchObject({ stdout: 'Hello, Ada!\n', exitCode: 0 });
  });

  it('says hello in Chinese', async () => {
    const { stdout } = await runCommand(greet, 'hello Ada --lang zh');
    expect(stdout).toBe('你好，Ada！\n');
  });

  it('refuses a language it does not speak', async () => {
    const { stderr, exitCode } = await runCommand(greet, 'hello Ada -l fr');
    expect(stderr).toBe("tosh: hello: --lang expects one of en, zh, got 'fr'\n");
    expect(exitCode).toBe(2);
  });

  it('lists its languages as a table', async () => {
    const { stdout, value } = await runCommand(greet, 'languages');
    expect(value).toEqual([
      { code: 'en', language: 'English', hello: 'Hello' },
      { code: 'zh', language: 'Chinese', hello: '你好' },
    ]);
    expect(stdout).toBe('code  language  hello\nen    English   Hello\nzh    Chinese   你好\n');
  });

  it('draws a card', async () => {
    const { stdout } = await runCommand(greet, 'card Ada');
    expect(stdout).toBe(
      ['╭───────────────────────╮', '│ Hello, Ada!           │', '│ from the greet plugin │', '╰───────────────────────╯', ''].join('\n'),
    );
  });

  it('reports progress while greeting everyone', async () => {
    const { stdout, stderr } = await runCommand(greet, 'hello-all Ada Grace');
    expect(stdout).toBe('Hello, Ada!\nHello, Grace!\n');
    expect(stderr).toBe('greeted 2\n');
  });
});
