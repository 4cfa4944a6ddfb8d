/**
 * Running plugin code so that Ctrl-C, and a deadline, stop it even in a loop
 * that never yields (CONTRACT §11): `guarded(fn)` calls it through a tiny
 * `vm.Script` with `breakOnSigint` (V8 throws ERR_SCRIPT_EXECUTION_INTERRUPTED
 * inside it), and `guardTurns` does the same for every turn of a plugin's
 * async functions after an `await` (plugins/build.ts lowers them).
 */

import vm from 'node:vm';
import { commandWriters, withWriters } from './direct-writes.ts';
import { isThenable, promiseThen, timers } from './native.ts';

const NativePromise = Promise;

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

/** The SIGINT watch (base/faults.ts) started (+1) or stopped (-1) Node's watchdog. */
export function watchdogRunning(change: 1 | -1): void {
  watchdogs += change;
}

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

/**
 * A plugin's async function, lowered to a generator by the build (plugins/build.ts),
 * resumes through this wrapper: every turn after an `await` runs guarded, so
 * Ctrl-C stops a loop there too, and a hook's deadline holds for all its turns.
 * A turn while no line runs (nothing Ctrl-C could be for) is not guarded: that
 * would start a thread per turn.
 */
export function guardTurns<G extends Generator>(generator: G): Pick<G, 'next' | 'throw' | 'return'> {
  const deadline = current;
  // The command whose code made it: its later turns write where that command's output goes (direct-writes.ts).
  const writers = commandWriters();
  const turn = (step: () => IteratorResult<unknown>): IteratorResult<unknown> =>
    writers === undefined ? guardedTurn(step) : withWriters(writers, () => guardedTurn(step));
  const guardedTurn = (step: () => IteratorResult<unknown>): IteratorResult<unknown> => {
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

/**
 * How a plugin's hook ended: it returned (or its promise fulfilled), it threw
 * (or its promise rejected) — `{ error }` —, or it was still running at
 * `deadline` (epoch ms), if one is given.
 */
export function outcomeOf(hook: () => unknown, deadline?: number): Promise<'done' | 'late' | { error: unknown }> {
  let result: unknown;
  try {
    result = hook();
  } catch (error) {
    return Promise.resolve({ error });
  }
  if (!isThenable(result)) return Promise.resolve('done');
  return new NativePromise((resolve) => {
    const timer = deadline === undefined ? undefined : timers.setTimeout(() => resolve('late'), Math.max(1, deadline - Date.now()));
    const end = (outcome: 'done' | { error: unknown }) => {
      timers.clearTimeout(timer);
      resolve(outcome);
    };
    promiseThen(
      result as PromiseLike<unknown>,
      () => end('done'),
      (error) => end({ error }),
    );
  });
}
