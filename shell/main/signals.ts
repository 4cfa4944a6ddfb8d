/** Signals, and errors that no code caught (CONTRACT §11). */
import { Status } from '../base/errors.ts';
import { exitAfterOutput, flushOutput, watchStreams } from './output.ts';
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
      const text = String(error instanceof Error ? error.message : error);
      const end = text.indexOf('\n');
      process.stderr.write(`tosh: ${end < 0 ? text : text.slice(0, end)}\n`);
    }
  };
  process.on('uncaughtException', fault);
  process.on('unhandledRejection', fault);
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
      void leave(status);
    });
  }
}
