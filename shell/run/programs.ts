/**
 * External programs: running a run of them joined by OS pipes, as sh does
 * (CONTRACT §10), with each one's descriptors where its redirects say.
 */
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { constants as os } from 'node:os';
import type { Readable, Writable } from 'node:stream';

/** Where a program's descriptor goes: an fd the shell holds, the shell's own (`inherit`), nothing, a pipe to the shell. */
export type StdioSpec = number | 'inherit' | 'ignore' | 'pipe';

/** One program of a run: its words and where its descriptors go. */
export interface ProgramSpec {
  path: string;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** 'pipe': fed by the caller (first program), or by the previous program. */
  stdin: StdioSpec;
  /** 'pipe': read by the caller (last program), or by the next program. 'stderr': where its stderr goes (`>&2`). */
  stdout: StdioSpec | 'stderr';
  /** 'stdout': where its stdout goes (`2>&1`). */
  stderr: StdioSpec | 'stdout';
  /** Descriptors 3–9 it is given (`3>file`). */
  extra?: Map<number, number>;
}

export interface RunningPrograms {
  /** The programs started by child_process (none when they run as a process group through shell/sys). */
  children: ChildProcess[];
  /** The process group they run in, with job control (job-control.ts). */
  group?: import('../sys/index.ts').Group;
  /** The first program's stdin when it is fed by the caller. */
  input: Writable | undefined;
  /** The last program's stdout when the caller reads it. */
  output: Readable | undefined;
  /** The programs' stderr that the caller reads. */
  errors: Readable[];
  /** Resolves to each program's status (128 + N when killed by signal N), in order. */
  statuses: Promise<number[]>;
  /** Resolves to the status of the last program, as sh reports. */
  done: Promise<number>;
  /** Send a signal to every program still running. */
  signal(name: NodeJS.Signals): void;
}

const shQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

const statusOf = (code: number | null, signal: NodeJS.Signals | null): number => code ?? 128 + (signal ? (os.signals[signal] ?? 1) : 1);

/**
 * Programs joined by pipes, as one `sh` script: Node's own 'pipe' is a socket
 * pair, where a writer whose reader left gets ECONNRESET ("yes: Connection
 * reset by peer") instead of a quiet SIGPIPE; sh makes real pipes. The
 * descriptors the shell holds for redirects are handed to sh as 3 and up.
 * With `statuses`, each program's status is written to the last descriptor
 * (pipefail needs them all; sh reports only the last).
 */
function shScript(specs: ProgramSpec[], statuses: boolean): { script: string; slots: number[] } {
  const slots: number[] = [];
  const slot = (fd: number) => {
    let i = slots.indexOf(fd);
    if (i < 0) i = slots.push(fd) - 1;
    return i + 3;
  };
  const commands = specs.map((spec, k) => {
    let text = [spec.path, ...spec.argv.slice(1)].map(shQuote).join(' ');
    const first = k === 0;
    const last = k === specs.length - 1;
    if (typeof spec.stdin === 'number' && !(first && spec.stdin === 0)) text += ` <&${slot(spec.stdin)}`;
    else if (spec.stdin === 'ignore' && !first) text += ' </dev/null';
    if (typeof spec.stdout === 'number') text += ` >&${slot(spec.stdout)}`;
    else if (spec.stdout === 'ignore') text += ' >/dev/null';
    else if (spec.stdout === 'inherit' && !last) text += ` >&${slot(1)}`;
    if (typeof spec.stderr === 'number') text += ` 2>&${slot(spec.stderr)}`;
    else if (spec.stderr === 'ignore') text += ' 2>/dev/null';
    for (const [fd, target] of spec.extra ?? []) text += ` ${fd}>&${slot(target)}`;
    if (spec.stdout === 'stderr') text += ' >&2';
    if (spec.stderr === 'stdout') text += ' 2>&1';
    return statuses ? `{ ${text}; echo "${k} $?" >&9; }` : text;
  });
  return { script: commands.join(' | '), slots };
}

/**
 * Start programs joined by OS pipes: each one's stdout is the next one's
 * stdin (the shell does not copy the data). A program that cannot start
 * reports why through `onError` and counts as status 126/127.
 */
