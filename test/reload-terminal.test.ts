/**
 * Hot reload in the interactive shell: the real `tosh` in a tmux terminal (80×24)
 * while the test edits a plugin file; reload reports appear as quiet lines above the prompt.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { BIN, fixture, tempDir } from './helpers/tosh.ts';

const SOCKET = `tosh-reload-${process.pid}`;
const tmux = (...args: string[]) =>
  execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, TERM: 'xterm-256color', LANG: 'C.UTF-8' },
  });
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const sessions: string[] = [];
afterEach(() => {
  for (const name of sessions.splice(0)) {
    try {
      tmux('kill-session', '-t', name);
    } catch {}
  }
});
afterAll(() => {
  try {
    tmux('kill-server');
  } catch {}
});

function terminal(cwd: string) {
  const name = `${SOCKET}-${sessions.length}`;
  const home = tempDir('tosh-reload-home-');
  const command = `cd ${quote(cwd)} && TOSH_HOME=${quote(home)} HOME=${quote(home)} ${quote(process.execPath)} ${quote(BIN)} --plugins plugins; sleep 600`;
  tmux('new-session', '-d', '-s', name, '-x', '80', '-y', '24', command);
  sessions.push(name);
  const screen = () =>
    tmux('capture-pane', '-p', '-t', name)
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l !== '');
  return {
    screen,
    run(line: string) {
      tmux('send-keys', '-t', name, '-l', line);
      tmux('send-keys', '-t', name, 'Enter');
    },
    async until(test: (lines: string[]) => boolean, what: string) {
      const deadline = Date.now() + 15000;
      for (;;) {
        const now = screen();
        if (test(now)) return now;
        if (Date.now() > deadline) throw new Error(`the screen never showed ${what}; it shows:\n${now.join('\n')}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

it('reloads a changed plugin in the interactive shell and reports it above the prompt', async () => {
  const root = fixture('reload');
  const greet = join(root, 'plugins/greet.ts');
  const t = terminal(root);
  await t.until((s) => s.at(-1) === 'tosh>', 'the prompt');
  t.run('hello');
  await t.until((s) => s.includes('Hello Universe'), 'the first answer');

  writeFileSync(greet, readFileSync(greet, 'utf8').replace("'1.2.0'", "'1.2.1'").replace('Hello', 'Howdy'));
  const reloaded = /^tosh: reloaded greet 1\.2\.1 \(\d+ ms\)$/;
  await t.until((s) => s.some((l) => reloaded.test(l)), 'the reload report');
  t.run('hello');
  const screen = await t.until((s) => s.includes('Howdy Universe') && s.at(-1) === 'tosh>', 'the new answer');
  expect(screen).toEqual(['tosh> hello', 'Hello Universe', expect.stringMatching(reloaded), 'tosh> hello', 'Howdy Universe', 'tosh>']);

  // A broken save: the report names file, line and column, and the old version answers on.
  writeFileSync(greet, readFileSync(greet, 'utf8').replace("name: 'greet',", "name: 'greet',,"));
  await t.until((s) => s.some((l) => l.startsWith('tosh: reload of greet failed')), 'the failure report');
  t.run('hello Ada');
  const after = await t.until((s) => s.includes('Howdy Ada') && s.at(-1) === 'tosh>', 'the old version answering');
  expect(after.slice(5)).toEqual([
    'tosh: reload of greet failed: plugins/greet.ts:4:17 Expected identifier but', // wrapped at 80 columns
    'found "," (keeping 1.2.1)',
    'tosh> hello Ada',
    'Howdy Ada',
    'tosh>',
  ]);
});
