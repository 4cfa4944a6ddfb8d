/**
 * A plugin command that writes to `process.stdout` or `process.stderr`
 * itself (its own `console.log`, a library's progress text) writes where
 * its command's output goes (`> file`, `| wc -l`, above the prompt), as if it
 * had used `ctx.stdout` and `ctx.stderr` (CONTRACT §11).
 *
 * The command's writers are set while its code runs: its synchronous call
 * (`asPlugin`) and every later turn of its async functions, which the build
 * lowers to generators resumed through `guardTurns` (guard.ts), which sets
 * them again for each turn. Every way back into the shell (`ctx`) clears them
 * (`asShell`), so the shell's own writes take the streams as they are.
 * Outside a command (a plugin's load, a timer's callback, a turn after its
 * command ended) the streams are the process's, as before. (Not an
 * AsyncLocalStorage: with one enabled, Node 20 tracks every promise of the
 * process, and the interpreter's loops ran 30% slower.)
 */
import { format } from 'node:util';
import { isThenable, promiseThen } from './native.ts';

export interface Writers {
  out(text: string): unknown;
  err(text: string): unknown;
}

let installed = false;
/** The writers of the command whose code runs now. */
let active: Writers | undefined;
/** The writers of commands that have settled: a later turn of their code is outside any command. */
const ended = new WeakSet<Writers>();

/** The writers of the command whose code runs now (for `guardTurns` to keep for the later turns). */
export const commandWriters = (): Writers | undefined => active;

/** Run a later turn of a command's code with its writers again (none once that command has settled). */
export function withWriters<T>(writers: Writers | undefined, run: () => T): T {
  const previous = active;
  active = writers !== undefined && !ended.has(writers) ? writers : undefined;
  try {
    return run();
  } finally {
    active = previous;
  }
}
type Write = (chunk: unknown, encoding?: unknown, callback?: unknown) => boolean;

function textOf(chunk: unknown, encoding: unknown): string {
  if (typeof chunk === 'string') return chunk;
  if (chunk instanceof Uint8Array)
    return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString(
      typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
    );
  return String(chunk);
}

/** Route the two streams' `write` (once, at the first plugin command: the streams are not made before). */
function install(): void {
  installed = true;
  for (const [stream, key] of [
    [process.stdout, 'out'],
    [process.stderr, 'err'],
  ] as const) {
    const native = stream.write as unknown as Write;
    const routed: Write = function (this: unknown, chunk, encoding, callback) {
      const writers = this === stream ? active : undefined;
      if (writers === undefined) return native.call(this, chunk, encoding, callback);
      const done = typeof encoding === 'function' ? encoding : typeof callback === 'function' ? callback : undefined;
      asShell(() => writers[key](textOf(chunk, encoding)));
      if (done) process.nextTick(done as () => void);
      return true;
    };
    stream.write = routed as unknown as typeof stream.write;
  }
  // The console too, whoever patched it before (the interactive UI's ink writes it above the prompt,
  // erasing and redrawing itself: inside a command the text goes to the command's output instead).
  const methods = [
    ['log', 'out'],
    ['info', 'out'],
    ['debug', 'out'],
    ['warn', 'err'],
    ['error', 'err'],
  ] as const;
  for (const [method, key] of methods) {
    const previous = console[method];
    console[method] = (...args: unknown[]) => {
      const writers = active;
      if (writers === undefined) return previous.apply(console, args);
      asShell(() => writers[key](`${format(...args)}\n`));
    };
  }
}

/** Call a command's code (`call`) with its writes to the process's streams going to `writers`. */
export function asPlugin<T>(writers: Writers, call: () => T): T {
  if (!installed) install();
  const previous = active;
  active = writers;
  let result: T;
  try {
    result = call();
  } catch (error) {
    ended.add(writers);
    throw error;
  } finally {
    active = previous;
  }
  const settled = () => void ended.add(writers);
  if (isThenable(result)) promiseThen(result, settled, settled);
  else ended.add(writers);
  return result;
}

/** Run shell code called from a plugin's (through `ctx`) as the shell's own: its writes are not routed. */
export function asShell<T>(run: () => T): T {
  if (active === undefined) return run();
  const previous = active;
  active = undefined;
  try {
    return run();
  } finally {
    active = previous;
  }
}

/** `value` with its methods run as the shell's (`ctx.shell`, a progress bar). */
export function shellSide<T extends object>(value: T): T {
  const wrap =
    (member: (...args: unknown[]) => unknown) =>
    (...args: unknown[]) =>
      asShell(() => Reflect.apply(member, value, args));
  // A frozen object (ctx.shell) cannot be proxied with other values: a frozen copy, its methods wrapped.
  if (Object.isFrozen(value)) {
    const copy = {};
    for (const key of Reflect.ownKeys(value)) {
      const d = Object.getOwnPropertyDescriptor(value, key) as PropertyDescriptor;
      Object.defineProperty(copy, key, 'value' in d && typeof d.value === 'function' ? { ...d, value: wrap(d.value) } : d);
    }
    return Object.freeze(copy) as T;
  }
  return new Proxy(value, {
    get(target, key) {
      const member = Reflect.get(target, key);
      return typeof member === 'function' ? wrap(member as (...args: unknown[]) => unknown) : member;
    },
  });
}
