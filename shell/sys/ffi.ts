/**
 * The C library, reached through koffi (an FFI with prebuilt binaries: no
 * compiler, no install script), for what Node.js lacks to run jobs as a shell
 * does: `posix_spawn` into a process group, `waitpid` with `WUNTRACED`,
 * `tcsetpgrp`, a real `SIG_IGN`, terminal modes.
 *
 * Nothing loads at import time: the first call to `available()` or `libc()`
 * requires koffi (~10 ms) and binds the functions (~1 ms), so start-up pays
 * for it only when a program runs. Where koffi or a required symbol is
 * missing (not Linux or macOS, an unsupported CPU, `TOSH_NO_FFI=1`),
 * `available()` is false and `libc()` undefined: the caller runs programs
 * through `child_process.spawn` instead (no own process group, no Ctrl-Z;
 * see spawn.ts). Nothing here throws on any platform.
 *
 * Optional pieces, used when the C library has them:
 * - `posix_spawn_file_actions_addtcsetpgrp_np` (glibc ≥ 2.35): the child
 *   takes the terminal itself, before it runs; elsewhere the parent calls
 *   `tcsetpgrp` right after the spawn (spawn.ts, reaper.ts handle the race).
 * - `posix_spawn_file_actions_addchdir_np` (glibc ≥ 2.29, musl ≥ 1.1.24,
 *   macOS ≥ 10.15): the child's working directory; elsewhere spawn.ts
 *   changes the shell's own directory around the call.
 * `TOSH_FFI_DISABLE=addtcsetpgrp_np,addchdir_np` hides them (tests of the
 * paths without them).
 *
 * Opaque C types live in memory from `koffi.alloc` (stable, never moved),
 * sized above every layout checked: `posix_spawnattr_t` 336 bytes and
 * `posix_spawn_file_actions_t` 80 on glibc and musl (x86-64 and arm64), 8 (a
 * pointer) on macOS; `sigset_t` 128 on glibc/musl, 4 on macOS; `struct
 * termios` 60 on glibc/musl, 72 on macOS.
 */
import { createRequire } from 'node:module';

type Koffi = typeof import('koffi').default;
/** A C pointer as koffi 3 hands it out. */
export type Ptr = bigint;

/** The functions bound from the C library; each returns what C returns (-1 and `errno()` on failure). */
export interface Libc {
  readonly koffi: Koffi;
  /** The C library's `errno` after the last call. */
  errno(): number;
  /** `strerror(code)`: the C library's wording ("No such file or directory"), as bash prints it. */
  strerror(code: number): string;

  posix_spawn(pid: Int32Array, path: string, actions: Ptr, attr: Ptr, argv: (string | null)[], envp: (string | null)[]): number;
  posix_spawnattr_init(attr: Ptr): number;
  posix_spawnattr_setflags(attr: Ptr, flags: number): number;
  posix_spawnattr_setpgroup(attr: Ptr, pgid: number): number;
  posix_spawnattr_setsigdefault(attr: Ptr, set: Ptr): number;
  posix_spawnattr_setsigmask(attr: Ptr, set: Ptr): number;
  posix_spawn_file_actions_init(actions: Ptr): number;
  posix_spawn_file_actions_destroy(actions: Ptr): number;
  posix_spawn_file_actions_adddup2(actions: Ptr, fd: number, target: number): number;
  posix_spawn_file_actions_addclose(actions: Ptr, fd: number): number;
  posix_spawn_file_actions_addopen(actions: Ptr, fd: number, path: string, flags: number, mode: number): number;
  /** Absent before glibc 2.29 (and where `TOSH_FFI_DISABLE` names it). */
  posix_spawn_file_actions_addchdir_np: ((actions: Ptr, dir: string) => number) | undefined;
  /** Absent before glibc 2.35, on musl and macOS (and where `TOSH_FFI_DISABLE` names it). */
  posix_spawn_file_actions_addtcsetpgrp_np: ((actions: Ptr, fd: number) => number) | undefined;
  sigemptyset(set: Ptr): number;
  sigfillset(set: Ptr): number;

  /** `pipe2(fds, O_CLOEXEC)` where it exists, else `pipe` then `FD_CLOEXEC` on both ends. */
  pipeCloexec(fds: Int32Array): number;
  open(path: string, flags: number, mode: number): number;
  close(fd: number): number;
  /** `fcntl(fd, F_GETFL)`. */
  getfl(fd: number): number;
  /** `fcntl(fd, F_DUPFD_CLOEXEC, min)`: a close-on-exec copy at the lowest free number ≥ min. */
  dupCloexec(fd: number, min: number): number;
  isatty(fd: number): number;
  ttyname(fd: number): string | null;

  getpid(): number;
  getpgrp(): number;
  setpgid(pid: number, pgid: number): number;
  tcgetpgrp(fd: number): number;
  tcsetpgrp(fd: number, pgid: number): number;
  kill(pid: number, signal: number): number;
  waitpid(pid: number, status: Int32Array, options: number): number;
  /** `signal(sig, handler)`: the previous handler (`SIG_DFL` comes back as null, `SIG_IGN` as 1n). */
  signal(sig: number, handler: Ptr | null): Ptr | null;
  tcgetattr(fd: number, termios: Buffer): number;
  tcsetattr(fd: number, when: number, termios: Buffer): number;

