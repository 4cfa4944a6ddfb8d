/**
 * Where a command's output goes: the plain renderer, the ink UI, or a
 * capture (pipes, redirects, `ctx.run`, `$(…)`).
 */
import type { Output, Progress, ProgressOptions, PromptOptions } from '../../plugin-sdk/types.ts';
import { type RenderOptions, renderValue } from '../render/render.ts';

/** Where one command's output goes. */
export interface Sink {
  out: Output;
  err: Output;
  color: boolean;
  /**
   * Show a command's returned value. A large one is written piece by piece
   * (render/render.ts `renderChunks`), and stops when `signal` aborts (Ctrl-C).
   */
  value(value: unknown, signal?: AbortSignal): void | Promise<void>;
  progress(options: ProgressOptions, command: string): Progress;
  /** Ask the user a question (`ctx.prompt`); only the interactive UI can. */
  ask?(question: string, options: PromptOptions, signal: AbortSignal): Promise<string>;
  /**
   * Set when `out` and `err` are the process's own standard output and error:
   * programs then write to them directly (streaming, nothing held), and take
   * this standard input.
   */
  inherit?: { stdin: 'inherit' | 'ignore' };
  /** Hand everything written so far to the OS before a program writes to the same stream. */
  flush?(): Promise<void>;
  /** Where in a script the command is (`build.tosh:3: `): the shell's error lines begin with it. */
  where?: string;
  /**
   * Ctrl-C stopped plugin code that held the thread (the terminal's signal, not a key the UI read): the
   * interactive UI shows `^C` where the output stopped, as a terminal in cooked mode echoes it.
   */
  interrupted?(): void;
  /** The interactive UI steps aside while a program uses the terminal (`vim`, `less`). */
  terminal?<T>(run: () => Promise<T>): Promise<T>;
  /**
   * The interactive UI's Ctrl-Z on a line that holds no terminal (plugin commands): whoever runs in the
   * foreground sets `handler` (the runner for the line, `fg` for the job it continues); the UI calls it,
   * and gets the job now running in the background (undefined: nothing to send there).
   */
  suspend?: {
    handler: (() => import('./jobs.ts').Job | undefined) | undefined;
    /** Programs that hold (or are about to be given) the terminal: the terminal's own Ctrl-Z is theirs. */
    holding?: number;
    /** A Ctrl-Z typed while they were being started (before they had the terminal): they get it once they have. */
    pending?: boolean;
    /** Set when the programs given the terminal were stopped (the terminal echoed `^Z`: the UI ends that line). */
    stopped?: boolean;
  };
}

/** A sink that keeps text in memory (pipes, redirects, `ctx.run`). */
export function captureSink(color = false, columns = 80): Sink & { text(): string; errors(): string } {
  let out = '';
  let err = '';
  const options: RenderOptions = { color, columns };
  return {
    out: { write: (t) => void (out += t), isTTY: false, columns },
    err: { write: (t) => void (err += t), isTTY: false, columns },
    color,
    value: (value) => void (out += renderValue(value, options)),
    progress: () => ({ update() {}, tick() {}, done: (m) => void (m && (err += `${m}\n`)) }),
    text: () => out,
    errors: () => err,
  };
}

/** Plain progress for a stream: a redrawn line on a terminal, a line per 10% otherwise. */
export function plainProgress(err: Output, options: ProgressOptions, command: string): Progress {
  const label = options.label ?? command;
  const total = options.total;
  let current = 0;
  let lastShown = -1;
  let text = label;
  const show = (final = false) => {
    const pct = total ? Math.min(100, Math.floor((current / total) * 100)) : -1;
    if (err.isTTY) {
      const bar = total ? `[${'#'.repeat(Math.round(pct / 5)).padEnd(20, '.')}] ${current}/${total}` : '...';
      err.write(`\r\u001b[2K${text} ${bar}`);
      return;
    }
    const step = total ? Math.floor(pct / 10) : 0;
    if (!final && step === lastShown) return;
    lastShown = step;
    err.write(total ? `${text}: ${current}/${total} (${pct}%)\n` : `${text}...\n`);
  };
  show();
  return {
    update(value, newLabel) {
      current = value;
      if (newLabel !== undefined) text = newLabel;
      show();
    },
    tick(step = 1) {
      current += step;
      show();
    },
    done(message) {
      if (err.isTTY) err.write('\r\u001b[2K');
      if (message) err.write(`${message}\n`);
    },
  };
}
