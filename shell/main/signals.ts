/** Signals, and errors that no code caught (CONTRACT §11). */
import type { ChildProcess } from 'node:child_process';
import type { ReadStream } from 'node:tty';
import { oneLine, Status } from '../base/errors.ts';
import { timers } from '../base/faults.ts';
import { releaseTerminal, takeTerminal, unavailableReason } from '../sys/index.ts';
import { errorOut, exitAfterOutput, flushOutput, watchStreams } from './output.ts';
import { type Session, SIGNAL_EXIT_WAIT_MS } from './session.ts';

/**
 * Signals and errors no code caught. Ctrl-C cancels the running command
 * (status 130); a second one for a command that does not give way ends the
 * shell; with nothing running, Ctrl-C (outside the interactive shell),
 * SIGTERM and SIGHUP leave after each plugin's `dispose`. A plugin's error
 * thrown from a timer or a rejection is reported and the shell goes on.
 */
export function installFaultHandlers(session: Session, interactive: boolean, errorLine: (message: string) => void): void {
  // A plugin's dynamic import() goes through vm's main-context loader, which Node 20 flags as
  // experimental on first use: that warning is the shell's business, not the user's output.
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (type === 'ExperimentalWarning' && String(warning).includes('USE_MAIN_CONTEXT_DEFAULT_LOADER')) return;
    emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
  watchStreams(() => session.interrupt());
  // The last line of defence must not throw itself (a plugin may have broken what reporting uses): then one bare line.
  const fault = (error: unknown) => {
    try {
      session.pluginFault(error);
    } catch {
      errorOut(`tosh: ${oneLine(error)}\n`);
    }
  };
  // The capture callback, not an 'uncaughtException' listener: a plugin that removes the process's listeners
  // (or adds its own) does not take the last line of defence away. A rejection nobody listens for any more
  // is raised as an uncaught exception, and lands here too.
  try {
    process.setUncaughtExceptionCaptureCallback(fault);
  } catch {
    process.on('uncaughtException', fault);
  }
  process.on('unhandledRejection', fault);
  if (interactive) {
    guardTerminal();
    // After the first prompt is up: loading the FFI costs ~18 ms (programs started before run as without it).
    timers.setImmediate(() => takeJobControl(session));
  }
  // A plugin's process.exit() would end the shell with its output still held: it throws where it was called
  // instead, so the command (or, from a timer, the plugin) fails with one line. The shell leaves through exitProcess.
  process.exit = ((code?: number | string | null) => {
    throw new Error(`process.exit(${code ?? ''}) cannot end the shell; a command fails with a status by throwing CommandError`);
  }) as typeof process.exit;
  // Whatever ends the process after all, output held in the spool goes out first.
  process.on('exit', flushOutput);
  let leaving = false;
  const leave = async (status: number) => {
    if (leaving) return;
    leaving = true;
    session.interrupt();
    await session.close(SIGNAL_EXIT_WAIT_MS);
    await exitAfterOutput(status);
  };
  const onSigint = () => {
    // `trap '…' INT` in a script: its action runs and the script goes on.
    if (!interactive && session.trapSignal('INT')) return;
    if (session.stuck) {
      errorLine('the running command does not give way to Ctrl-C: leaving the shell');
      void exitAfterOutput(Status.interrupted);
      return;
    }
    if (session.interrupt() || interactive) return;
    void leave(Status.interrupted);
  };
  session.onSigint = onSigint;
  process.on('SIGINT', onSigint);
  for (const [signal, status] of [
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.on(signal, () => {
      if (session.trapSignal(signal === 'SIGTERM' ? 'TERM' : 'HUP')) return;
      // The terminal hung up: every job goes with the shell, as in bash (its own process group spares it otherwise).
      if (signal === 'SIGHUP' && interactive) session.jobs.hangUp(true);
      void leave(status);
    });
  }
}

/**
 * Job control for the interactive shell (CONTRACT §15): the shell takes its terminal (a process group of
 * its own, SIGTSTP/SIGTTIN/SIGTTOU ignored for real), so that programs run as jobs the terminal can stop.
 * Where the FFI is missing, Ctrl-Z while a program has the terminal would stop the shell with it: the
 * shell catches SIGTSTP instead, continues its process group and says that Ctrl-Z is not available.
 */
function takeJobControl(session: Session): void {
  const taken = takeTerminal();
  if (taken.ok) {
    process.on('exit', () => releaseTerminal());
    return;
  }
  if (!process.stdin.isTTY) return;
  const why = unavailableReason() ?? taken.reason;
  process.on('SIGTSTP', () => {
    try {
      process.kill(0, 'SIGCONT');
    } catch {}
    session.notice(`Ctrl-Z is not available: ${why}`);
  });
}

/**
 * What the terminal guard runs: it waits for the shell's process to be gone, then puts the terminal
 * back in cooked mode (and bracketed paste off, the cursor shown). A normal exit kills it first.
 */
const GUARD = `while kill -0 "$1" 2>/dev/null; do sleep 0.5; done; stty sane 2>/dev/null; printf '\\033[?2004l\\033[?25h'`;

/**
 * The interactive shell leaves the terminal in raw mode if the process ends
 * without running any of its code: V8's fatal errors (a plugin that
 * allocates until the heap is full aborts the process, 134) end every thread
 * at once, the watchdog's too. So a tiny process of its own (`sh`, in a
 * session of its own: no Ctrl-C or hang-up reaches it) outlives the shell to
 * restore it; on every ordinary exit the shell restores it itself and ends
 * the guard. Started after the first prompt (it costs a process start).
 */
function guardTerminal(): void {
  let guard: ChildProcess | undefined;
  timers.setImmediate(() => {
    try {
      const { spawn } = process.getBuiltinModule('node:child_process') as typeof import('node:child_process');
      guard = spawn('/bin/sh', ['-c', GUARD, 'tosh-terminal-guard', String(process.pid)], { detached: true, stdio: [0, 1, 'ignore'] });
      guard.on('error', () => {});
      guard.unref();
    } catch {}
  });
  process.on('exit', () => {
    try {
      guard?.kill('SIGKILL');
    } catch {}
    const stdin = process.stdin as ReadStream;
    try {
      if (stdin.isTTY && stdin.isRaw) stdin.setRawMode(false);
    } catch {}
  });
}
