/**
 * Jobs in the interactive shell (CONTRACT §15), in a real terminal (tmux),
 * against real programs: `&` and `[N] PID`, Ctrl-Z on sleep, vim and a
 * pipeline into less, `jobs`, `fg`, `bg`, `kill %N`, `wait`, the `Done` and
 * `Stopped` lines before a prompt, a background `cat` stopped by SIGTTIN,
 * Ctrl-C for the foreground job only, Ctrl-Z on a plugin command, `exit`
 * with stopped jobs, and the fallback without the FFI. Throughout, the
 * shell's own process is never stopped, and the terminal's modes are the
 * same after every hand-over.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { shq, type Terminal, terminals } from './helpers/tmux.ts';
import { BIN, fixture, tempDir } from './helpers/tosh.ts';

const terminal = terminals('tosh-jobs');

/** The process state letter (R, S, T, ...) from /proc/PID/stat, or `gone`. */
function procState(pid: number): string {
  if (!existsSync(`/proc/${pid}/stat`)) return 'gone';
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '?';
}

/**
 * Wait until a child of the shell named `name` runs in the terminal's foreground group: a key typed before
 * that reaches the shell's group (as in bash, whose Ctrl-Z is lost in that moment too).
 */
async function untilForeground(shell: number, name: string): Promise<number> {
  const deadline = Date.now() + 15000;
  for (;;) {
    for (const entry of readdirSync('/proc')) {
      if (!/^[0-9]+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue;
      }
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const [, ppid, pgrp, , , tpgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (comm === name && Number(ppid) === shell && pgrp === tpgid) return Number(entry);
    }
    if (Date.now() > deadline) throw new Error(`${name} never ran in the foreground`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The screen with each line's trailing spaces cut. */
const trimmed = (t: Terminal) =>
  t
    .screen()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');

/** A process that has ended (a zombie left to a parent that is gone counts). */
const ended = (pid: number) => ['gone', 'Z'].includes(procState(pid));

interface Shell extends Terminal {
  home: string;
  /** The shell's own pid (from `$$`), sampled on every look at the screen. */
  pid(): number;
  /** Every state the shell's process was seen in. */
  states: string[];
  /** Wait until the screen matches, sampling the shell's state meanwhile. */
  see(text: string | RegExp): Promise<string>;
}

const started: Shell[] = [];
afterEach(() => {
  // The shell itself is never stopped, whatever was typed (Ctrl-Z at a prompt too).
  for (const t of started.splice(0)) expect(t.states.filter((s) => s === 'T')).toEqual([]);
});

async function start(env = ''): Promise<Shell> {
  const home = realpathSync(tempDir('tosh-jobs-home-'));
  writeFileSync(join(home, 'notes.txt'), 'first line of the notes\nsecond line of the notes\n');
  const plugins = join(fixture('ui'), 'plugins');
  const command = [
    `cd ${shq(home)} && TOSH_HOME=${shq(home)} HOME=${shq(home)} TERM=xterm-256color ${env}`,
    `${shq(process.execPath)} ${shq(BIN)} --plugins ${shq(plugins)};`,
    'echo "[exit $?]"; sleep 600',
  ].join(' ');
  const t = terminal(command, { columns: 100, rows: 30 });
  const states: string[] = [];
  let pid = 0;
  const sample = () => {
    if (pid > 0) states.push(procState(pid));
  };
  const see = async (text: string | RegExp) => {
    const deadline = Date.now() + 15000;
    for (;;) {
      sample();
      const screen = trimmed(t);
      if (typeof text === 'string' ? screen.includes(text) : text.test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`the screen never showed ${String(text)}; it shows:\n${screen}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const shell: Shell = { ...t, home, states, see, pid: () => pid };
  started.push(shell);
  await t.until('~ tosh> ');
  t.type('echo $$ > pid.txt; stty -a </dev/tty >modes-before.txt; echo ready');
  t.press('Enter');
  await t.until(/^ready *$/m);
  pid = Number(readFileSync(join(home, 'pid.txt'), 'utf8'));
  return shell;
}

/** Type a line and press Enter. */
function line(t: Terminal, text: string): void {
  t.type(text);
  t.press('Enter');
}

/** The terminal's modes now, as `stty -a` (run by the shell) sees them, compared with those at the start. */
async function modesUnchanged(t: Shell): Promise<void> {
  line(t, 'stty -a </dev/tty >modes-after.txt; echo modes-read');
  await t.see(/^modes-read$/m);
  expect(readFileSync(join(t.home, 'modes-after.txt'), 'utf8')).toBe(readFileSync(join(t.home, 'modes-before.txt'), 'utf8'));
}

/** Press Enter on an empty line until the screen shows `text` (a job's state changes when the program gets to it). */
async function untilNoted(t: Shell, text: RegExp): Promise<string> {
  const deadline = Date.now() + 15000;
  for (;;) {
    const screen = trimmed(t);
    if (text.test(screen)) return screen;
    if (Date.now() > deadline) throw new Error(`the screen never showed ${text}:\n${screen}`);
    t.press('Enter');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A line of `jobs` (and of the Done and Stopped reports): `[1]+  Stopped                 sleep 2`, as bash lays it out. */
const job = (id: number, mark: string, state: string, text: string) => `[${id}]${mark}  ${state.padEnd(24)}${text}`;

/** Lines that must be on the screen exactly, whole. */
const row = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm');

const pidOf = (screen: string, id: number) => Number(new RegExp(`^\\[${id}\\] (\\d+)$`, 'm').exec(screen)?.[1]);

describe('jobs in the interactive shell (§15)', () => {
  it('runs `sleep 30 &` in the background: [N] PID, jobs, $!, kill %1 and its Terminated line', async () => {
    const t = await start();
    line(t, 'sleep 30 &');
    const screen = await t.see(/^\[1\] \d+$/m);
    const pid = pidOf(screen, 1);
    expect(procState(pid)).not.toBe('gone');
    line(t, 'jobs; echo "bang $!"');
    await t.see(`[1]+  Running                 sleep 30 &\nbang ${pid}\n`);
    line(t, 'jobs -p; jobs -l');
    await t.see(`${pid}\n[1]+ ${pid} Running                 sleep 30 &\n`);
    line(t, 'kill %1');
    await untilNoted(t, row(job(1, '+', 'Terminated', 'sleep 30')));
    expect(ended(pid)).toBe(true);
    line(t, 'jobs; echo none-left');
    await t.see(/jobs; echo none-left\nnone-left\n/);
  });

  it('stops sleep with Ctrl-Z (148, Stopped), continues it with bg, waits for it, and says Done before a prompt', async () => {
    const t = await start();
    line(t, 'sleep 2');
    await t.see('tosh> sleep 2');
    await untilForeground(t.pid(), 'sleep');
    t.press('C-z');
    // The terminal's `^Z` echo ends its line, as in bash.
    await t.see(row(`~ tosh> sleep 2\n^Z\n${job(1, '+', 'Stopped', 'sleep 2')}`));
    await t.see('~ [148] tosh>');
    line(t, 'jobs -l');
    const screen = await t.see(new RegExp(`^\\[1\\]\\+ (\\d+) ${'Stopped'.padEnd(24)}sleep 2$`, 'm'));
    const pid = Number(/^\[1\]\+ (\d+) Stopped/m.exec(screen)?.[1]);
    expect(procState(pid)).toBe('T');
    line(t, 'bg');
    await t.see(/^\[1\]\+ sleep 2 &$/m);
    line(t, 'wait %1; echo "waited $?"');
    await t.see(/^waited 0$/m);
    // A job that ends while another line runs is reported before the next prompt.
    line(t, 'sleep 0.2 &');
    await t.see(/^\[1\] \d+$/m);
    line(t, 'sleep 1');
    await t.see(row(`~ tosh> sleep 1\n${job(1, '+', 'Done', 'sleep 0.2')}\n~ tosh>`));
    line(t, 'false &');
    await untilNoted(t, row(job(1, '+', 'Exit 1', 'false')));
    await modesUnchanged(t);
  });

  // glibc 2.35+ lets the child take the terminal at spawn; elsewhere (older glibc, musl, macOS) the shell gives it.
  it.each([
    ['the child takes the terminal', ''],
    ['the shell gives the terminal', 'TOSH_FFI_DISABLE=addtcsetpgrp_np'],
  ])('gives a stopped vim its screen back with fg (%s)', async (_, env) => {
    const t = await start(env);
    line(t, 'vim -u NONE -i NONE -n notes.txt');
    await t.see('second line of the notes');
    t.press('C-z');
    await t.see(row(job(1, '+', 'Stopped', 'vim -u NONE -i NONE -n notes.txt')));
    await t.see('~ [148] tosh>');
    line(t, 'fg %vim');
    await t.see('second line of the notes');
    const back = trimmed(t);
    expect(back).toContain('first line of the notes');
    expect(back).not.toContain('tosh>');
    t.type(':q!');
    t.press('Enter');
    await t.see(/~ tosh>$/m);
    line(t, 'jobs; echo no-jobs');
    await t.see(/echo no-jobs\nno-jobs\n/);
    await modesUnchanged(t);
  });

  it('stops a pipeline into less as one job (every process), and fg brings less back', async () => {
    const t = await start();
    line(t, 'seq 1 100000 | less');
    await t.see(/^3$/m);
    t.press('C-z');
    await t.see(row(job(1, '+', 'Stopped', 'seq 1 100000 | less')));
    line(t, 'jobs -l');
    const screen = await t.see(
      new RegExp(`^\\[1\\]\\+ (\\d+) ${'Stopped'.padEnd(24)}seq 1 100000\\n {5}(\\d+) ${'Stopped'.padEnd(24)}\\| less$`, 'm'),
    );
    const [, first, second] = /^\[1\]\+ (\d+) Stopped +seq 1 100000\n {5}(\d+)/m.exec(screen) ?? [];
    expect([procState(Number(first)), procState(Number(second))]).toEqual(['T', 'T']);
    line(t, 'fg');
    await t.see(/^2$/m);
    expect(trimmed(t)).not.toContain('tosh>');
    t.press('q');
    await t.see(/~ tosh>$/m);
    expect([ended(Number(first)), ended(Number(second))]).toEqual([true, true]);
    await modesUnchanged(t);
  });

  it('sends Ctrl-C to the foreground job only: a background job runs on', async () => {
    const t = await start();
    line(t, 'sleep 30 &');
    const pid = pidOf(await t.see(/^\[1\] \d+$/m), 1);
    line(t, 'sleep 40');
    await t.see('tosh> sleep 40');
    await untilForeground(t.pid(), 'sleep');
    t.press('C-c');
    await t.see('~ [130] tosh>');
    expect(procState(pid)).toBe('S');
    line(t, 'jobs');
    await t.see('[1]+  Running                 sleep 30 &');
    // fg, then Ctrl-C: the job ends, as in bash.
    line(t, 'fg');
    await t.see(/^sleep 30$/m);
    t.press('C-c');
    await t.see(/^sleep 30\n\^C.*\n~ \[130\] tosh>$/m);
    expect(ended(pid)).toBe(true);
  });

  it('stops a background cat that reads the terminal (SIGTTIN), and fg gives it the terminal', async () => {
    const t = await start();
    line(t, 'cat &');
    const pid = pidOf(await t.see(/^\[1\] \d+$/m), 1);
    await untilNoted(t, row(job(1, '+', 'Stopped', 'cat')));
    expect(procState(pid)).toBe('T');
    line(t, 'jobs -l');
    await t.see(`[1]+ ${pid} Stopped (tty input)     cat`);
    line(t, 'fg');
    await t.see(/^cat$/m);
    t.type('typed to cat');
    t.press('Enter');
    await t.see(/^typed to cat\ntyped to cat$/m);
    t.press('C-d');
    await t.see(/~ tosh>$/m);
    expect(ended(pid)).toBe(true);
    await modesUnchanged(t);
  });

  it('sends a plugin command to the background with Ctrl-Z, still running', async () => {
    const t = await start();
    line(t, 'nap 1');
    await t.see('tosh> nap 1');
    t.press('C-z');
    await t.see(/^\[1\]\+ nap 1 &$/m);
    line(t, 'jobs');
    await t.see('[1]+  Running                 nap 1 &');
    await untilNoted(t, /^rested$/m);
    await untilNoted(t, row(job(1, '+', 'Done', 'nap 1')));
  });

  it('warns once about stopped jobs on exit; the second exit leaves and hangs them up', async () => {
    const t = await start();
    line(t, 'sleep 50');
    await t.see('tosh> sleep 50');
    await untilForeground(t.pid(), 'sleep');
    t.press('C-z');
    line(t, 'jobs -p');
    const pid = Number((await t.see(/148\] tosh> jobs -p\n(\d+)/)).match(/jobs -p\n(\d+)/)?.[1]);
    expect(procState(pid)).toBe('T');
    line(t, 'exit');
    await t.see(/^tosh: there are stopped jobs$/m);
    t.press('C-d');
    await t.see('[exit 0]');
    expect(ended(pid)).toBe(true);
  });

  it('says what is wrong with bad input, in one line each', async () => {
    const t = await start();
    line(t, 'fg');
    await t.see(/^tosh: fg: current: no such job$/m);
    line(t, 'fg %9');
    await t.see(/^tosh: fg: %9: no such job$/m);
    line(t, 'kill %x');
    await t.see(/^tosh: kill: %x: no such job$/m);
    line(t, '& echo no');
    await t.see(/tosh> & echo no\ntosh: syntax error near unexpected token '&'$/m);
    line(t, 'sleep 1 & &');
    await t.see(/tosh> sleep 1 & &\ntosh: syntax error near unexpected token '&'$/m);
    line(t, 'wait 1');
    await t.see(/^tosh: wait: pid 1 is not a child of this shell$/m);
    line(t, 'bg');
    await t.see(/^tosh: bg: current: no such job$/m);
  });

  it('without the FFI: & and jobs and wait work, Ctrl-Z says it is not available', async () => {
    const t = await start('TOSH_NO_FFI=1');
    line(t, 'sleep 0.5 &');
    await t.see(/^\[1\] \d+$/m);
    line(t, 'jobs; wait; echo "waited $?"');
    await t.see(row(`${job(1, '+', 'Running', 'sleep 0.5 &')}\nwaited 0`));
    line(t, 'sleep 1; echo after');
    await t.see('tosh> sleep 1; echo after');
    await untilForeground(t.pid(), 'sleep');
    t.press('C-z');
    await t.see(/^tosh: Ctrl-Z is not available: TOSH_NO_FFI=1 is set$/m);
    await t.see(/^after$/m);
    await modesUnchanged(t);
  });
});
