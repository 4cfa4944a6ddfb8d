/**
 * External programs: finding them on PATH and running a run of them joined
 * by OS pipes, as sh does (CONTRACT §10).
 */
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { constants as os } from 'node:os';
import type { Readable, Writable } from 'node:stream';

/** One program of a run: its words and where its standard streams go. */
export interface ProgramSpec {
  path: string;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** stdin: an fd, 'inherit', 'ignore', or 'pipe' (fed by the caller, or by the previous program). */
  stdin: number | 'inherit' | 'ignore' | 'pipe';
  /** 'stderr': wherever stderr goes (`>&2`). */
  stdout: number | 'inherit' | 'pipe' | 'stderr';
  /** 'stdout': wherever stdout goes (`2>&1`). */
  stderr: number | 'inherit' | 'pipe' | 'stdout';
}

const shQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * Programs joined by pipes, as one `sh` script: Node's own 'pipe' is a socket
 * pair, where a writer whose reader left gets ECONNRESET ("yes: Connection
 * reset by peer") instead of a quiet SIGPIPE; sh makes real pipes. Files the
 * shell opened for redirects are handed over as fds 3 and up.
 */
function shScript(specs: ProgramSpec[]): { script: string; extra: number[] } {
  const extra: number[] = [];
  const slot = (fd: number) => {
    let i = extra.indexOf(fd);
    if (i < 0) i = extra.push(fd) - 1;
    return i + 3;
  };
  const commands = specs.map((spec, k) => {
    let text = [spec.path, ...spec.argv.slice(1)].map(shQuote).join(' ');
    if (typeof spec.stdin === 'number' && k > 0) text += ` <&${slot(spec.stdin)}`;
    const last = k === specs.length - 1;
    if (typeof spec.stdout === 'number' && (!last || spec.stdout <= 2)) text += ` >&${spec.stdout <= 2 ? spec.stdout : slot(spec.stdout)}`;
    if (spec.stdout === 'stderr') text += ' >&2';
    if (typeof spec.stderr === 'number') text += ` 2>&${spec.stderr <= 2 ? spec.stderr : slot(spec.stderr)}`;
    if (spec.stderr === 'stdout') text += ' 2>&1';
    return text;
  });
  return { script: commands.join(' | '), extra };
}

export interface RunningPrograms {
  children: ChildProcess[];
  /** The first program's stdin when it is fed by the caller. */
  input: Writable | undefined;
  /** The last program's stdout when the caller reads it. */
  output: Readable | undefined;
  /** Each program's stderr that the caller reads. */
  errors: Readable[];
  /** Resolves to the status of the last program (128 + N when killed by signal N), as sh reports. */
  done: Promise<number>;
  /** Send a signal to every program still running. */
  signal(name: NodeJS.Signals): void;
}

const statusOf = (code: number | null, signal: NodeJS.Signals | null): number => code ?? 128 + (signal ? (os.signals[signal] ?? 1) : 1);

/**
 * Start programs joined by OS pipes: each one's stdout is the next one's
 * stdin (the shell does not copy the data). A program that cannot start
 * reports why through `onError` and counts as status 126/127.
 */
export function startPrograms(specs: ProgramSpec[], onError: (message: string) => void): RunningPrograms {
  const first = specs[0] as ProgramSpec;
  const lastSpec = specs[specs.length - 1] as ProgramSpec;
  if (specs.length > 1 || (typeof first.stderr === 'string' && first.stderr === 'stdout') || first.stdout === 'stderr') {
    // One sh for the whole run: its stdin is the first program's, its stdout the last one's.
    const { script, extra } = shScript(specs);
    const stdin = first.stdin;
    const stdout =
      typeof lastSpec.stdout === 'number' && lastSpec.stdout > 2 ? lastSpec.stdout : lastSpec.stdout === 'pipe' ? 'pipe' : 'inherit';
    const stderr = specs.some((s) => s.stderr === 'pipe') ? 'pipe' : 'inherit';
    // sh catches Ctrl-C (a handler, which its programs do not inherit, unlike an ignored signal) and waits for
    // them: the run's status is the last program's own, as `seq 1 1000 | less` then Ctrl-C and q gives 0.
    const sh: ProgramSpec = { ...first, path: '/bin/sh', argv: ['sh', '-c', `trap : INT; ${script}`], stdin, stdout, stderr };
    return startEach([sh], onError, extra);
  }
  return startEach(specs, onError, []);
}

function startEach(specs: ProgramSpec[], onError: (message: string) => void, extra: number[]): RunningPrograms {
  const children: ChildProcess[] = [];
  const statuses: Promise<number>[] = [];
  let previous: ChildProcess | undefined;
  specs.forEach((spec, i) => {
    const last = i === specs.length - 1;
    const stdin = i > 0 && previous?.stdout ? previous.stdout : spec.stdin;
    const stdout = last ? spec.stdout : 'pipe';
    const stdio = [stdin, stdout, spec.stderr, ...extra] as StdioOptions;
    // Loaded when a program first runs: child_process and its streams cost start-up time otherwise.
    const { spawn } = process.getBuiltinModule('node:child_process') as typeof import('node:child_process');
    const child = spawn(spec.path, spec.argv.slice(1), { argv0: spec.argv[0], cwd: spec.cwd, env: spec.env, stdio });
    // The pipe now belongs to the next program; the shell's end of it is closed.
    if (i > 0 && previous?.stdout) previous.stdout.destroy();
    children.push(child);
    statuses.push(
      new Promise<number>((done) => {
        child.once('error', (error: NodeJS.ErrnoException) => {
          const name = spec.argv[0];
          if (error.code === 'EACCES') {
            onError(`${name}: permission denied`);
            done(126);
          } else if (error.code === 'ENOENT') {
            onError(`${name}: no such file or directory`);
            done(127);
          } else {
            onError(`${name}: ${error.message}`);
            done(126);
          }
        });
        child.once('close', (code, signal) => done(statusOf(code, signal)));
      }),
    );
    previous = child;
  });
  const first = children[0];
  const lastChild = children[children.length - 1];
  const input = specs[0]?.stdin === 'pipe' ? (first?.stdin ?? undefined) : undefined;
  // A program that stops reading early (head) must not make the shell fail writing to it.
  input?.on('error', () => {});
  const errors = children.flatMap((c) => (c.stderr ? [c.stderr] : []));
  return {
    children,
    input,
    output: specs[specs.length - 1]?.stdout === 'pipe' ? (lastChild?.stdout ?? undefined) : undefined,
    errors,
    done: Promise.all(statuses).then((all) => all[all.length - 1] ?? 0),
    signal(name) {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(name);
    },
  };
}
