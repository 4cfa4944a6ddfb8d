/**
 * shell/sys in a real terminal (tmux): a small shell (test/fixtures/sys/jobs.ts)
 * takes the terminal, runs `cat` as a foreground job, and gets the terminal
 * back each time the job is stopped, by Ctrl-Z and by SIGTSTP sent to the
 * group; the shell itself is never stopped and its terminal modes come back.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { bundledFixture } from './fixtures/sys/bundle.ts';
import { shq, terminals } from './helpers/tmux.ts';
import { tempDir } from './helpers/tosh.ts';

const terminal = terminals('tosh-sys');
const jobs = bundledFixture('jobs');

/** The process state letter (R, S, T, ...) from /proc/PID/stat, or `gone` once it has exited. */
const state = (pid: number) => {
  if (!existsSync(`/proc/${pid}/stat`)) return 'gone';
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
};

// glibc 2.35+ lets the child take the terminal itself; without that (older glibc, musl, macOS) the parent does.
it.each([
  ['child', ''],
  ['parent', 'addtcsetpgrp_np'],
])('hands the terminal to a job and back (by the %s at spawn); Ctrl-Z stops the job, never the shell', async (by, disabled) => {
  const log = join(tempDir('tosh-sys-tty-'), 'jobs.log');
  const t = terminal(`TOSH_FFI_DISABLE=${disabled} ${shq(process.execPath)} ${shq(jobs.path)} ${shq(log)}; sleep 600`);
  const lines = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(0, -1) : []);
  let shellPid: number | undefined;
  const states: string[] = [];
  /** Wait for the log's last line to pass `test`, checking on every look that the shell is not stopped. */
  const logged = async (test: string | ((line: string) => boolean)) => {
    const deadline = Date.now() + 15000;
    for (;;) {
      const now = lines();
      shellPid ??= now[0]?.startsWith('pid ') ? Number(now[0].slice(4)) : undefined;
      if (shellPid !== undefined) states.push(state(shellPid) ?? '?');
      const last = now.at(-1) ?? '';
      if (typeof test === 'string' ? last === test : test(last)) return now;
      if (Date.now() > deadline) throw new Error(`the log never ended with ${test}; it has:\n${now.join('\n')}\n${t.screen()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const job = Number((await logged((l) => l.startsWith('job '))).at(-1)?.slice(4));
  expect(job).toBeGreaterThan(0);
  // Type only once the job is `cat` (after its `stty -echo`).
  await t.untilLines(() => readFileSync(`/proc/${job}/comm`, 'utf8') === 'cat\n', 'the job becoming cat');
  t.type('abc');
  t.press('Enter');
  await t.untilLines((s) => s.includes('abc'), 'cat copying a line');

  t.press('C-z');
  await logged('prompt');
  // Ctrl-Z while the shell owns the terminal: SIGTSTP is ignored, the shell reads on.
  t.press('C-z');
  t.type('fg');
  t.press('Enter');
  await logged('continued');
  // The job has its own modes back (no echo): the line shows once, from cat.
  t.type('xyz');
  t.press('Enter');
  await t.untilLines((s) => s.includes('xyz'), 'cat copying a second line');

  process.kill(-job, 'SIGTSTP');
  await logged('prompt');
  t.type('fg');
  t.press('Enter');
  await logged('continued');
  t.press('C-d');
  await logged('late given');
  t.type('ghi');
  t.press('Enter');
  await t.untilLines((s) => s.includes('ghi'), 'the late job copying a line');
  t.press('C-d');
  const all = await logged('released ok');
  expect(all).toEqual([
    `pid ${shellPid}`,
    'take ok',
    `hand-over by the ${by}`,
    `job ${job}`,
    'stopped 148 SIGTSTP',
    'modes same',
    'prompt',
    'read fg',
    'continued',
    'stopped 148 SIGTSTP',
    'modes same',
    'prompt',
    'read fg',
    'continued',
    'done 0',
    'modes same',
    'background 149 SIGTTIN',
    'killed 137',
    'late given',
    'late done 0 after 1 fix',
    'modes same',
    'released ok',
  ]);
  expect(states.filter((s) => s === 'T')).toEqual([]);
  expect(states.length).toBeGreaterThan(0);
  const screen = t.lines();
  // abc and xyz with the job's own -echo: once each; ghi typed with the shell's echo and copied by cat: twice.
  expect(['abc', 'xyz', 'ghi'].map((word) => screen.filter((l) => l === word).length)).toEqual([1, 1, 2]);
});
