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
import vm from 'node:vm';
import { SPOOL_WORKER_SOURCE, stdoutSpool } from './spool.ts';

/**
 * The shell's own timers, taken when the shell loads, before any plugin runs: a plugin that replaces
 * the globals (they are the whole process's) does not stop the shell's output, lines or Ctrl-C.
 */
export const timers = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
  queueMicrotask: globalThis.queueMicrotask,
};

/**
 * Where the trampoline finds the function to call: a global lexical binding of its own (made by a
 * script, so no property of `globalThis` and no `Symbol.for` a plugin could replace is involved).
 */
interface GuardSlot {
  fn: (() => unknown) | undefined;
}
let slot: GuardSlot | undefined;
let trampoline: vm.Script | undefined;

function guardSlot(): GuardSlot {
  if (slot) return slot;
  try {
    slot = new vm.Script('const __tosh_guard_slot = { fn: undefined }; __tosh_guard_slot').runInThisContext() as GuardSlot;
  } catch {
    // Another copy of the shell in this process (the SDK's test harness beside the bundle) made it already.
    slot = new vm.Script('__tosh_guard_slot').runInThisContext() as GuardSlot;
  }
  trampoline = new vm.Script('__tosh_guard_slot.fn()', { filename: 'tosh:guard' });
  return slot;
}

