/**
 * What the shell's own code uses of the globals, taken when the shell loads,
 * before any plugin runs (the globals are the whole process's: a plugin may
 * replace them), and which of those it relies on a plugin replaced since.
 */
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

/** A promise or anything with a `then` of its own. */
export const isThenable = (value: unknown): value is PromiseLike<unknown> =>
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
