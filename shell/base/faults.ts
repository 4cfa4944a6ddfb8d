/**
 * Keeping plugin code from taking the shell down (CONTRACT §11).
 *
 * - `guarded(fn)` runs a plugin's synchronous code through a tiny `vm.Script`
 *   with `breakOnSigint` (and a deadline when loading), so Ctrl-C stops even
 *   `for (;;) {}`: V8 throws ERR_SCRIPT_EXECUTION_INTERRUPTED inside it.
 * - Starting Node's SIGINT watchdog costs a thread per call (~70 µs); it is
 *   kept started while lines run in a burst (`SigintWatch`), so nested guarded
 *   calls are cheap, and a SIGINT that lands between calls is picked up from
 *   the watchdog's pending flag.
 * - A watchdog worker thread covers what the main thread cannot while it is
 *   stuck (code looping after an `await` is outside any guarded call): it sees
 *   SIGINT/SIGTERM/SIGHUP itself, reads Ctrl-C from the terminal in raw mode,
 *   and ends the process when the main thread does not answer in time.
 */

import { watchdogRunning } from './guard.ts';
import { timers } from './native.ts';
import { SPOOL_WORKER_SOURCE, stdoutSpool } from './spool.ts';

export {
  type Deadline,
  guarded,
  guardedHook,
  guardTurns,
  interruptionCount,
  isInterruption,
  isTimeout,
  outcomeOf,
  withoutGuardFrames,
} from './guard.ts';
export { afterSettled, allSettled, isThenable, newlyReplaced, promiseThen, settlesWithin, timers } from './native.ts';

interface ContextifyBinding {
  startSigintWatchdog(): void;
  stopSigintWatchdog(): boolean;
  watchdogHasPendingSigint(): boolean;
}

/** Node's own SIGINT watchdog, as the REPL drives it; undefined where it cannot be had. */
function contextify(): ContextifyBinding | undefined {
  const quiet = process.noDeprecation === true;
  try {
    process.noDeprecation = true;
    const binding = (process as unknown as { binding(name: string): ContextifyBinding }).binding('contextify');
    return typeof binding.startSigintWatchdog === 'function' ? binding : undefined;
  } catch {
    return undefined;
  } finally {
    process.noDeprecation = quiet;
  }
}

// Shared with the watchdog worker: one Int32 each.
const HEARTBEAT = 0;
/** 0: Node's SIGINT watchdog is off; 1: the main thread runs it; 2: the worker took it over. */
const WATCH = 1;
const BUSY = 2;
const INTERACTIVE = 3;
const SLOTS = 8;

/** The watch whose watchdog runs now (one at a time: Node's SIGINT watchdog is the process's). */
let running: SigintWatch | undefined;
let listening = false;

/** One `newListener` listener for the process, however many sessions it makes (the SDK's tests make many). */
function watchNewListeners(): void {
  if (listening) return;
  listening = true;
  process.on('newListener', (event: string | symbol, listener: (...args: unknown[]) => void) => {
    if (event !== 'SIGINT' || !running?.active) return;
    timers.queueMicrotask(() => running?.setAside(listener));
  });
}

/**
 * Keeps Node's SIGINT watchdog running while lines run (nested guarded calls
 * are then cheap) and hands a SIGINT caught between calls to `onSigint`.
 */
export class SigintWatch {
  private readonly binding = contextify();
  private poll: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private depth = 0;

  constructor(
    private readonly state: Int32Array,
    private readonly onSigint: () => void,
  ) {
    watchNewListeners();
  }

  get active(): boolean {
    return Atomics.load(this.state, WATCH) === 1;
  }

  /**
   * A SIGINT listener added while the watchdog runs (ink's signal-exit, a plugin's) would put libuv's
   * handler back in its place, and a Ctrl-C for a stuck command would go nowhere: set it aside too.
   */
  setAside(listener: (...args: unknown[]) => void): void {
    if (!this.active || !this.binding) return;
    process.removeListener('SIGINT', listener);
    this.listeners.push(listener);
    // With its last SIGINT handle gone libuv restored the default action: the watchdog's handler goes back.
    this.binding.stopSigintWatchdog();
    this.binding.startSigintWatchdog();
  }

