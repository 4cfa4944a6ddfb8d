/**
 * Standard output on its way to a pipe or a file (CONTRACT §11).
 *
 * Writing each line's output as it is made costs a syscall per line and
 * halved the lines a stdin script could run per second; holding it in an
 * ordinary queue would lose it when a plugin then holds the thread until the
 * shell is ended. So it waits here, in memory the watchdog thread shares:
 * the main thread writes it out when its work yields (or the spool fills),
 * and the watchdog writes it when the main thread is stuck, and before it
 * ends a stuck shell.
 *
 * One lock guards the bytes: the main thread (1) holds it only to copy text in
 * or out; the watchdog (2) holds it while it writes, so that what either thread
 * writes later reaches the output later.
 */

/** Bytes held before the main thread writes them out without waiting for its work to yield. */
const CAPACITY = 256 * 1024;
/** Header slots (Int32): the lock, then how many bytes are held. */
const LOCK = 0;
const LENGTH = 1;
const HEADER_BYTES = 16;

export class Spool {
  readonly buffer = new SharedArrayBuffer(HEADER_BYTES + CAPACITY);
  private readonly header = new Int32Array(this.buffer, 0, HEADER_BYTES / 4);
  private readonly data = new Uint8Array(this.buffer, HEADER_BYTES, CAPACITY);
  private readonly encoder = new TextEncoder();

  /** Bytes held. */
  get length(): number {
    return Atomics.load(this.header, LENGTH);
  }

  /** Add text; `full` is called (lock released) each time the spool fills up, and must empty it with `take`. */
  append(text: string, full: () => void): void {
    let rest = text;
    for (;;) {
      this.lock();
      const length = Atomics.load(this.header, LENGTH);
      const { read, written } = this.encoder.encodeInto(rest, this.data.subarray(length));
      Atomics.store(this.header, LENGTH, length + written);
      this.unlock();
      if (read === rest.length) return;
      rest = rest.slice(read);
      full();
    }
  }

  /** Everything held (a copy), leaving the spool empty; undefined when it is empty. */
  take(): Buffer | undefined {
    if (Atomics.load(this.header, LENGTH) === 0) return undefined;
    this.lock();
    const length = Atomics.load(this.header, LENGTH);
    const bytes = length > 0 ? Buffer.from(this.data.subarray(0, length)) : undefined;
    Atomics.store(this.header, LENGTH, 0);
    this.unlock();
    return bytes;
  }

  private lock(): void {
    // Contended only while the watchdog (2) writes for a stuck main thread: wait for it (a write, briefly).
    // Held by the main thread itself (1) means Ctrl-C interrupted the plugin call it was made from
    // (base/faults.ts) between lock and unlock: that section is over, and what it did is consistent.
    for (;;) {
      const held = Atomics.compareExchange(this.header, LOCK, 0, 1);
      if (held === 0 || held === 1) return;
      Atomics.wait(this.header, LOCK, held, 5);
    }
  }

  private unlock(): void {
    Atomics.store(this.header, LOCK, 0);
  }
}

/** The process's one spool for standard output. */
export const stdoutSpool = new Spool();

/**
 * The watchdog's side, as plain CommonJS source for the worker (it must not
 * depend on the bundle): `writeSpool(spool, deadlineMs)` writes what the
 * spool holds to fd 1 and returns true when it is all out. A pipe is written
 * without blocking (a reader that stopped reading must not keep the watchdog
 * from ending the shell in time): what does not fit before the deadline
 * stays held.
 */
export const SPOOL_WORKER_SOURCE = `
function writeSpool(buffer, deadlineMs) {
  const fs = require('node:fs');
  const header = new Int32Array(buffer, 0, ${HEADER_BYTES / 4});
  const data = new Uint8Array(buffer, ${HEADER_BYTES}, ${CAPACITY});
  if (Atomics.load(header, ${LENGTH}) === 0) return true;
  const until = Date.now() + deadlineMs;
  while (Atomics.compareExchange(header, ${LOCK}, 0, 2) !== 0) {
    if (Date.now() > until) return false;
    Atomics.wait(header, ${LOCK}, 1, 1);
  }
  let fd = 1;
  let own = false;
  try {
    const length = Atomics.load(header, ${LENGTH});
    if (fs.fstatSync(1).isFIFO()) {
      fd = fs.openSync('/proc/self/fd/1', fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
      own = true;
    }
    let done = 0;
    while (done < length) {
      try {
        done += fs.writeSync(fd, data, done, length - done);
      } catch (error) {
        if (error.code !== 'EAGAIN' || Date.now() > until) break;
        Atomics.wait(header, ${LENGTH + 2}, 0, 2);
      }
    }
    data.copyWithin(0, done, length);
    Atomics.store(header, ${LENGTH}, length - done);
    return done === length;
  } catch {
    return false;
  } finally {
    if (own) try { fs.closeSync(fd); } catch {}
    Atomics.store(header, ${LOCK}, 0);
  }
}
`;