  /** Memory for one `posix_spawnattr_t`, initialised once, flags and signal sets already set (only the group changes). */
  readonly spawnAttr: Ptr;
  /** Memory for one `posix_spawn_file_actions_t` (init/destroy around each spawn: the shell is single-threaded). */
  readonly fileActions: Ptr;
  /** The glibc version ("2.36"), or undefined on another C library. */
  readonly glibc: string | undefined;
}

/** Numbers that differ between Linux and macOS (Node's `fs.constants`/`os.constants` cover the rest). */
export interface SysConstants {
  O_CLOEXEC: number;
  F_DUPFD_CLOEXEC: number;
  WNOHANG: number;
  WUNTRACED: number;
  WCONTINUED: number;
  TCSADRAIN: number;
}

const POSIX_SPAWN_SETPGROUP = 0x02;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const F_GETFD = 1;
const F_SETFD = 2;
const F_GETFL = 3;
const FD_CLOEXEC = 1;

const CONSTANTS: Partial<Record<NodeJS.Platform, SysConstants>> = {
  linux: { O_CLOEXEC: 0o2000000, F_DUPFD_CLOEXEC: 1030, WNOHANG: 1, WUNTRACED: 2, WCONTINUED: 8, TCSADRAIN: 1 },
  darwin: { O_CLOEXEC: 0x1000000, F_DUPFD_CLOEXEC: 67, WNOHANG: 1, WUNTRACED: 2, WCONTINUED: 0x10, TCSADRAIN: 1 },
};

/** This platform's numbers (Linux's where the FFI is not available: they are then never passed to C). */
export const sys: SysConstants = CONSTANTS[process.platform] ?? (CONSTANTS.linux as SysConstants);

let loaded: { libc: Libc } | { reason: string } | undefined;

/** Whether the FFI path can run programs in process groups here. Loads koffi on the first call. */
export function available(): boolean {
  return 'libc' in load();
}

/** Whether the FFI is loaded and bound already (asking costs nothing, unlike `available()`). */
export function bound(): boolean {
  return loaded !== undefined && 'libc' in loaded;
}

/** Why `available()` is false (undefined when it is true). */
export function unavailableReason(): string | undefined {
  const state = load();
  return 'reason' in state ? state.reason : undefined;
}

/** The bound C library, or undefined where `available()` is false. */
export function libc(): Libc | undefined {
  const state = load();
  return 'libc' in state ? state.libc : undefined;
}

/** Milliseconds the first load took (requiring koffi, binding the functions), for the benchmark. */
export let loadMs = 0;

function load(): { libc: Libc } | { reason: string } {
  if (loaded) return loaded;
  const started = performance.now();
  loaded = bind();
  loadMs = performance.now() - started;
  return loaded;
}

