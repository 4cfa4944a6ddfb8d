/** `break`, `continue`, `return`, `eval`, `source`/`.`, `exec`, `trap`: the built-ins that change where the shell goes next. */
import { readFileSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { type Exec, ExitFlow, LoopFlow, MAX_DEPTH, NestingAbort, ReturnFlow } from '../exec.ts';
import type { Builtin } from './types.ts';

/** A count argument (`break 2`): a positive integer, else an error and undefined. */
function count(arg: string | undefined, name: string, error: (m: string) => void): number | undefined {
  if (arg === undefined) return 1;
  if (!/^[0-9]+$/.test(arg) || Number(arg) < 1) {
    error(`${name}: ${arg}: loop count out of range`);
    return undefined;
  }
  return Number(arg);
}

const loop =
  (kind: 'break' | 'continue'): Builtin =>
  (args, x, call) => {
    const levels = count(args[0], kind, call.error);
    if (levels === undefined) return 1;
    if (x.loops === 0) {
      call.error(`${kind}: only meaningful in a 'for', 'while', or 'until' loop`);
      return 1;
    }
    throw new LoopFlow(kind, Math.min(levels, x.loops));
  };

/** A status word (`return 3`, `exit 300`): taken modulo 256, as bash. */
export function statusWord(arg: string | undefined, fallback: number): number | undefined {
  if (arg === undefined) return fallback;
  if (!/^-?[0-9]+$/.test(arg)) return undefined;
  return ((Number(arg) % 256) + 256) % 256;
}

const returnBuiltin: Builtin = (args, x, call) => {
  const status = statusWord(args[0], x.state.status);
  if (status === undefined) {
    call.error(`return: ${args[0]}: numeric argument required`);
    return 2;
  }
  if (x.frame.name === undefined && !x.frame.sourced) {
    call.error('return: can only return from a function or a sourced script');
    return 1;
  }
  throw new ReturnFlow(status);
};

const evalBuiltin: Builtin = (args, x, call) => {
  const text = args.join(' ');
  if (text.trim() === '') return 0;
  return call.engine.evalText(text, x);
};

/** The file `source NAME` reads: a path as given, else the first on PATH, else one in the working directory (as bash outside POSIX mode). */
function sourcePath(name: string, x: Exec): string | undefined {
  const isFile = (path: string) => {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  };
  if (name.includes('/')) return resolve(x.state.cwd, name);
  for (const dir of (x.state.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = join(isAbsolute(dir) ? dir : resolve(x.state.cwd, dir), name);
    if (isFile(path)) return path;
  }
  const here = resolve(x.state.cwd, name);
  return isFile(here) ? here : undefined;
}

const sourceBuiltin =
  (name: string): Builtin =>
  async (args, x, call) => {
    const [file, ...rest] = args;
    if (file === undefined) {
      call.error(`${name}: a file name is needed`);
      return 2;
    }
    const path = sourcePath(file, x);
    let text: string;
    try {
      if (!path) throw Object.assign(new Error(), { code: 'ENOENT' });
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      call.error(`${name}: ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : 'cannot read it'}`);
      return 1;
    }
    if (x.frame.depth >= MAX_DEPTH) throw new NestingAbort(name);
    const frame = {
      ...x.frame,
      positional: rest.length > 0 ? rest : x.frame.positional,
      depth: x.frame.depth + 1,
      origin: { file, text: cleanScript(text) },
      sourced: true,
    };
    try {
      return await call.engine.evalText(frame.origin.text, x, frame.origin, frame);
    } catch (flow) {
      if (flow instanceof ReturnFlow) return flow.status;
      throw flow;
    } finally {
      // `set --` in the sourced file with no arguments of its own changes the caller's.
      if (rest.length === 0) x.frame.positional = frame.positional;
    }
  };

/** A script's text as the parser takes it: a byte-order mark and carriage returns at line ends dropped. */
export function cleanScript(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
}

const execBuiltin: Builtin = async (args, _x, call) => {
  if (args.length === 0) return 0; // Redirects alone: applied to the shell by the runner.
  const status = await call.run(args, { functions: true });
  throw new ExitFlow(status);
};

/** The signals `trap` knows, by their names and numbers. */
const SIGNALS: Record<string, string> = {
  '0': 'EXIT',
  EXIT: 'EXIT',
  '1': 'HUP',
  HUP: 'HUP',
  '2': 'INT',
  INT: 'INT',
  '3': 'QUIT',
  QUIT: 'QUIT',
  '15': 'TERM',
  TERM: 'TERM',
  ERR: 'ERR',
  '10': 'USR1',
  USR1: 'USR1',
  '12': 'USR2',
  USR2: 'USR2',
};

const trapBuiltin: Builtin = (args, x, call) => {
  const traps = x.state.traps;
  if (args[0] === '--') args = args.slice(1);
  if (args.length === 0 || args[0] === '-p') {
    for (const [signal, action] of traps) call.out(`trap -- '${action.replace(/'/g, `'\\''`)}' ${signal}\n`);
    return 0;
  }
  if (args[0] === '-l') {
    call.out(`${[...new Set(Object.values(SIGNALS))].join(' ')}\n`);
    return 0;
  }
  // `trap N …` (a number first) resets those signals, as POSIX says.
  const reset = args[0] === '-' || /^[0-9]+$/.test(args[0] as string);
  const action = reset ? undefined : (args[0] as string);
  const names = reset && args[0] !== '-' ? args : args.slice(1);
  let status = 0;
  for (const raw of names) {
    const signal = SIGNALS[raw.toUpperCase().replace(/^SIG/, '')];
    if (!signal) {
      call.error(`trap: ${raw}: invalid signal specification`);
      status = 1;
      continue;
    }
    if (action === undefined) traps.delete(signal);
    else traps.set(signal, action);
  }
  return status;
};

/** `wait [%N|PID]…`: wait for background jobs; the status of the last one named (0 for all). */
const waitBuiltin: Builtin = async (args, x, call) => {
  // Background programs do not keep the shell alive by themselves; waiting for them does.
  const keepAlive = setInterval(() => {}, 2 ** 30);
  try {
    return await waitFor(args, x, call);
  } finally {
    clearInterval(keepAlive);
  }
};

async function waitFor(args: string[], x: Exec, call: Parameters<Builtin>[2]): Promise<number> {
  const jobs = call.engine.jobs;
  // Ctrl-C ends the wait (not the jobs), as in bash.
  let onAbort = () => {};
  const interrupted = new Promise<number>((resolve) => {
    onAbort = () => resolve(130);
    if (x.signal.aborted) resolve(130);
  });
  x.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await waitForJobs(args, jobs, interrupted, x, call);
  } finally {
    x.signal.removeEventListener('abort', onAbort);
  }
}

async function waitForJobs(
  args: string[],
  jobs: Parameters<Builtin>[2]['engine']['jobs'],
  interrupted: Promise<number>,
  x: Exec,
  call: Parameters<Builtin>[2],
): Promise<number> {
  if (args.length === 0) {
    const status = await Promise.race([jobs.waitAll().then(() => 0), interrupted]);
    return status;
  }
  let status = 0;
  for (const spec of args) {
    const job = jobs.find(spec);
    if (!job) {
      call.error(/^[0-9]+$/.test(spec) ? `wait: pid ${spec} is not a child of this shell` : `wait: ${spec}: no such job`);
      status = 127;
      continue;
    }
    status = await Promise.race([job.done, interrupted]);
    if (x.signal.aborted) return 130;
    jobs.remove(job);
  }
  return status;
}

export const controlBuiltins: [string, Builtin][] = [
  ['wait', waitBuiltin],
  ['break', loop('break')],
  ['continue', loop('continue')],
  ['return', returnBuiltin],
  ['eval', evalBuiltin],
  ['source', sourceBuiltin('source')],
  ['.', sourceBuiltin('.')],
  ['exec', execBuiltin],
  ['trap', trapBuiltin],
];
