/**
 * Who owns the terminal: the shell, or the job in the foreground (CONTRACT
 * §15), as bash and fish hand it over.
 *
 * - `takeTerminal()` once at start: wait until the shell's group is in the
 *   foreground (as bash does, by stopping itself with SIGTTIN), put the
 *   shell in a group of its own, ignore SIGTSTP/SIGTTIN/SIGTTOU with a real
 *   `SIG_IGN` (a JS handler would not stop the terminal driver from stopping
 *   the shell), make the shell the terminal's foreground group, save the
 *   terminal modes.
 * - `giveTerminal(pgid)` before a job runs in the foreground (`fg`):
 *   the shell's modes are saved, the job's own (from the last
 *   `reclaimTerminal`) put back when given.
 * - `reclaimTerminal()` when the job stops or ends: the foreground back to
 *   the shell, the shell's modes back (or, with `keepModes`, the job's kept
 *   as the shell's: bash keeps what `stty` leaves when a job exits normally,
 *   and restores its own after a job is stopped or killed by a signal).
 * - `releaseTerminal()` at exit: everything `takeTerminal` changed undone.
 *
 * Each is a no-op with a reason when there is no terminal or no FFI.
 * While a job owns the terminal the shell must not read it (pause stdin and
 * stop its handle reading): with SIGTTIN ignored, a background read fails
 * with EIO, which Node reports as a fatal `read EIO`.
 * Do not add `process.on('SIGTSTP' | 'SIGTTIN' | 'SIGTTOU')` listeners after
 * `takeTerminal()`: libuv would replace the `SIG_IGN`, and put `SIG_DFL` back
 * when the listener goes.
 */
import { constants } from 'node:os';
import { type Libc, libc, sys } from './ffi.ts';

/** The terminal's modes (a `struct termios`), opaque: handed back to `giveTerminal`. */
export type TerminalModes = Buffer;

/** What a terminal call did: `ok`, or why it did nothing. */
export type TerminalResult = { ok: true } | { ok: false; reason: string };

const { SIGTSTP, SIGTTIN, SIGTTOU } = constants.signals;
const { EINTR, EPERM } = constants.errno;
const SIG_IGN = 1n;
const TERMIOS_BYTES = 256;

interface Taken {
  c: Libc;
  fd: number;
  shellPgid: number;
  /** The shell's modes, put back after each job. */
  modes: TerminalModes;
  /** The group the shell was in when it started, and whether it left it for a group of its own. */
  startPgrp: number;
  madeGroup: boolean;
  dispositions: Map<number, bigint | null>;
  /** The group the terminal was last given to (until reclaimed). */
  foreground: number | undefined;
}

let taken: Taken | undefined;

const no = (reason: string): TerminalResult => ({ ok: false, reason });
const failed = (c: Libc, what: string) => no(`${what}: ${c.strerror(c.errno())}`);

/**
 * Make the shell the foreground process group of the terminal on `fd`
 * (default 0), in a group of its own, immune to SIGTSTP/SIGTTIN/SIGTTOU.
 * Blocks (stopped by SIGTTIN) while the shell was started in the background,
 * until its parent shell brings it to the foreground; gives up after 16 tries.
 */
export function takeTerminal(options: { fd?: number } = {}): TerminalResult {
  const c = libc();
  if (!c) return no('job control needs the FFI, which is not available');
  if (taken) return { ok: true };
  const fd = options.fd ?? 0;
  if (c.isatty(fd) !== 1) return no(`fd ${fd} is not a terminal`);
  for (let round = 0; ; round++) {
    const owner = c.tcgetpgrp(fd);
    if (owner < 0) return failed(c, 'tcgetpgrp');
    const own = c.getpgrp();
    if (owner === own) break;
    if (round === 16) return no('the shell is not in the foreground of its terminal');
    c.kill(-own, SIGTTIN);
  }
  const startPgrp = c.getpgrp();
  const pid = c.getpid();
  const madeGroup = startPgrp !== pid;
  if (madeGroup && c.setpgid(0, 0) !== 0) return failed(c, 'setpgid');
  const dispositions = new Map<number, bigint | null>();
  for (const sig of [SIGTSTP, SIGTTIN, SIGTTOU]) dispositions.set(sig, c.signal(sig, SIG_IGN));
  const modes = Buffer.alloc(TERMIOS_BYTES);
  if (c.tcsetpgrp(fd, pid) !== 0 || c.tcgetattr(fd, modes) !== 0) {
    const result = failed(c, 'tcsetpgrp');
    undo(c, fd, startPgrp, madeGroup, dispositions);
    return result;
  }
  taken = { c, fd, shellPgid: pid, modes, startPgrp, madeGroup, dispositions, foreground: undefined };
  return { ok: true };
}

