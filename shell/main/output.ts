/**
 * The process's own standard output and error as the shell writes them:
 * through the spool to a pipe or a file, at once to a terminal, and drained
 * before the shell leaves (CONTRACT §11: nothing written is lost).
 */
import { fstatSync, writeSync } from 'node:fs';
import { getSystemErrorMap } from 'node:util';
import type { Output } from '../../plugin-sdk/types.ts';
import { allSettled, settlesWithin, timers } from '../base/faults.ts';
import { stdoutSpool } from '../base/spool.ts';
import { stripAnsi } from '../render/render.ts';

// Taken before any plugin runs (a plugin may replace the global).
const NativePromise = Promise;

/**
 * Standard output to a pipe or a file waits in the spool (shared with the
 * watchdog thread, so nothing is lost when a plugin then holds the thread)
 * until the current burst of work yields or the spool fills: one write per
 * burst instead of one per line on stdin. Standard error goes out at once.
 */
let flushScheduled = false;

export function flushOutput(): void {
  flushScheduled = false;
  const bytes = stdoutSpool.take();
  if (!bytes || outputClosed || writeFailed) return;
  if (toFile()) writeFile(bytes);
  else process.stdout.write(bytes);
}

let file: boolean | undefined;
/** Standard output is a file or a device (Node writes those synchronously anyway), not a pipe. */
function toFile(): boolean {
  if (file === undefined) {
    try {
      const stats = fstatSync(1);
      file = stats.isFile() || (stats.isCharacterDevice() && !process.stdout.isTTY);
    } catch {
      file = false;
    }
  }
  return file;
}

/** Write to a file by its descriptor, as Node would: a failure is known at once, in order with what follows. */
function writeFile(bytes: Buffer): void {
  try {
    for (let done = 0; done < bytes.length; ) done += writeSync(1, bytes, done, bytes.length - done);
  } catch (error) {
    failWrite(reasonOf(error as NodeJS.ErrnoException));
  }
}

/** Set once the reader of standard output has gone (`| head -1`): the rest is dropped quietly. */
let outputClosed = false;
/**
 * Set once writing standard output failed otherwise (`> /dev/full`): said once, the rest is dropped, the
 * status is 1. (A descriptor closed before tosh started, `>&-`, cannot be told: Node opens /dev/null in
 * its place before any of the shell runs, as `spawn`'s 'ignore' and Python's DEVNULL open it.)
 */
let writeFailed = false;

/** `tosh: write error: no space left on device`, once; what is still to be written is dropped. */
function failWrite(reason: string): void {
  if (writeFailed) return;
  writeFailed = true;
  writeErrors(`tosh: write error: ${reason}\n`);
}

/** `no space left on device` for ENOSPC, as libuv words it (a pipe's error says only `write EBADF`). */
function reasonOf(error: NodeJS.ErrnoException): string {
  const known = typeof error.errno === 'number' ? getSystemErrorMap().get(error.errno)?.[1] : undefined;
  return known ?? error.message.replace(/^[A-Z0-9]+: /, '').replace(/, \w+$/, '');
}

/** Note a reader that closed early (quietly) and any other failure to write standard output (one line). */
export function watchStreams(onClosed: () => void): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      if (outputClosed) return;
      outputClosed = true;
      onClosed();
    } else if (!outputClosed) failWrite(reasonOf(error));
  });
  process.stderr.on('error', () => {});
}

/** Writing standard output failed (other than a reader that left): the shell leaves with status 1. */
export const outputFailed = (): boolean => writeFailed;

/** Resolves once everything written to `stream` has been handed to the OS (a slow reader is waited for). */
export function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new NativePromise((resolve) => {
    if (stream.destroyed || !stream.writable || (stream === process.stdout && outputClosed)) return resolve();
    stream.write('', () => resolve());
  });
}

function enqueue(stream: NodeJS.WriteStream, text: string): void {
  if (stream === process.stderr) {
    // Errors and notices go out now, after the output made before them: a plugin that then holds the
    // thread until the process is ended (CONTRACT §11) must not take its last words with it.
    flushOutput();
    writeErrors(text);
    return;
  }
  if (outputClosed || writeFailed) return;
  stdoutSpool.append(text, flushOutput);
  if (!flushScheduled) {
    flushScheduled = true;
    timers.setImmediate(flushOutput);
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Standard error to a pipe or a file, written by the descriptor. Not through
 * `process.stderr`: a plugin's `ctx.stderr.write` is called from the plugin's
 * code, which Ctrl-C may interrupt anywhere (base/faults.ts), and a stream
 * interrupted inside its own bookkeeping stays stuck, holding every later
 * line back. A system call is all or nothing. A full pipe is waited for.
 */
/** One line on standard error, by its descriptor, whatever a plugin did to `process.stderr`. */
export const errorOut = (text: string): void => writeErrors(text);

function writeErrors(text: string): void {
  const bytes = Buffer.from(text);
  for (let done = 0; done < bytes.length; ) {
    try {
      done += writeSync(2, bytes, done, bytes.length - done);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return; // Nowhere left to say it.
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

const ACCEPTED = NativePromise.resolve();

/** What each stream's writers wait for while it is full: one promise for all of them (a loop of writes adds no listeners). */
const waiting = new Map<NodeJS.WriteStream, Promise<void>>();

/** Settles once `stream` takes more (backpressure for a plugin that awaits its writes, CONTRACT §11). */
function accepted(stream: NodeJS.WriteStream): Promise<void> {
  if (!stream.writableNeedDrain || stream.destroyed || outputClosed || writeFailed) return ACCEPTED;
  let wait = waiting.get(stream);
  if (!wait) {
    wait = new NativePromise((resolve) => {
      const done = () => {
        stream.off('drain', done).off('close', done).off('error', done);
        waiting.delete(stream);
        resolve();
      };
      stream.on('drain', done).on('close', done).on('error', done);
    });
    waiting.set(stream, wait);
  }
  return wait;
}

/** A process stream as an SDK `Output`, stripping colour where there must be none. */
export function processOutput(stream: NodeJS.WriteStream, color: boolean): Output {
  const send = stream.isTTY
    ? (text: string) => void ((outputClosed || writeFailed) && stream === process.stdout ? undefined : stream.write(text))
    : (text: string) => enqueue(stream, text);
  return {
    write: (text) => {
      send(color ? text : stripAnsi(text));
      return accepted(stream);
    },
    get isTTY() {
      return stream.isTTY === true;
    },
    get columns() {
      return stream.columns || 80;
    },
  };
}

/** Should output be coloured? `NO_COLOR` wins, then `FORCE_COLOR`, then "is it a terminal". */
export function colorEnabled(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTTY;
}

/** The reader of standard output went away (`| head -1`). */
export const outputIsClosed = (): boolean => outputClosed;

/** The status a shell leaves with when the reader of its output went away (as if killed by SIGPIPE). */
export const PIPE_CLOSED = 141;

/** Node's own `process.exit`, kept before any plugin runs: the one the shell leaves through. */
export const exitProcess: (status: number) => never = process.exit.bind(process);

/** Leave now, with whatever was written so far handed to the OS. */
export async function exitAfterOutput(status: number): Promise<never> {
  flushOutput();
  await settlesWithin(allSettled([drained(process.stdout), drained(process.stderr)]), 300);
  exitProcess(status);
}
