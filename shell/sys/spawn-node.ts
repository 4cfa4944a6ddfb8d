/**
 * Starting a job without the FFI (`available()` false): the programs run with
 * `child_process.spawn`, joined by the same OS pipes, with the same result
 * shape as spawn.ts gives, but no process group of their own.
 */
import type { ChildProcess, IOType } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { Group } from './reaper.ts';
import {
  type GroupSpec,
  type ProgramSpec,
  type ProgramStart,
  type SpawnFailure,
  type StartedGroup,
  type Stdio,
  statKind,
} from './spawn-types.ts';

type StdioEntry = IOType | number | Readable | undefined;

const FALLBACK_WORDS: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  E2BIG: 'Argument list too long',
  EISDIR: 'Is a directory',
  ENOEXEC: 'Exec format error',
};

/** Start `spec.programs` with child_process (see the module header). */
export function startWithNode(spec: GroupSpec): StartedGroup {
  const count = spec.programs.length;
  const children: ChildProcess[] = [];
  const group = new Group(count, (signal) => children.map((child) => child.kill(signal)).some(Boolean));
  const env = Object.fromEntries(Object.entries(spec.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const starts: ProgramStart[] = [];
  const stdio = (s: Stdio): IOType | number => (s === 'null' ? 'ignore' : s);
  // Loaded here, not at the top: they cost start-up time to every line that runs no program.
  const { spawn: nodeSpawn } = process.getBuiltinModule('node:child_process') as typeof import('node:child_process');
  const { PassThrough } = process.getBuiltinModule('node:stream') as typeof import('node:stream');
  // One stream for the standard error of every program, as the FFI path's one pipe.
  const errors = spec.stderr === 'pipe' ? new PassThrough() : undefined;
  let openErrors = 0;
  let previous: Readable | undefined;
  const result: Partial<StartedGroup> = {};
  for (const [index, program] of spec.programs.entries()) {
    const first = index === 0;
    const last = index === count - 1;
    const fds: StdioEntry[] = [
      first ? stdio(spec.stdin ?? 'inherit') : (previous ?? 'ignore'),
      last ? stdio(spec.stdout ?? 'inherit') : 'pipe',
      stdio(spec.stderr ?? 'inherit'),
    ];
    for (const [to, from] of Object.entries(spec.extraFds ?? {})) fds[Number(to)] = from;
    for (const r of program.redirects ?? []) fds[r.fd] = 'from' in r ? r.from : 'dup' in r ? (fds[r.dup] ?? 'ignore') : 'ignore';
    const failure = precheck(program, spec.cwd);
    let child: ChildProcess | undefined;
    if (!failure) {
      child = nodeSpawn(program.path, [...program.argv], {
        argv0: program.argv0 ?? program.path,
        cwd: spec.cwd,
        env,
        stdio: Array.from(fds, (fd) => fd ?? 'ignore'),
      });
    }
    // The parent's copy of the pipe between two programs: only the programs hold it now.
    previous?.destroy();
    previous = undefined;
    if (!child || child.pid === undefined) {
      const why = failure ?? { code: 'EIO', message: `${program.argv0 ?? program.path}: could not start`, status: 126 as const };
      child?.on('error', () => {});
      starts.push({ failure: why });
      group.failed(index, why.status);
      continue;
    }
    const started = child;
    children.push(started);
    if (!last) previous = started.stdout ?? undefined;
    started.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'EIO';
      const words = FALLBACK_WORDS[code] ?? error.message;
      group.spawnFailed(index, { code, message: `${program.argv0 ?? program.path}: ${words}`, status: code === 'ENOENT' ? 127 : 126 });
    });
    started.on('exit', (code, signal) => {
      const pid = started.pid ?? -1;
      if (signal) group.event(index, { pid, kind: 'killed', status: 128 + constants.signals[signal], signal });
      else group.event(index, { pid, kind: 'exited', status: code ?? 0 });
    });
    group.started(index, started.pid ?? -1);
    starts.push({ pid: started.pid ?? -1 });
    if (first && spec.stdin === 'pipe' && started.stdin) result.stdin = started.stdin;
    if (last && spec.stdout === 'pipe' && started.stdout) result.stdout = started.stdout;
    if (errors && started.stderr) {
      openErrors++;
      started.stderr.pipe(errors, { end: false });
      started.stderr.on('close', () => --openErrors === 0 && errors.end());
    }
  }
  if (errors) {
    result.stderr = errors;
    if (openErrors === 0) errors.end();
  }
  group.launched();
  return { ...result, pgid: undefined, pids: group.pids, programs: starts, group };
}

/** What `posix_spawn` would have said, found before `child_process` (which tells only asynchronously). */
function precheck(program: ProgramSpec, cwd: string): SpawnFailure | undefined {
  const name = program.argv0 ?? program.path;
  const path = resolve(cwd, program.path);
  const kind = statKind(path);
  if (kind === undefined) return { code: 'ENOENT', message: `${name}: ${FALLBACK_WORDS.ENOENT}`, status: 127 };
  if (kind === 'dir') return { code: 'EISDIR', message: `${name}: ${FALLBACK_WORDS.EISDIR}`, status: 126 };
  try {
    accessSync(path, fsConstants.X_OK);
  } catch {
    return { code: 'EACCES', message: `${name}: ${FALLBACK_WORDS.EACCES}`, status: 126 };
  }
  return undefined;
}
