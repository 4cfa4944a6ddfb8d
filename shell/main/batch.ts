/** The modes without a terminal UI: `-c LINE`, a script file, lines on stdin (CONTRACT §2). */
import { readFileSync } from 'node:fs';
import { quote, Status } from '../base/errors.ts';
import { interruptionCount, timers } from '../base/faults.ts';
import { shellQuote } from '../line/lexer.ts';
import { isIncomplete } from '../line/parser.ts';
import { cleanScript } from '../run/builtins/control.ts';
import type { CliOptions } from './argv.ts';
import { outputIsClosed } from './output.ts';
import { type Session, SIGNAL_EXIT_WAIT_MS } from './session.ts';
import { startWatching } from './watch.ts';

/** Let Node report a promise the line left rejected, so the line it belongs to fails. */
const settle = () => new Promise<void>((resolve) => timers.setImmediate(resolve));

/** Run the line, script or stdin the options name; resolves to the status to leave with. */
export async function runBatch(
  session: Session,
  options: CliOptions,
  watch: boolean,
  errorLine: (message: string) => void,
): Promise<number> {
  let script: string | undefined;
  // `tosh new greet`: a first word that is no file but a command runs as one line, with its arguments.
  let commandLine: string | undefined;
  const cannotRead = (code: string | undefined, message: string) =>
    errorLine(
      `cannot read script ${quote(options.script ?? '')}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : message}`,
    );
  if (options.script !== undefined) {
    try {
      const bytes = readFileSync(options.script);
      // As bash: a NUL before the first newline of the first 80 bytes is a binary file, not a script.
      const head = bytes.subarray(0, 80);
      const nul = head.indexOf(0);
      if (nul >= 0 && (head.indexOf(10) < 0 || nul < head.indexOf(10))) {
        errorLine(`${options.script}: cannot execute binary file`);
        return Status.notExecutable;
      }
      script = cleanScript(bytes.toString('utf8'));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' || options.script.includes('/')) {
        cannotRead(code, (error as Error).message);
        return Status.unknownCommand;
      }
      commandLine = [options.script, ...options.args].map(shellQuote).join(' ');
    }
  }

  const interrupted = interruptionCount();
  await session.start();
  // Ctrl-C while a plugin's top level held the start: that plugin is marked failed, and the run ends there.
  if (interruptionCount() !== interrupted) {
    await session.close(SIGNAL_EXIT_WAIT_MS);
    return Status.interrupted;
  }
  if (commandLine !== undefined && !session.table.resolve(options.script ?? '')) {
    cannotRead('ENOENT', '');
    return Status.unknownCommand;
  }
  const stopWatching = watch ? await startWatching(session) : undefined;
  const runner = session.runner;
  const state = session.state;
  if (options.errexit) state.options.errexit = true;
  if (options.script !== undefined && script !== undefined) {
    state.scriptName = options.script;
    state.positional = [...options.args];
  }
  let status = 0;
  try {
    const line = options.command ?? commandLine;
    // A plugin error reported while a line ran (from a timer, an event…) fails that line.
    let faults = runner.faultCount;
    if (line !== undefined || script !== undefined) {
      // A script is parsed whole before any of it runs (a syntax error anywhere is status 2, as bash does for a body).
      status = await session.runLine(
        script ?? (line as string),
        undefined,
        script !== undefined ? { file: options.script as string, text: script } : undefined,
      );
      await settle();
      if (faults !== runner.faultCount) status = status || Status.failed;
    } else {
      // readline is loaded only for stdin (it pulls in Node's streams).
      const lines = process
        .getBuiltinModule('node:readline')
        .createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
      let stopped = false;
      let pending = '';
      for await (const line of lines) {
        // A command continues on the next line while it is open (`if` … `fi`, a trailing `|`, a here-document).
        pending = pending === '' ? line : `${pending}\n${line}`;
        const trimmed = pending.trim();
        if (trimmed === '' || (trimmed.startsWith('#') && !pending.includes('\n'))) {
          pending = '';
          continue;
        }
        if (isIncomplete(pending)) continue;
        const text = pending;
        pending = '';
        const asyncBefore = runner.asyncRuns;
        status = await session.runLine(text);
        // After an async command, one turn of the event loop reports a rejection it left behind, failing
        // this line. The output of a burst of lines waits in the spool (the watchdog writes it if a later line holds the thread).
        if (runner.asyncRuns !== asyncBefore) await settle();
        // Ctrl-C stops a script as it would in sh, not just the line it interrupted.
        if (faults !== runner.faultCount) status = status || Status.failed;
        faults = runner.faultCount;
        if (outputIsClosed() || state.exitRequested !== undefined || status === Status.interrupted || (options.errexit && status !== 0)) {
          stopped = true;
          break;
        }
      }
      // What was left open at the end of the input: its syntax error.
      if (!stopped && pending.trim() !== '') status = await session.runLine(pending);
      // The lines stopped coming before the end of stdin: readline broke (a plugin replaced a global it uses).
      if (!stopped && !process.stdin.readableEnded) {
        errorLine('stopped reading lines before the end of the input (a plugin may have replaced a global the shell relies on)');
        status = Status.failed;
      }
    }
    status = await runner.leaving(state.exitRequested ?? status, session.options.sink);
    if (state.exitRequested !== undefined) state.exitRequested = status;
  } finally {
    await stopWatching?.();
    await session.close();
  }
  return session.state.exitRequested ?? status;
}