/** The error V8 throws into code that Ctrl-C interrupted. */
export const isInterruption = (error: unknown) => (error as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED';

/** The error V8 throws into code that ran past its deadline. */
export const isTimeout = (error: unknown) => (error as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';

let interruptions = 0;

/** How many Ctrl-Cs have stopped plugin code so far (one taken while plugins load must still end a non-interactive start). */
export const interruptionCount = () => interruptions;

/**
 * The deadline of a plugin's hook (its loading, `setup`, `dispose`): until the
 * hook has settled (`open`), every later turn of the async code it started
 * runs with what is left of it as its timeout.
 */
export interface Deadline {
  at: number;
  open: boolean;
}

/** Guarded calls on the stack now: code they call is guarded already. */
let depth = 0;
/** The deadline of the guarded call running now, inherited by the async functions it starts. */
let current: Deadline | undefined;
/** Node's SIGINT watchdog is running (a line runs): a guarded call then costs about 2 µs, not a thread start. */
let watchdogs = 0;

const OPTIONS = { breakOnSigint: true, displayErrors: false } as const;

/**
 * Run plugin code so that Ctrl-C, and `timeoutMs` if given, can stop it even
 * in a loop that never yields. `deadline` bounds the async turns it starts
 * (see `guardTurns`).
 */
export function guarded<T>(fn: () => T, timeoutMs?: number, deadline?: Deadline): T {
  const held = guardSlot();
  const previous = held.fn;
  const outer = current;
  held.fn = fn;
  current = deadline ?? outer;
  depth++;
  try {
    // displayErrors would prepend the throwing source line to the plugin's error stack.
    return (trampoline as vm.Script).runInThisContext(timeoutMs ? { ...OPTIONS, timeout: timeoutMs } : OPTIONS) as T;
  } catch (error) {
    if (isInterruption(error)) interruptions++;
    throw error;
  } finally {
    depth--;
    current = outer;
    held.fn = previous;
  }
}

/** This file as stack frames name it (the shell's bundle, or the source under test). */
const ownFile = /^ +at (?:.* \()?(.+?):\d+:\d+\)?$/m.exec(new Error().stack ?? '')?.[1];
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const GUARD_FRAMES = /^ +at (?:tosh:guard:\d+:\d+|Script\.runInThisContext \(node:vm:\d+:\d+\))\n/gm;
// After a generator's resumption, the frames of this file up to the plugin's own are `guardTurns` at work.
const TURN_FRAMES =
  ownFile &&
  new RegExp(`(^ +at Generator\\.(?:next|throw|return) \\(<anonymous>\\)\\n)(?: +at .*\\(${literal(ownFile)}:\\d+:\\d+\\)\\n)+`, 'gm');

/** A stack without the frames of the guard itself (between a plugin's frames, they only say how it was called). */
export function withoutGuardFrames(stack: string): string {
  const bare = stack.replace(GUARD_FRAMES, '');
  return TURN_FRAMES ? bare.replace(TURN_FRAMES, '$1') : bare;
}

const timedOut = () => Object.assign(new Error('Script execution timed out.'), { code: 'ERR_SCRIPT_EXECUTION_TIMEOUT' });

/**
 * A plugin's hook (loading, `setup`, `dispose`) called guarded, with `ms` for
 * it and every turn of the async code it starts until the promise it returns
 * settles. `timeFirstTurn: false` spares the synchronous part V8's timeout
 * (a thread per call) where Ctrl-C is enough.
 */
export function guardedHook<T>(fn: () => T, ms: number, timeFirstTurn = true): T {
  const deadline: Deadline = { at: Date.now() + ms, open: true };
  const close = () => {
    deadline.open = false;
  };
  let result: T;
  try {
    result = guarded(fn, timeFirstTurn ? ms : undefined, deadline);
  } catch (error) {
    close();
    throw error;
  }
  if (isThenable(result)) promiseThen(result, close, close);
  else close();
  return result;
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';

// `Promise` and its `then` as the shell loaded them: a plugin that replaces them (they are the whole
// process's) does not change how the shell waits. `await` never looks `then` up on a native promise.
const NativePromise = Promise;
const nativeThen = Promise.prototype.then;
const apply = Reflect.apply;

/** `promise.then(onFulfilled, onRejected)` with the shell's own `then` (a foreign thenable's own). */
export function promiseThen(
  promise: PromiseLike<unknown>,
  onFulfilled: (value: unknown) => void,
  onRejected: (error: unknown) => void,
): void {
  apply(promise instanceof NativePromise ? nativeThen : promise.then, promise, [onFulfilled, onRejected]);
}

/** A native promise of `fn`'s value once `promise` has settled, either way (`fn` is told which). */
export function afterSettled<T>(promise: PromiseLike<unknown>, fn: (fulfilled: boolean) => T | PromiseLike<T>): Promise<T> {
  return new NativePromise<T>((resolve) =>
    promiseThen(
      promise,
      () => resolve(fn(true)),
      () => resolve(fn(false)),
    ),
  );
}

/** Resolves once every one of `promises` has settled (fulfilled or not). */
export function allSettled(promises: readonly PromiseLike<unknown>[]): Promise<void> {
  return new NativePromise<void>((resolve) => {
    let left = promises.length;
    const one = () => {
      if (--left === 0) resolve();
    };
    if (left === 0) resolve();
    for (const promise of promises) promiseThen(promise, one, one);
  });
}

/**
 * Whether `promise` settled within `ms`, with the shell's own timers and `then`. The timer is cleared
 * as soon as it does: a pending timer would keep a replaced plugin's code alive until it fires.
 */
export function settlesWithin(promise: PromiseLike<unknown>, ms: number): Promise<boolean> {
  return new NativePromise<boolean>((resolve) => {
    const timer = timers.setTimeout(() => resolve(false), ms);
    const done = () => {
      timers.clearTimeout(timer);
      resolve(true);
    };
    promiseThen(promise, done, done);
  });
}

/**
 * Globals the shell's own code relies on (they are the whole process's: a
 * plugin can replace them). What they were when the shell loaded, to tell
 * which were replaced since (docs/troubleshooting.md says which the shell
 * survives).
 */
const RELIED_ON: readonly [string, () => unknown][] = [
  ['JSON.parse', () => JSON.parse],
  ['JSON.stringify', () => JSON.stringify],
  ['Array.prototype.map', () => Array.prototype.map],
  ['Array.prototype.filter', () => Array.prototype.filter],
  ['Array.prototype.join', () => Array.prototype.join],
  ['Array.prototype.push', () => Array.prototype.push],
  ['String.prototype.split', () => String.prototype.split],
  ['String.prototype.replace', () => String.prototype.replace],
  ['String.prototype.slice', () => String.prototype.slice],
  ['String.prototype.trim', () => String.prototype.trim],
  ['Promise', () => Promise],
  ['Promise.prototype.then', () => Promise.prototype.then],
  ['Function.prototype.call', () => Function.prototype.call],
  ['Function.prototype.apply', () => Function.prototype.apply],
  ['Object.keys', () => Object.keys],
];
const reliedOn = RELIED_ON.map(([, get]) => get());
const toldOf = new Set<string>();

/**
 * Globals the shell relies on that were replaced since it loaded and not
 * named before (each is named once per process). Cheap: a few property reads.
 */
export function newlyReplaced(): string[] {
  const found: string[] = [];
  for (let i = 0; i < RELIED_ON.length; i++) {
    const [name, get] = RELIED_ON[i] as [string, () => unknown];
    let now: unknown;
    try {
      now = get();
    } catch {
      now = undefined;
    }
    if (now !== reliedOn[i] && !toldOf.has(name)) {
      toldOf.add(name);
      found[found.length] = name;
    }
  }
  return found;
}

/**
 * A plugin's async function, lowered to a generator by the build (plugins/build.ts),
 * resumes through this wrapper: every turn after an `await` runs guarded, so
 * Ctrl-C stops a loop there too, and a hook's deadline holds for all its turns.
 * A turn while no line runs (nothing Ctrl-C could be for) is not guarded: that
 * would start a thread per turn.
 */
export function guardTurns<G extends Generator>(generator: G): Pick<G, 'next' | 'throw' | 'return'> {
  const deadline = current;
  const turn = (step: () => IteratorResult<unknown>): IteratorResult<unknown> => {
    if (depth > 0) return step();
    if (deadline?.open) {
      const left = deadline.at - Date.now();
      if (left <= 0) throw timedOut();
      return guarded(step, left, deadline);
    }
    return watchdogs > 0 ? guarded(step) : step();
  };
  return {
    next: (value?: unknown) => turn(() => generator.next(value)),
    throw: (error?: unknown) => turn(() => generator.throw(error)),
    return: (value?: unknown) => turn(() => generator.return(value)),
  } as Pick<G, 'next' | 'throw' | 'return'>;
}

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
    watchdogs++;
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
    watchdogs--;
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
