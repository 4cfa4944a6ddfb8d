/**
 * The descriptors of a running command, as the shell language sees them:
 * 0–9, each a channel. A channel is where text (and, between plugin
 * commands, values) goes or comes from: the line's sink (the terminal, the
 * UI, the process's own streams), a file a redirect opened, a capture (a pipe
 * into the next stage, `$(…)`), a program's pipe, text in memory (a
 * here-document, a value piped in). Redirects make a new table; programs get
 * real descriptors or pipes made from it; plugins get `Output`s and their
 * `input`; `read` reads lines from channel 0.
 */
import { readSync, writeSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { Output } from '../../plugin-sdk/types.ts';
import { oneLine, ShellError, Status } from '../base/errors.ts';
import { renderValue, stripAnsi, writeChunks } from '../render/render.ts';
import { CaptureFull, NestingAbort } from './abort.ts';
import type { Sink } from './sink.ts';

/** The most text one capture holds, in bytes (config.json `captureLimit`, in MB; CONTRACT §11). */
let captureLimit = 256 * 2 ** 20;

/** Set the limit of every capture from now on (the session does, from config.json). */
export function setCaptureLimit(megabytes: number): void {
  captureLimit = megabytes * 2 ** 20;
}

const tooMuch = () => `output for $(…) or a pipe is more than ${captureLimit / 2 ** 20} MB (config.json "captureLimit"): stopped`;
/** Past the limit the whole line stops (one message, status 1), as for nesting too deep. */
const overflow = () => new NestingAbort('capture', tooMuch());

/** Text and values collected for the next stage of a pipeline or for `$(…)`. */
export class Capture {
  private readonly chunks: ({ text: string } | { value: unknown })[] = [];
  private size = 0;
  private overflowed = false;
  constructor(readonly columns = 80) {}

  /** Throws once past the limit (what writes here stops: a program's pipe is closed, a plugin's write fails). */
  write(text: string): void {
    if (text === '') return;
    if (this.overflowed || this.size + text.length > captureLimit) {
      this.overflowed = true;
      this.chunks.length = 0;
      throw new CaptureFull(tooMuch());
    }
    const last = this.chunks.at(-1);
    if (last && 'text' in last) last.text += text;
    else this.chunks.push({ text });
    this.size += text.length;
  }

  value(value: unknown): void {
    if (value !== undefined) this.chunks.push({ value });
  }

  /** Everything as text, values rendered as `tosh -c` would print them to a file. */
  text(): string {
    if (this.overflowed) throw overflow();
    return this.chunks.map((c) => ('text' in c ? c.text : renderValue(c.value, { color: false, columns: this.columns }))).join('');
  }

  /** What the next stage gets: the one value when that is all there was, else the text (undefined when empty). */
  result(): unknown {
    if (this.overflowed) throw overflow();
    const [only, ...more] = this.chunks;
    if (only && more.length === 0 && 'value' in only) return only.value;
    if (this.chunks.length === 0) return undefined;
    return this.text();
  }

  get length(): number {
    return this.size;
  }
}

/** Text in memory read a line at a time (a here-document, a here-string, a value piped in). */
export class TextReader {
  private pos = 0;
  private text: string | undefined;
  constructor(
    source: string | undefined,
    /** The value it came from, when a plugin command piped one: a plugin reading all of it gets the value itself. */
    readonly value?: unknown,
    private readonly columns = 80,
  ) {
    this.text = source;
  }

  private all(): string {
    this.text ??= renderValue(this.value, { color: false, columns: this.columns });
    return this.text;
  }

  /** Nothing was read from it yet (so a plugin may take the value whole). */
  get untouched(): boolean {
    return this.pos === 0;
  }

  readLine(): string | null {
    const text = this.all();
    if (this.pos >= text.length) return null;
    const newline = text.indexOf('\n', this.pos);
    const end = newline < 0 ? text.length : newline + 1;
    const line = text.slice(this.pos, end);
    this.pos = end;
    return line;
  }

  /** The rest, taken. */
  rest(): string {
    const text = this.all().slice(this.pos);
    this.pos = this.all().length;
    return text;
  }
}

/** A stream (a program's output) read a line at a time by the shell, or handed over to a program. */
export class StreamReader {
  private buffer = '';
  private ended = false;
  private waiting: (() => void) | undefined;

  constructor(readonly stream: Readable) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.buffer += chunk;
      stream.pause();
      this.wake();
    });
    stream.on('end', () => {
      this.ended = true;
      this.wake();
    });
    stream.on('error', () => {
      this.ended = true;
      this.wake();
    });
    stream.pause();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  async readLine(): Promise<string | null> {
    for (;;) {
      const newline = this.buffer.indexOf('\n');
      if (newline >= 0) {
        const line = this.buffer.slice(0, newline + 1);
        this.buffer = this.buffer.slice(newline + 1);
        return line;
      }
      if (this.ended) {
        if (this.buffer === '') return null;
        const line = this.buffer;
        this.buffer = '';
        return line;
      }
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        this.stream.resume();
      });
    }
  }

  /** Everything left, as text (a plugin's `input`). */
  async rest(): Promise<string> {
    let out = '';
    for (let line = await this.readLine(); line !== null; line = await this.readLine()) out += line;
    return out;
  }

  /** What was read ahead and not yet taken (given to a program before the rest of the stream). */
  takeBuffered(): string {
    const text = this.buffer;
    this.buffer = '';
    return text;
  }

  get done(): boolean {
    return this.ended && this.buffer === '';
  }
}

