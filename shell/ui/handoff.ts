/**
 * Letting a program use the terminal as in bash (`vim`, `less`, `git log |
 * less`): the output so far is on the screen, the live part is erased, raw
 * mode is off and the shell stops reading keys; afterwards all of it comes
 * back and the prompt is drawn again.
 */
import { dim } from './line.ts';

export interface HandoffView {
  color: boolean;
  /** Resolves once all queued output is on the screen. */
  drained(): Promise<void>;
  /** Erase the live part of the screen and forget it, so a program writes where the prompt was. */
  release(): void;
  /** The UI stops (true) or starts (false) drawing. */
  away(away: boolean): void;
  /** Draw now (after coming back). */
  redraw(): void;
}

/** Hand the terminal to `run`'s programs and take it back; `stopped` says they were stopped by Ctrl-Z (not ended). */
export async function handOff<T>(view: HandoffView, run: () => Promise<T>, stopped?: () => boolean): Promise<T> {
  await view.drained();
  view.away(true);
  view.release();
  const stdin = process.stdin;
  const tty = stdin.isTTY === true;
  // ink reads through a 'readable' listener, which keeps the stream reading whatever pause() says:
  // the listeners go, and the handle stops reading, so every key reaches the program.
  const readable = stdin.rawListeners('readable') as ((...args: unknown[]) => void)[];
  const handle = (stdin as unknown as { _handle?: { reading?: boolean; readStop?(): number; readStart?(): number } })._handle;
  if (tty) {
    process.stdout.write('\u001b[?2004l\u001b[?25h');
    stdin.setRawMode(false);
    stdin.removeAllListeners('readable');
    stdin.pause();
    if (handle?.readStop) {
      handle.readStop();
      handle.reading = false;
    }
  }
  try {
    return await run();
  } finally {
    // A program that ended mid-line (`printf abc`, the terminal's own `^C`) keeps that line: a mark and a
    // line's width of spaces wrap onto a fresh line only when the cursor was not at its start (zsh's PROMPT_SP).
    // A job stopped by Ctrl-Z left the terminal's `^Z` echo: that line ends there, as in bash.
    const columns = process.stdout.columns || 80;
    if (stopped?.()) process.stdout.write('\r\n');
    else if (process.stdout.isTTY) process.stdout.write(`${view.color ? dim('⏎') : '⏎'}${' '.repeat(columns - 1)}\r`);
    if (tty) {
      stdin.setRawMode(true);
      for (const listener of readable) stdin.on('readable', listener);
      if (handle?.readStart && !handle.reading) {
        handle.reading = true;
        handle.readStart();
      }
      process.stdout.write('\u001b[?2004h');
    }
    view.away(false);
    view.redraw();
  }
}
