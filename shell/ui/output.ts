/**
 * Finished output of the interactive shell (echoed lines, what commands
 * print, notices): not React, but text queued here and written above the
 * live part of the screen in chunks, yielding between them, so 50,000 lines
 * cost a few writes, memory stays flat, and a Ctrl-C typed during a flood is
 * read and stops it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Output } from '../../plugin-sdk/types.ts';
import { wrapWords } from '../render/render.ts';
import { dim, red } from './line.ts';

/** Output is written in chunks of about this many characters, with a turn of the event loop between them. */
const CHUNK = 64 * 1024;

export interface OutputOptions {
  color: boolean;
  columns(): number;
  /** The shell's working directory (a failed reload's file is shown from it). */
  cwd(): string;
  /** Where finished output is written; by default the view's (ink's stdout, above the live part). */
  write?(text: string): void;
}

export class OutputQueue {
  /** Output waiting to be written, and what waits for it to be written. */
  private pending = '';
  private pumpTimer: NodeJS.Immediate | undefined;
  private drainWaiters: (() => void)[] = [];
  /** Set by the view (`attach`): write finished text above the live part of the screen. */
  private writeAbove: ((text: string) => void) | undefined;

  constructor(readonly options: OutputOptions) {}

  /** Queue finished text (whole lines) for the output above the prompt. */
  emit(text: string): void {
    if (text === '') return;
    this.pending += text;
    this.pumpTimer ??= setImmediate(() => this.pump());
  }

  /** Where finished output goes from now on (the view, once it is mounted; output before that waits). */
  attach(write: (text: string) => void): void {
    this.writeAbove = write;
    this.pumpTimer ??= setImmediate(() => this.pump());
  }

  private pump(): void {
    this.pumpTimer = undefined;
    if (this.pending === '') {
      this.drainedNow();
      return;
    }
    const write = this.options.write ?? this.writeAbove;
    if (!write) return;
    let cut = this.pending.length;
    if (cut > CHUNK) {
      const newline = this.pending.lastIndexOf('\n', CHUNK);
      cut = newline > 0 ? newline + 1 : CHUNK;
    }
    const chunk = this.pending.slice(0, cut);
    this.pending = this.pending.slice(cut);
    write(chunk);
    // Between chunks the event loop turns: keys (Ctrl-C) are read, and a command still printing goes on.
    if (this.pending !== '') this.pumpTimer = setImmediate(() => this.pump());
    else this.drainedNow();
  }

  private drainedNow(): void {
    for (const waiter of this.drainWaiters.splice(0)) waiter();
  }

  /** Resolves once all queued output is written. */
  drained(): Promise<void> {
    if (this.pending === '' && !this.pumpTimer) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Drop output not yet written (Ctrl-C during a flood). */
  drop(): void {
    this.pending = '';
  }

  /** Lines of a kind, styled: errors red, notices dim. */
  push(kind: 'out' | 'err' | 'notice' | 'frozen', text: string): void {
    const lines = text.endsWith('\n') ? text : `${text}\n`;
    if (!this.options.color || kind === 'out' || kind === 'frozen') {
      this.emit(lines);
      return;
    }
    const style = kind === 'err' ? red : dim;
    this.emit(
      lines
        .slice(0, -1)
        .split('\n')
        .map((line) => style(line))
        .join('\n') + '\n',
    );
  }

  /**
   * A notice from the shell (`tosh: …`), word-wrapped to the terminal. A failed
   * reload is red, with the source line and a caret under the column, as vite shows it.
   */
  notice(message: string): void {
    const columns = this.options.columns();
    const text = `tosh: ${message}`;
    const wrapped = wrapWords(text, columns, 6);
    if (!/failed|refused|cannot|error/i.test(message)) {
      this.push('notice', wrapped);
      return;
    }
    this.push('err', wrapped);
    const failed = /^reload of \S+ failed: (.+?):(\d+):(\d+) /.exec(message);
    if (!failed) return;
    const [, file, line, column] = failed;
    try {
      const source = readFileSync(resolve(this.options.cwd(), file as string), 'utf8').split('\n')[Number(line) - 1];
      if (source === undefined) return;
      const number = `${line} | `;
      const caret = `${' '.repeat(number.length + Math.max(0, Number(column) - 1))}^`;
      this.emit(`${dim(number)}${source.slice(0, columns - number.length)}\n${this.options.color ? red(caret) : caret}\n`);
    } catch {
      // No source to show: the message alone says where.
    }
  }

  /** An output stream of the running line; `flush` ends a partial last line. */
  stream(kind: 'out' | 'err', alive: () => boolean): Output & { flush(): void } {
    let partial = '';
    const queue = this;
    const columns = this.options.columns;
    return {
      write(text: string) {
        if (!alive()) return;
        const all = partial + String(text);
        const end = all.lastIndexOf('\n');
        if (end < 0) {
          partial = all;
          return;
        }
        partial = all.slice(end + 1);
        queue.push(kind, all.slice(0, end + 1));
      },
      flush() {
        // A last line without its newline keeps a mark, as after a program (zsh's PROMPT_SP, fish's ⏎).
        if (partial !== '' && alive()) queue.push(kind, `${partial}${queue.options.color ? dim('⏎') : '⏎'}`);
        partial = '';
      },
      isTTY: true,
      get columns() {
        return columns();
      },
    };
  }
}