/** A closed pipe: the reader went away (`| head -1`). What writes to it stops quietly, with status 141. */
export class PipeClosed extends Error {}

export type Channel =
  /** The line's own output (`stream` says which of its two). */
  | { kind: 'sink'; sink: Sink; stream: 'out' | 'err' }
  /** An open descriptor: a file a redirect opened, or a descriptor of the process. */
  | { kind: 'fd'; fd: number; name: string }
  | { kind: 'capture'; capture: Capture }
  /** Into a program's standard input (a pipe the shell writes). */
  | { kind: 'pipe'; stream: Writable; state: { closed: boolean; drained?: Promise<void> } }
  /** The shell's own standard input: the terminal (the UI asks), or what tosh -c was given. */
  | { kind: 'stdin'; inherit: 'inherit' | 'ignore' }
  | { kind: 'text'; reader: TextReader }
  | { kind: 'stream'; reader: StreamReader }
  | { kind: 'closed' };

/** Descriptors 0–9 of a command. */
export type Io = ReadonlyMap<number, Channel>;

export const CLOSED: Channel = { kind: 'closed' };

export function channel(io: Io, fd: number): Channel {
  return io.get(fd) ?? CLOSED;
}

/** An `Output` (what plugins write to) for an output channel. */
export function outputOf(ch: Channel, columns: number): Output {
  switch (ch.kind) {
    case 'sink':
      return ch.stream === 'out' ? ch.sink.out : ch.sink.err;
    case 'capture':
      return { write: (text) => ch.capture.write(String(text)), isTTY: false, columns };
    case 'fd':
      return {
        write: (text) => {
          try {
            writeSync(ch.fd, stripAnsi(String(text)));
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'EPIPE') throw new PipeClosed();
            throw new ShellError(`cannot write to ${ch.name}: ${oneLine(error)}`);
          }
        },
        isTTY: false,
        columns,
      };
    case 'pipe':
      return {
        write: (text) => {
          if (ch.state.closed) throw new PipeClosed();
          if (ch.stream.write(stripAnsi(String(text)))) return;
          // Backpressure: a plugin that awaits its writes waits for the program to read (one wait for all writers).
          ch.state.drained ??= new Promise<void>((resolve) => {
            const done = () => {
              ch.stream.off('drain', done).off('close', done);
              delete ch.state.drained;
              resolve();
            };
            ch.stream.on('drain', done).on('close', done);
          });
          return ch.state.drained;
        },
        isTTY: false,
        columns,
      };
    default:
      return {
        write: () => {
          throw new ShellError('write error: bad file descriptor');
        },
        isTTY: false,
        columns,
      };
  }
}