  /** A line starts running. */
  enter(): void {
    this.depth++;
    Atomics.store(this.state, BUSY, 1);
    if (this.idleTimer) {
      timers.clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
    this.start();
  }

  /** SIGINT listeners set aside while Node's watchdog owns the signal (a listener added later would take it back). */
  private listeners: ((...args: unknown[]) => void)[] = [];

  private start(): void {
    if (!this.binding || Atomics.load(this.state, WATCH) !== 0) return;
    this.listeners = process.rawListeners('SIGINT') as ((...args: unknown[]) => void)[];
    process.removeAllListeners('SIGINT');
    this.binding.startSigintWatchdog();
    watchdogRunning(1);
    running = this;
    Atomics.store(this.state, WATCH, 1);
    this.poll = timers.setInterval(() => this.check(), 50);
    this.poll.unref();
  }

  /** A line ended: the watchdog stops once nothing has run for a moment (a burst of lines shares one). */
  leave(): void {
    this.depth = Math.max(0, this.depth - 1);
    if (this.depth > 0) return;
    Atomics.store(this.state, BUSY, 0);
    this.idleTimer ??= timers.setTimeout(() => {
      this.idleTimer = undefined;
      if (this.depth === 0) this.stop();
    }, 30);
    this.idleTimer.unref();
  }

  /** Take a SIGINT the watchdog holds now, rather than at its next poll (a program just sent one to the shell). */
  takePending(): void {
    this.check();
  }

  /** A SIGINT that reached the watchdog while no guarded code ran. */
  private check(): void {
    if (this.binding && this.active && this.binding.watchdogHasPendingSigint()) {
      this.stop(false);
      if (this.depth > 0) this.start();
      this.onSigint();
    }
  }

  /** Stop Node's watchdog; a SIGINT it was holding goes to `onSigint` unless `forward` is false. */
  stop(forward = true): void {
    if (this.poll) timers.clearInterval(this.poll);
    this.poll = undefined;
    const state = Atomics.compareExchange(this.state, WATCH, 1, 0);
    if (state === 2) Atomics.store(this.state, WATCH, 0); // The worker stopped it (the shell was stuck).
    if (state === 0 || !this.binding) return;
    watchdogRunning(-1);
    if (running === this) running = undefined;
    if (state === 1 && this.binding.stopSigintWatchdog() && forward) timers.queueMicrotask(this.onSigint);
    // Stopping leaves Node's exit-on-SIGINT handler installed: adding the listeners back puts libuv's in its place.
    // One its owner added again meanwhile (ink's signal-exit does, at each render) is there already or set aside twice: once.
    const present = new Set(process.rawListeners('SIGINT'));
    for (const listener of new Set(this.listeners.splice(0))) if (!present.has(listener)) process.on('SIGINT', listener);
  }
}

/**
 * The worker's code: plain CommonJS, evaluated as is (it must not depend on
 * the bundle). Its own timers and handles stay referenced (an idle worker
 * thread would end); the main thread unrefs the worker instead.
 */
const WORKER = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');
const state = new Int32Array(workerData.shared);
const pid = process.pid;
process.noDeprecation = true;
let binding;
try { binding = process.binding('contextify'); } catch {}
const say = (text) => { try { fs.writeSync(2, 'tosh: ' + text + '\\n'); } catch {} };
function restoreTerminal() {
  if (!Atomics.load(state, ${INTERACTIVE})) return;
  try { fs.writeSync(1, '\\u001b[?2004l\\u001b[?25h\\n'); } catch {}
  try {
    const tty = fs.openSync('/dev/tty', 'r');
    spawnSync('stty', ['sane'], { stdio: [tty, 'ignore', 'ignore'] });
    fs.closeSync(tty);
  } catch {}
}
${SPOOL_WORKER_SOURCE}
const spool = workerData.spool;
function end(text) {
  // The output the shell made before it got stuck goes out first.
  writeSpool(spool, 300);
  say(text);
  restoreTerminal();
  process.kill(pid, 'SIGKILL');
}
let beat = Atomics.load(state, ${HEARTBEAT});
let beatAt = Date.now();
const stuck = () => Date.now() - beatAt >= 400;
let tookOver = false;
let tty;
let ctrlC = 0;
try {
  const { Signal } = process.binding('signal_wrap');
  const watch = (signum, name) => {
    const handle = new Signal();
    handle.onsignal = () => {
      // SIGTERM and SIGHUP: the shell must be gone within 2 s; on its own it leaves within 1.8 s (dispose 1.5 s, output 0.3 s).
      setTimeout(() => end('a plugin holds the shell: ending it (' + name + ')'), 1900);
    };
    handle.start(signum);
  };
  const os = require('node:os');
  // Not SIGINT: Node's SIGINT watchdog owns that signal while lines run (see SigintWatch).
  watch(os.constants.signals.SIGTERM, 'SIGTERM');
  watch(os.constants.signals.SIGHUP, 'SIGHUP');
} catch {}
setInterval(() => {
  const now = Atomics.load(state, ${HEARTBEAT});
  if (now !== beat) {
    beat = now;
    beatAt = Date.now();
    ctrlC = 0;
    tookOver = false;
    return;
  }
  if (!stuck() || !Atomics.load(state, ${BUSY})) return;
  // What the stuck line and those before it printed is not held back while it is stuck.
  writeSpool(spool, 50);
  // Stuck outside any guarded call: a Ctrl-C waits in Node's SIGINT watchdog. Take the watchdog over
  // so that the next Ctrl-C ends the process (Node's exit handler restores the terminal).
  if (!tookOver && binding && Atomics.load(state, ${WATCH}) === 1 && binding.watchdogHasPendingSigint()) {
    if (Atomics.compareExchange(state, ${WATCH}, 1, 2) === 1) {
      binding.stopSigintWatchdog();
      tookOver = true;
      say('the running command does not give way to Ctrl-C: press Ctrl-C again to leave the shell');
    }
  }
  // In raw mode Ctrl-C is a byte the stuck main thread never reads: read the terminal here.
  if (Atomics.load(state, ${INTERACTIVE})) {
    try {
      tty ??= fs.openSync('/dev/tty', fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      const buf = Buffer.alloc(256);
      let n = 0;
      try { n = fs.readSync(tty, buf, 0, 256, null); } catch {}
      for (let i = 0; i < n; i++) {
        if (buf[i] !== 3) continue;
        ctrlC++;
        if (ctrlC === 1) process.kill(pid, 'SIGINT');
        else if (tookOver) process.kill(pid, 'SIGINT');
        else end('the running command does not give way to Ctrl-C: leaving the shell');
      }
    } catch {}
  }
}, 100);
`;

/**
 * The process-wide fault machinery: the SIGINT watch, and the watchdog
 * worker started the first time plugin code from outside the shell runs.
 */
export class Faults {
  private readonly state = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
  readonly sigint: SigintWatch;
  private worker: { terminate(): Promise<number> } | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(onSigint: () => void, interactive = false) {
    this.sigint = new SigintWatch(this.state, onSigint);
    if (interactive) Atomics.store(this.state, INTERACTIVE, 1);
  }

  /** Start the watchdog worker (once); cheap to call before every plugin call. */
  watch(): void {
    if (this.worker) return;
    try {
      const { Worker } = process.getBuiltinModule('node:worker_threads') as typeof import('node:worker_threads');
      const worker = new Worker(WORKER, {
        eval: true,
        workerData: { shared: this.state.buffer, spool: stdoutSpool.buffer },
        stdout: false,
        stderr: false,
      });
      worker.unref();
      worker.on('error', () => {});
      this.worker = worker;
      this.heartbeat = timers.setInterval(() => Atomics.add(this.state, HEARTBEAT, 1), 100);
      this.heartbeat.unref();
    } catch {
      // No worker threads: Ctrl-C still stops synchronous loops; a stuck shell needs SIGKILL.
    }
  }
}