function bind(): { libc: Libc } | { reason: string } {
  if (process.env.TOSH_NO_FFI === '1') return { reason: 'TOSH_NO_FFI=1 is set' };
  if (!CONSTANTS[process.platform]) return { reason: `no job control on ${process.platform}` };
  let koffi: Koffi;
  try {
    koffi = createRequire(import.meta.url)('koffi') as Koffi;
  } catch (error) {
    return { reason: `koffi could not be loaded (${firstLine(error)})` };
  }
  try {
    return { libc: bindLibc(koffi) };
  } catch (error) {
    return { reason: firstLine(error) };
  }
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'error';

function bindLibc(koffi: Koffi): Libc {
  // dlopen(NULL): the symbols already in the process, which include its C library (glibc, musl or libSystem)
  // without naming a file that differs between them.
  const lib = koffi.load(null);
  const disabled = new Set((process.env.TOSH_FFI_DISABLE ?? '').split(',').filter(Boolean));
  const fn = (proto: string) => lib.func(proto);
  const optional = (name: string, proto: string) => {
    if (disabled.has(name)) return undefined;
    try {
      return lib.func(proto);
    } catch {
      return undefined;
    }
  };

  const posix_spawnattr_init = fn('int posix_spawnattr_init(void *attr)');
  const posix_spawnattr_setflags = fn('int posix_spawnattr_setflags(void *attr, short flags)');
  const posix_spawnattr_setsigdefault = fn('int posix_spawnattr_setsigdefault(void *attr, void *set)');
  const posix_spawnattr_setsigmask = fn('int posix_spawnattr_setsigmask(void *attr, void *set)');
  const sigemptyset = fn('int sigemptyset(void *set)');
  const sigfillset = fn('int sigfillset(void *set)');
  const fcntl = fn('int fcntl(int fd, int cmd, ...)');
  const pipe = fn('int pipe(_Out_ int *fds)');
  const pipe2 = optional('pipe2', 'int pipe2(_Out_ int *fds, int flags)');
  const strerror = fn('const char *strerror(int code)');
  const gnuVersion = optional('gnu_get_libc_version', 'const char *gnu_get_libc_version()');

  // One attribute block for every spawn: a new process group, every signal back to its default (Node ignores
  // SIGPIPE, which `yes | head -1` needs), nothing blocked. Only the group number changes from spawn to spawn.
  const spawnAttr = koffi.alloc('uint8_t', 512) as Ptr;
  const sigdefault = koffi.alloc('uint8_t', 256) as Ptr;
  const sigmask = koffi.alloc('uint8_t', 256) as Ptr;
  const check = (what: string, code: number) => {
    if (code !== 0) throw new Error(`${what} failed (${code})`);
  };
  check('posix_spawnattr_init', posix_spawnattr_init(spawnAttr));
  check('sigfillset', sigfillset(sigdefault));
  // glibc's sigfillset leaves out its internal signals 32 and 33, and its posix_spawn then sets them to SIG_IGN
  // in the child, which survives exec: set all 64 bits (bit N-1 for signal N) so they get SIG_DFL too.
  if (process.platform === 'linux') new Uint8Array(koffi.view(sigdefault, 8)).fill(0xff);
  check('sigemptyset', sigemptyset(sigmask));
  check(
    'posix_spawnattr_setflags',
    posix_spawnattr_setflags(spawnAttr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK),
  );
  check('posix_spawnattr_setsigdefault', posix_spawnattr_setsigdefault(spawnAttr, sigdefault));
  check('posix_spawnattr_setsigmask', posix_spawnattr_setsigmask(spawnAttr, sigmask));

  const open = fn('int open(const char *path, int flags, ...)');
  const errno = () => koffi.errno();
  return {
    koffi,
    errno,
    strerror: (code) => (strerror(code) as string | null) ?? `error ${code}`,
    posix_spawn: fn('int posix_spawn(_Out_ int *pid, const char *path, void *actions, void *attr, const char **argv, const char **envp)'),
    posix_spawnattr_init,
    posix_spawnattr_setflags,
    posix_spawnattr_setpgroup: fn('int posix_spawnattr_setpgroup(void *attr, int pgid)'),
    posix_spawnattr_setsigdefault,
    posix_spawnattr_setsigmask,
    posix_spawn_file_actions_init: fn('int posix_spawn_file_actions_init(void *actions)'),
    posix_spawn_file_actions_destroy: fn('int posix_spawn_file_actions_destroy(void *actions)'),
    posix_spawn_file_actions_adddup2: fn('int posix_spawn_file_actions_adddup2(void *actions, int fd, int target)'),
    posix_spawn_file_actions_addclose: fn('int posix_spawn_file_actions_addclose(void *actions, int fd)'),
    posix_spawn_file_actions_addopen: fn(
      'int posix_spawn_file_actions_addopen(void *actions, int fd, const char *path, int flags, uint32_t mode)',
    ),
    posix_spawn_file_actions_addchdir_np: optional(
      'addchdir_np',
      'int posix_spawn_file_actions_addchdir_np(void *actions, const char *dir)',
    ),
    posix_spawn_file_actions_addtcsetpgrp_np: optional(
      'addtcsetpgrp_np',
      'int posix_spawn_file_actions_addtcsetpgrp_np(void *actions, int fd)',
    ),
    sigemptyset,
    sigfillset,
    pipeCloexec: pipe2
      ? (fds) => pipe2(fds, sys.O_CLOEXEC)
      : (fds) => {
          // No pipe2 (macOS): the gap between pipe and FD_CLOEXEC is safe because only this thread spawns.
          if (pipe(fds) !== 0) return -1;
          for (const fd of fds) fcntl(fd, F_SETFD, 'int', fcntl(fd, F_GETFD) | FD_CLOEXEC);
          return 0;
        },
    open: (path, flags, mode) => open(path, flags, 'uint32_t', mode),
    close: fn('int close(int fd)'),
    getfl: (fd) => fcntl(fd, F_GETFL),
    dupCloexec: (fd, min) => fcntl(fd, sys.F_DUPFD_CLOEXEC, 'int', min),
    isatty: fn('int isatty(int fd)'),
    ttyname: fn('const char *ttyname(int fd)'),
    getpid: fn('int getpid()'),
    getpgrp: fn('int getpgrp()'),
    setpgid: fn('int setpgid(int pid, int pgid)'),
    tcgetpgrp: fn('int tcgetpgrp(int fd)'),
    tcsetpgrp: fn('int tcsetpgrp(int fd, int pgid)'),
    kill: fn('int kill(int pid, int sig)'),
    waitpid: fn('int waitpid(int pid, _Out_ int *status, int options)'),
    signal: fn('void *signal(int sig, void *handler)'),
    tcgetattr: fn('int tcgetattr(int fd, _Out_ void *termios)'),
    tcsetattr: fn('int tcsetattr(int fd, int when, void *termios)'),
    spawnAttr,
    fileActions: koffi.alloc('uint8_t', 256) as Ptr,
    glibc: gnuVersion ? (gnuVersion() as string) : undefined,
  };
}