/** Show a command's value on an output channel: the sink renders it for the screen; elsewhere it is text (or kept, for a capture). */
export function showValue(ch: Channel, value: unknown, columns: number, signal?: AbortSignal): void | Promise<void> {
  if (value === undefined) return;
  if (ch.kind === 'sink' && ch.stream === 'out') return ch.sink.value(value, signal);
  if (ch.kind === 'capture') ch.capture.value(value);
  else {
    const out = outputOf(ch, columns);
    return writeChunks(value, { color: false, columns }, (text) => out.write(text), signal);
  }
}

/** Read a line from an input channel (`read`): with its newline, or null at the end. */
export async function readLine(ch: Channel, ask?: () => Promise<string>): Promise<string | null> {
  switch (ch.kind) {
    case 'text':
      return ch.reader.readLine();
    case 'stream':
      return ch.reader.readLine();
    case 'fd':
      return readFdLine(ch.fd);
    case 'stdin':
      if (ch.inherit === 'ignore') return null;
      if (ask) return `${await ask()}\n`;
      return readFdLine(0);
    default:
      return null;
  }
}

/** A line from a descriptor, a byte at a time so that nothing past it is taken from what follows (a program reads on from there). */
async function readFdLine(fd: number): Promise<string | null> {
  const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  const bytes: number[] = [];
  const one = Buffer.alloc(1);
  for (;;) {
    let n: number;
    try {
      n = await new Promise<number>((resolve, reject) =>
        fs.read(fd, one, 0, 1, null, (error, count) => (error ? reject(error) : resolve(count))),
      );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      if ((error as NodeJS.ErrnoException).code === 'EOF') n = 0;
      else throw error;
    }
    if (n === 0) break;
    bytes.push(one[0] as number);
    if (one[0] === 10) break;
  }
  return bytes.length === 0 ? null : Buffer.from(bytes).toString('utf8');
}

/** What a text or descriptor channel has left, read now (a plugin asked for its `input`). */
export function inputNow(ch: Channel): unknown {
  if (ch.kind === 'text') {
    if (ch.reader.untouched && ch.reader.value !== undefined) {
      const value = ch.reader.value;
      ch.reader.rest();
      return value;
    }
    return ch.reader.rest();
  }
  if (ch.kind === 'fd') return readAll(ch.fd);
  return undefined;
}

/** All that is left to read of a descriptor, as text. */
function readAll(fd: number): string {
  let out = '';
  const buffer = Buffer.alloc(64 * 1024);
  for (;;) {
    const n = readSync(fd, buffer, 0, buffer.length, null);
    if (n === 0) break;
    out += buffer.toString('utf8', 0, n);
  }
  return out;
}

/** Everything an input channel has left, as a plugin's `input` (the value itself when a plugin piped one and nothing was read). */
export async function inputOf(ch: Channel): Promise<unknown> {
  switch (ch.kind) {
    case 'text':
      return inputNow(ch);
    case 'stream':
      return ch.reader.rest();
    case 'fd':
      return readAll(ch.fd);
    default:
      return undefined;
  }
}

/** The descriptors of a line's own output and input: 1 and 2 the sink, 0 the shell's standard input (or nothing). */
export function rootIo(sink: Sink, stdin: Channel): Map<number, Channel> {
  return new Map<number, Channel>([
    [0, stdin],
    [1, { kind: 'sink', sink, stream: 'out' }],
    [2, { kind: 'sink', sink, stream: 'err' }],
  ]);
}