export function startPrograms(
  specs: ProgramSpec[],
  onError: (message: string) => void,
  options: { statuses?: boolean } = {},
): RunningPrograms {
  const first = specs[0] as ProgramSpec;
  const lastSpec = specs[specs.length - 1] as ProgramSpec;
  const simple =
    specs.length === 1 && first.stdout !== 'stderr' && first.stderr !== 'stdout' && (first.extra === undefined || first.extra.size === 0);
  if (simple) return startOne(first, onError);
  const statuses = options.statuses === true && specs.length > 1;
  const { script, slots } = shScript(specs, statuses);
  // sh catches Ctrl-C (a handler, which its programs do not inherit, unlike an ignored signal) and waits for
  // them: the run's status is the last program's own, as `seq 1 1000 | less` then Ctrl-C and q gives 0.
  const stdin = typeof first.stdin === 'number' && first.stdin !== 0 ? 'ignore' : first.stdin;
  const stdout = lastSpec.stdout === 'pipe' ? 'pipe' : 'inherit';
  const stderr = specs.some((s) => s.stderr === 'pipe') ? 'pipe' : 'inherit';
  const sh: ProgramSpec = { ...first, path: '/bin/sh', argv: ['sh', '-c', `trap : INT; ${script}`], stdin, stdout, stderr };
  const fds: (number | 'pipe' | 'ignore')[] = [...slots];
  while (statuses && fds.length < 6) fds.push('ignore');
  if (statuses) fds.push('pipe');
  const run = startOne(sh, onError, fds);
  if (!statuses) return { ...run, statuses: run.done.then((s) => [s]) };
  const channel = (run.children[0]?.stdio as unknown as (Readable | null)[] | undefined)?.[9] ?? undefined;
  let text = '';
  channel?.setEncoding('utf8');
  channel?.on('data', (chunk: string) => (text += chunk));
  const ended = channel ? new Promise<void>((resolve) => channel.on('close', () => resolve())) : Promise.resolve();
  const all = Promise.all([run.done, ended]).then(([last]) => {
    const out = specs.map(() => -1);
    for (const line of text.split('\n')) {
      const [k, s] = line.split(' ');
      if (k !== undefined && s !== undefined) out[Number(k)] = Number(s);
    }
    // A program killed with its subshell reports nothing: the shell's own status stands for the last.
    if (out[out.length - 1] === -1) out[out.length - 1] = last;
    return out.map((s) => Math.max(s, 0));
  });
  return { ...run, statuses: all };
}

function startOne(spec: ProgramSpec, onError: (message: string) => void, extra: (number | 'pipe' | 'ignore')[] = []): RunningPrograms {
  const stdout = spec.stdout === 'stderr' ? 2 : spec.stdout;
  const stderr = spec.stderr === 'stdout' ? 1 : spec.stderr;
  const stdio = [spec.stdin, stdout, stderr, ...extra] as StdioOptions;
  if (spec.extra) for (const [fd, target] of spec.extra) (stdio as unknown[])[fd] = target;
  // Loaded when a program first runs: child_process and its streams cost start-up time otherwise.
  const { spawn } = process.getBuiltinModule('node:child_process') as typeof import('node:child_process');
  let child: ChildProcess;
  let failed: NodeJS.ErrnoException | undefined;
  try {
    child = spawn(spec.path, spec.argv.slice(1), { argv0: spec.argv[0], cwd: spec.cwd, env: spec.env, stdio });
  } catch (error) {
    // E2BIG and its kind are thrown by spawn itself, not reported as an 'error' event.
    failed = error as NodeJS.ErrnoException;
    const { spawn: again } = process.getBuiltinModule('node:child_process') as typeof import('node:child_process');
    child = again('/bin/true', [], { stdio: 'ignore' });
  }
  const done = new Promise<number>((resolve) => {
    const name = spec.argv[0];
    const report = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EACCES') {
        onError(`${name}: permission denied`);
        resolve(126);
      } else if (error.code === 'ENOENT') {
        onError(`${name}: no such file or directory`);
        resolve(127);
      } else if (error.code === 'E2BIG') {
        onError(`${name}: Argument list too long`);
        resolve(126);
      } else {
        onError(`${name}: ${error.message}`);
        resolve(126);
      }
    };
    if (failed) {
      report(failed);
      return;
    }
    child.once('error', report);
    child.once('close', (code, signal) => resolve(statusOf(code, signal)));
  });
  const input = !failed && spec.stdin === 'pipe' ? (child.stdin ?? undefined) : undefined;
  // A program that stops reading early (head) must not make the shell fail writing to it.
  input?.on('error', () => {});
  return {
    children: [child],
    input,
    output: !failed && stdout === 'pipe' ? (child.stdout ?? undefined) : undefined,
    errors: !failed && child.stderr ? [child.stderr] : [],
    statuses: done.then((s) => [s]),
    done,
    signal(name) {
      if (child.exitCode === null && child.signalCode === null) child.kill(name);
    },
  };
}
