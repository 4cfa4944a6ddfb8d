/**
 * Starting a job: the programs of one pipeline, joined by OS pipes, in ONE
 * new process group (CONTRACT §15), with `posix_spawn` through the FFI
 * (`child_process.spawn` cannot: libuv returns after the child has exec'd,
 * when `setpgid` is refused).
 *
 * - Every program gets its own file actions: its standard input, output and
 *   error, `extraFds`, then its own `redirects`, in that order. Every signal
 *   is reset to its default (Node ignores SIGPIPE; `yes | head -1` needs it
 *   to kill `yes`), no signal is blocked.
 * - A file descriptor is never handed to a program with O_NONBLOCK on its
 *   open file description: Node's fds 0–2 are (libuv reopens a terminal, and
 *   makes a pipe nonblocking once written to), and a program reading or
 *   writing them would get EAGAIN. Such an fd is reopened first, blocking
 *   (a terminal by `ttyname`, a pipe by `/proc/self/fd/N` on Linux). Node's
 *   fds 0–2 are also close-on-exec: 'inherit' hands them over explicitly.
 * - `foreground`: the terminal goes to the group at spawn: in the child, by
 *   `posix_spawn_file_actions_addtcsetpgrp_np` (glibc ≥ 2.35), else by the
 *   parent's `tcsetpgrp` right after the first spawn; a program stopped by
 *   SIGTTIN/SIGTTOU in between is given the terminal and continued (reaper.ts).
 *   Needs `takeTerminal()` first (the shell must ignore SIGTTOU to take the
 *   terminal back).
 * - Files for redirects are opened by the caller (`fs.openSync`, close-on-exec)
 *   and passed as fds: an open failing inside `posix_spawn` would look like
 *   the program being missing (fish#364).
 *
 * A program that cannot start is a value, not an exception: its entry in
 * `programs` carries `failure` with bash's wording and status
 * (`cmd: No such file or directory` 127, `Permission denied` 126,
 * `Argument list too long` 126, `Is a directory` 126, a missing `#!`
 * interpreter `cannot execute: required file not found` 127), the rest of
 * the pipeline runs (its neighbours see end-of-file or EPIPE), and the group
 * counts it as ended with that status. A file without `#!` that the kernel
 * will not run (ENOEXEC) is run by `/bin/sh`, as bash and fish do.
 * `startGroup` throws only when nothing was started (no pipe could be made,
 * a given fd is not open).
 *
 * Without the FFI (`available()` false: not Linux/macOS, no koffi,
 * `TOSH_NO_FFI=1`) `startGroup` runs the programs with
 * `child_process.spawn`, joined by the same OS pipes, with the same result
 * shape: no process group of their own (`pgid` undefined, `signal` reaches
 * each process), no terminal hand-over (Ctrl-Z cannot stop them), and a
 * failure only the spawn itself finds (E2BIG) comes in the group's
 * `result.failures` rather than in `programs`.
 */
import { constants as fsConstants } from 'node:fs';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { type Libc, libc, sys } from './ffi.ts';
import { Group, prepare, track } from './reaper.ts';
import { startWithNode } from './spawn-node.ts';
import type { GroupSpec, ProgramSpec, ProgramStart, SpawnFailure, StartedGroup, Stdio } from './spawn-types.ts';
import { SpawnSetupError, statKind } from './spawn-types.ts';
import { noteForeground, saveShellModes, setForeground, terminalFd } from './terminal.ts';

export type { GroupSpec, ProgramSpec, ProgramStart, Redirect, SpawnFailure, StartedGroup, Stdio } from './spawn-types.ts';
export { SpawnSetupError } from './spawn-types.ts';

const { O_NONBLOCK, O_APPEND, O_NOCTTY, O_RDWR } = fsConstants;
const O_ACCMODE = 3;
const { ENOENT, EACCES, ENOEXEC } = constants.errno;
const errnoNames = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name] as [number, string]));
const pidBuffer = new Int32Array(1);
const pipeBuffer = new Int32Array(2);

