/** The shapes `startGroup` takes and gives (spawn.ts, and its fallback without the FFI in spawn-node.ts). */
import { statSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { Group } from './reaper.ts';

/**
 * Where a standard stream of the group goes: the shell's own (`inherit`), a
 * pipe whose other end comes back as a Node stream (`pipe`), `/dev/null`
 * (`null`), or an fd the caller owns (it stays open: close it after the call).
 */
export type Stdio = 'inherit' | 'pipe' | 'null' | number;

/**
 * One redirection of one program, applied in order after the pipeline's:
 * `{ fd: 2, from: n }` puts the caller's fd `n` at 2 (`2> FILE` with a file
 * the caller opened); `{ fd: 2, dup: 1 }` copies the program's own fd 1 (`2>&1`);
 * `{ fd: 3, close: true }` closes it (`3>&-`).
 */
export type Redirect = { fd: number; from: number } | { fd: number; dup: number } | { fd: number; close: true };

export interface ProgramSpec {
  /** The file to run, already found on PATH (relative paths resolve against `cwd`). */
  path: string;
  /** The arguments after the name. */
  argv: readonly string[];
  /** argv[0] as the program sees it, and the name in failure messages. @default path */
  argv0?: string;
  redirects?: readonly Redirect[];
}

export interface GroupSpec {
  /** The pipeline, left to right: program i's standard output is program i+1's standard input. */
  programs: readonly ProgramSpec[];
  /** The whole environment the programs get (undefined values are left out). */
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** The first program's standard input. @default 'inherit' */
  stdin?: Stdio;
  /** The last program's standard output. @default 'inherit' */
  stdout?: Stdio;
  /** Every program's standard error (one pipe for all with `pipe`). @default 'inherit' */
  stderr?: Stdio;
  /** More fds for every program: child fd → the caller's fd. */
  extraFds?: Readonly<Record<number, number>>;
  /** Join this existing process group instead of starting a new one. */
  pgid?: number;
  /**
   * Leave the programs in the shell's own process group, as sh runs a script's programs (no job
   * control): the terminal's Ctrl-C reaches them with the shell, and `signal` reaches each process.
   */
  inShellGroup?: boolean;
  /** Give the group the terminal at spawn (the shell must have called `takeTerminal()`). */
  foreground?: { ttyFd: number };
}

/** Why a program did not start, in bash's words: print it as `tosh: ${message}`. */
export interface SpawnFailure {
  /** The errno name: ENOENT, EACCES, E2BIG, EISDIR, ... */
  code: string;
  message: string;
  status: 126 | 127;
}

export type ProgramStart = { pid: number; failure?: undefined } | { pid?: undefined; failure: SpawnFailure };

export interface StartedGroup {
  /** The group's id (its first started program's pid); undefined when nothing started, or without the FFI. */
  pgid: number | undefined;
  /** The pids of the programs that started, in pipeline order. */
  pids: number[];
  /** Per program, in order: its pid, or why it did not start. */
  programs: ProgramStart[];
  /** The job's states (running ⇄ stopped → done) and its result. */
  group: Group;
  /** The write end of the first program's standard input, when `stdin: 'pipe'`. */
  stdin?: Writable;
  /** The read end of the last program's standard output, when `stdout: 'pipe'`. */
  stdout?: Readable;
  /** The read end of the programs' standard error, when `stderr: 'pipe'`. */
  stderr?: Readable;
  /** Set when `foreground` was asked for but could not be done (the programs run all the same). */
  terminal?: { ok: false; reason: string };
}

/** A failure before any program started (no pipe, a bad fd): nothing is left running or open. */
export class SpawnSetupError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.name = 'SpawnSetupError';
    this.code = code;
  }
}

/** What is at `path`: a file, a directory, or nothing. */
export const statKind = (path: string): 'file' | 'dir' | undefined => {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
};