/**
 * Hand the terminal to process group `pgid` (a job brought to the
 * foreground). The shell's current modes are saved first; `modes` (what
 * `reclaimTerminal` returned when the job last stopped) are put back for it.
 */
export function giveTerminal(pgid: number, options: { modes?: TerminalModes } = {}): TerminalResult {
  if (!taken) return no(notTaken());
  const { c, fd } = taken;
  if (!saveShellModes()) return failed(c, 'tcgetattr');
  if (options.modes && c.tcsetattr(fd, sys.TCSADRAIN, options.modes) !== 0) return failed(c, 'tcsetattr');
  const given = setForeground(c, fd, pgid);
  if (given.ok) taken.foreground = pgid;
  return given;
}

/**
 * Take the terminal back for the shell: it becomes the foreground group
 * again and its saved modes are restored, unless `keepModes` (a job that
 * exited normally: what it left, say `stty -echo`, becomes the shell's).
 * `jobModes` are the modes the job left, to give back with it on `fg`.
 */
export function reclaimTerminal(options: { keepModes?: boolean } = {}): TerminalResult & { jobModes?: TerminalModes } {
  if (!taken) return no(notTaken());
  const { c, fd } = taken;
  taken.foreground = undefined;
  if (c.tcsetpgrp(fd, taken.shellPgid) !== 0) return failed(c, 'tcsetpgrp');
  const jobModes = Buffer.alloc(TERMIOS_BYTES);
  if (c.tcgetattr(fd, jobModes) !== 0) return failed(c, 'tcgetattr');
  if (options.keepModes) jobModes.copy(taken.modes);
  else if (c.tcsetattr(fd, sys.TCSADRAIN, taken.modes) !== 0) return failed(c, 'tcsetattr');
  return { ok: true, jobModes };
}

/**
 * Undo `takeTerminal` before the shell exits: the shell's modes restored,
 * the group it started in rejoined and given the terminal back (when the
 * shell had left it), the three signals' dispositions restored.
 */
export function releaseTerminal(): TerminalResult {
  if (!taken) return no(notTaken());
  const { c, fd, modes, startPgrp, madeGroup, dispositions } = taken;
  taken = undefined;
  c.tcsetpgrp(fd, c.getpgrp());
  c.tcsetattr(fd, sys.TCSADRAIN, modes);
  undo(c, fd, startPgrp, madeGroup, dispositions);
  return { ok: true };
}

/** The terminal's fd once `takeTerminal` succeeded (what `startGroup`'s `foreground.ttyFd` wants). */
export function terminalFd(): number | undefined {
  return taken?.fd;
}

/** @internal The group the shell last gave the terminal to, while it has it. */
export function foregroundGroup(): { pgid: number; fd: number } | undefined {
  return taken?.foreground === undefined ? undefined : { pgid: taken.foreground, fd: taken.fd };
}

/** @internal spawn.ts: save the shell's modes before a job that takes the terminal at spawn starts. */
export function saveShellModes(): boolean {
  return taken !== undefined && taken.c.tcgetattr(taken.fd, taken.modes) === 0;
}

/** @internal spawn.ts: the job `pgid` was given the terminal at spawn (by the child itself, or `setForeground`). */
export function noteForeground(pgid: number): void {
  if (taken) taken.foreground = pgid;
}

/**
 * @internal `tcsetpgrp` as fish does it: EPERM is retried while the group
 * lives (WSL reports it spuriously); a group that has already ended (EPERM
 * or EINVAL with nobody left, xonsh#2220) is a reason, not an error.
 */
export function setForeground(c: Libc, fd: number, pgid: number): TerminalResult {
  for (let tries = 0; ; tries++) {
    if (c.tcsetpgrp(fd, pgid) === 0) return { ok: true };
    const code = c.errno();
    if (c.tcgetpgrp(fd) === pgid) return { ok: true };
    const alive = c.kill(-pgid, 0) === 0;
    if (!alive) return no(`process group ${pgid} has ended`);
    if ((code === EPERM || code === EINTR) && tries < 100) continue;
    return no(`tcsetpgrp: ${c.strerror(code)}`);
  }
}

function undo(c: Libc, fd: number, startPgrp: number, madeGroup: boolean, dispositions: Map<number, bigint | null>) {
  if (madeGroup && c.setpgid(0, startPgrp) === 0) c.tcsetpgrp(fd, startPgrp);
  for (const [sig, handler] of dispositions) c.signal(sig, handler);
}

const notTaken = () =>
  libc()
    ? 'the shell does not own a terminal (takeTerminal was not called or failed)'
    : 'job control needs the FFI, which is not available';