/** Start `spec.programs` as one job; see the module's header for what is a value and what throws. */
export function startGroup(spec: GroupSpec): StartedGroup {
  const c = libc();
  return c ? startWithFfi(c, spec) : startWithNode(spec);
}

/** A child-side action, before fds are made safe: dup a caller fd, dup a child fd, or close. */
type Action = { to: number; from: number } | { to: number; dup: number } | { to: number; close: true };

function startWithFfi(c: Libc, spec: GroupSpec): StartedGroup {
  const count = spec.programs.length;
  const toClose: number[] = []; // the parent's copies of child-side fds, closed once every program started
  const kept: number[] = []; // the parent's ends of 'pipe' streams
  const fail = (what: string): never => {
    const code = c.errno();
    for (const fd of [...toClose, ...kept]) c.close(fd);
    throw new SpawnSetupError(`${what}: ${c.strerror(code)}`, errnoNames.get(code) ?? String(code));
  };
  const makePipe = (): [number, number] => {
    if (c.pipeCloexec(pipeBuffer) !== 0) fail('pipe');
    return [pipeBuffer[0] ?? -1, pipeBuffer[1] ?? -1];
  };
  const source = (stdio: Stdio, fd: 0 | 1 | 2, parentEnd: (end: number) => void): number => {
    if (stdio === 'pipe') {
      const [read, write] = makePipe();
      toClose.push(fd === 0 ? read : write);
      kept.push(fd === 0 ? write : read);
      parentEnd(fd === 0 ? write : read);
      return fd === 0 ? read : write;
    }
    if (stdio === 'null') {
      const devnull = c.open('/dev/null', O_RDWR | sys.O_CLOEXEC, 0);
      if (devnull < 0) fail('/dev/null');
      toClose.push(devnull);
      return devnull;
    }
    return blocking(c, stdio === 'inherit' ? fd : stdio, stdio === 'inherit', toClose) ?? fail(`fd ${stdio === 'inherit' ? fd : stdio}`);
  };

  let stdinEnd: number | undefined;
  let stdoutEnd: number | undefined;
  let stderrEnd: number | undefined;
  const stdin = source(spec.stdin ?? 'inherit', 0, (end) => (stdinEnd = end));
  const stdout = source(spec.stdout ?? 'inherit', 1, (end) => (stdoutEnd = end));
  const stderr = source(spec.stderr ?? 'inherit', 2, (end) => (stderrEnd = end));
  const extra: Action[] = Object.entries(spec.extraFds ?? {}).map(([to, from]) => ({
    to: Number(to),
    from: blocking(c, from, false, toClose) ?? fail(`fd ${from}`),
  }));
  const links: [number, number][] = [];
  for (let i = 0; i + 1 < count; i++) {
    const link = makePipe();
    toClose.push(...link);
    links.push(link);
  }
  const redirects = spec.programs.map((program) =>
    (program.redirects ?? []).map((r): Action => {
      if ('from' in r) return { to: r.fd, from: blocking(c, r.from, false, toClose) ?? fail(`fd ${r.from}`) };
      return 'dup' in r ? { to: r.fd, dup: r.dup } : { to: r.fd, close: true };
    }),
  );

  const tty = foregroundTty(spec);
  const terminalNote =
    spec.foreground && tty === undefined ? { ok: false as const, reason: 'the shell does not own the terminal' } : undefined;
  if (tty !== undefined) saveShellModes();
  const envp = [...Object.entries(spec.env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`])), null];
  const chdirInChild = c.posix_spawn_file_actions_addchdir_np !== undefined;
  const home = chdirInChild ? undefined : process.cwd();

  const shared = spec.inShellGroup === true;
  let pgid = shared ? c.getpgrp() : spec.pgid;
  const starts: ProgramStart[] = [];
  const group: Group = new Group(count, (signal): boolean =>
    shared
      ? group.livePids().filter((pid) => c.kill(pid, signalNumber(signal)) === 0).length > 0
      : pgid !== undefined && c.kill(-pgid, signalNumber(signal)) === 0,
  );
  if (tty !== undefined && pgid !== undefined) {
    setForeground(c, tty, pgid);
    noteForeground(pgid);
  }
  prepare();
  try {
    // Without addchdir_np the shell's own directory is the child's, for the time of the spawns.
    const cwdError = home === undefined ? undefined : chdir(spec.cwd);
    for (const [index, program] of spec.programs.entries()) {
      const actions: Action[] = [
        { to: 0, from: index === 0 ? stdin : (links[index - 1]?.[0] ?? -1) },
        { to: 1, from: index === count - 1 ? stdout : (links[index]?.[1] ?? -1) },
        { to: 2, from: stderr },
        ...extra,
        ...(redirects[index] ?? []),
      ];
      const claim = tty !== undefined && pgid === undefined && c.posix_spawn_file_actions_addtcsetpgrp_np ? tty : undefined;
      const started: ProgramStart =
        cwdError === undefined
          ? spawnOne(
              c,
              program,
              actions,
              { pgid: pgid ?? 0, cwd: chdirInChild ? spec.cwd : undefined, dir: spec.cwd, claimTty: claim },
              envp,
            )
          : { failure: describeFailure(program, spec.cwd, cwdError, (n) => c.strerror(n)) };
      if (started.failure) {
        starts.push(started);
        group.failed(index, started.failure.status);
        continue;
      }
      const { pid } = started;
      starts.push({ pid });
      if (pgid === undefined) {
        pgid = pid;
        if (tty !== undefined) {
          noteForeground(pid);
          // Without addtcsetpgrp_np the child may already run: hand over at once, the rest of the group
          // joins a foreground group; a program that touched the terminal first is fixed up by the reaper.
          if (claim === undefined) setForeground(c, tty, pid);
        }
      }
      group.started(index, pid, shared ? undefined : pgid);
      track(pid, (event) => group.event(index, event));
    }
  } finally {
    if (home !== undefined) process.chdir(home);
    for (const fd of toClose) c.close(fd);
  }
  group.launched();
  const result: StartedGroup = { pgid: shared ? undefined : pgid, pids: group.pids, programs: starts, group };
  // node:net is loaded when a pipe is first needed: at the top it cost every start some milliseconds.
  const { Socket } = process.getBuiltinModule('node:net') as typeof import('node:net');
  if (stdinEnd !== undefined) result.stdin = new Socket({ fd: stdinEnd, readable: false, writable: true });
  if (stdoutEnd !== undefined) result.stdout = new Socket({ fd: stdoutEnd, readable: true, writable: false });
  if (stderrEnd !== undefined) result.stderr = new Socket({ fd: stderrEnd, readable: true, writable: false });
  if (terminalNote) result.terminal = terminalNote;
  return result;
}

function foregroundTty(spec: GroupSpec): number | undefined {
  if (!spec.foreground) return undefined;
  const taken = terminalFd();
  return taken === undefined ? undefined : spec.foreground.ttyFd;
}

/** One posix_spawn with its own file actions; fds that the actions would overwrite are copied out of the way first. */
function spawnOne(
  c: Libc,
  program: ProgramSpec,
  actions: Action[],
  options: { pgid: number; cwd: string | undefined; dir: string; claimTty: number | undefined },
  envp: (string | null)[],
): ProgramStart {
  // A caller fd that is also a target (a pipe end at 3 and `3>file`, or fd 0 handed as 0) would be clobbered
  // by an earlier dup2, or keep its close-on-exec flag (adddup2 of an fd onto itself, before glibc 2.29):
  // copy it above every target first.
  const targets = new Set(actions.map((a) => a.to));
  const above = Math.max(2, ...targets) + 1;
  const copies: number[] = [];
  const fa = c.fileActions;
  c.posix_spawn_file_actions_init(fa);
  try {
    if (options.claimTty !== undefined) c.posix_spawn_file_actions_addtcsetpgrp_np?.(fa, options.claimTty);
    if (options.cwd !== undefined) c.posix_spawn_file_actions_addchdir_np?.(fa, options.cwd);
    for (const action of actions) {
      if ('close' in action) c.posix_spawn_file_actions_addclose(fa, action.to);
      else if ('dup' in action) {
        if (action.dup !== action.to) c.posix_spawn_file_actions_adddup2(fa, action.dup, action.to);
      } else {
        let from = action.from;
        if (targets.has(from)) {
          from = c.dupCloexec(from, above);
          copies.push(from);
        }
        c.posix_spawn_file_actions_adddup2(fa, from, action.to);
      }
    }
    c.posix_spawnattr_setpgroup(c.spawnAttr, options.pgid);
    const argv = [program.argv0 ?? program.path, ...program.argv, null];
    let code = c.posix_spawn(pidBuffer, program.path, fa, c.spawnAttr, argv, envp);
    if (code === ENOEXEC)
      code = c.posix_spawn(pidBuffer, '/bin/sh', fa, c.spawnAttr, ['/bin/sh', program.path, ...program.argv, null], envp);
    if (code !== 0) return { failure: describeFailure(program, options.dir, code, (n) => c.strerror(n)) };
    return { pid: pidBuffer[0] ?? -1 };
  } finally {
    c.posix_spawn_file_actions_destroy(fa);
    for (const fd of copies) c.close(fd);
  }
}

/** `process.chdir(dir)`, or the errno it failed with. */
function chdir(dir: string): number | undefined {
  try {
    process.chdir(dir);
    return undefined;
  } catch (error) {
    return constants.errno[(error as NodeJS.ErrnoException).code as keyof typeof constants.errno] ?? ENOENT;
  }
}

/** bash's words for a program that could not start. */
function describeFailure(program: ProgramSpec, cwd: string, code: number, strerror: (code: number) => string): SpawnFailure {
  const name = program.argv0 ?? program.path;
  // A working directory that has gone (or is not a directory) fails every spawn: say so, not "no such program".
  if (statKind(cwd) !== 'dir')
    return {
      code: errnoNames.get(code) ?? String(code),
      message: `${name}: ${cwd}: ${strerror(code)}`,
      status: code === ENOENT ? 127 : 126,
    };
  const kind = statKind(resolve(cwd, program.path));
  if (code === ENOENT && kind === 'file')
    return { code: 'ENOENT', message: `${name}: cannot execute: required file not found`, status: 127 };
  if (code === EACCES && kind === 'dir') return { code: 'EISDIR', message: `${name}: ${strerror(constants.errno.EISDIR)}`, status: 126 };
  return { code: errnoNames.get(code) ?? String(code), message: `${name}: ${strerror(code)}`, status: code === ENOENT ? 127 : 126 };
}

const ttyCopies = new Map<number, number>();

/**
 * `fd` as it may be handed to a program: itself when its open file description is blocking, else a blocking
 * reopen of the same terminal or pipe (kept for the shell's life for its own terminal fds 0–2, else added to
 * `toClose`). Undefined when `fd` is not open.
 */
function blocking(c: Libc, fd: number, own: boolean, toClose: number[]): number | undefined {
  const flags = c.getfl(fd);
  if (flags < 0) return undefined;
  if ((flags & O_NONBLOCK) === 0) return fd;
  const cached = own ? ttyCopies.get(fd) : undefined;
  if (cached !== undefined) return cached;
  const tty = c.isatty(fd) === 1;
  const path = tty ? c.ttyname(fd) : process.platform === 'linux' ? `/proc/self/fd/${fd}` : null;
  const reopened = path === null ? -1 : c.open(path, (flags & (O_ACCMODE | O_APPEND)) | O_NOCTTY | sys.O_CLOEXEC, 0);
  if (reopened < 0) return fd; // a socket cannot be reopened: hand it over as it is
  if (own && tty) ttyCopies.set(fd, reopened);
  else toClose.push(reopened);
  return reopened;
}

const signalNumber = (signal: NodeJS.Signals | number) => (typeof signal === 'number' ? signal : constants.signals[signal]);
