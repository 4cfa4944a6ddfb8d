/**
 * What a command runs in (its `Exec`): the shell state (a subshell's own
 * copy, or the shell's), its descriptors, the frame of the function or
 * script it is in, the line's signal and sink. And the ways control leaves a
 * command other than by finishing: `break`, `continue`, `return`, `exit`, a
 * nesting too deep.
 */
import type { Origin, ShellState } from '../state/state.ts';
import type { Io } from './io.ts';
import type { Sink } from './sink.ts';

/** The function call (or script, or `source`) a command runs in. */
export interface Frame {
  /** `$1`…: the caller's arguments, or the shell's positional parameters at the top. */
  positional: string[];
  /** Function calls (and `source`s) deep. */
  depth: number;
  /** The text the command came from (a script names its file in errors). */
  origin: Origin;
  /** Values the function's `local`s replaced, put back when it returns. */
  locals?: Map<string, { value: string | undefined; exported: boolean }>;
  /** The function's name (`return` is allowed; errors of nesting name it). */
  name?: string;
  /** A sourced file: `return` ends it. */
  sourced?: boolean;
}

export interface Exec {
  state: ShellState;
  io: Io;
  frame: Frame;
  signal: AbortSignal;
  /** The line's sink: the terminal, the UI, or a capture (for progress, questions and the terminal hand-over). */
  sink: Sink;
  /** `--json`: each pipeline's value printed as JSON. */
  json: boolean;
  /** Loops around the command in this function (`break` and `continue` need one). */
  loops: number;
  /** In a condition (`if`, `while`, `&&`…, `!`): `set -e` and the ERR trap do not apply. */
  cond: boolean;
  /** Where the running command starts in `frame.origin.text` (errors in a script name its line). */
  at: { offset: number };
  /** The last pipeline's value (what `ctx.run` and `-c --json` give back). */
  last: { value: unknown };
  /** The shell's own descriptors that `exec 3>file` changes for good (kept from line to line). */
  shellFds?: Map<number, import('./io.ts').Channel>;
  /** A background job: its programs do not keep the shell from leaving. */
  background?: boolean;
  /** Told each program's process id as it starts (a background job's `$!`). */
  spawned?: (pid: number) => void;
  /** The background job this runs in (its programs' process group is the job's). */
  job?: import('./jobs.ts').Job;
  /** The text of the outermost pipeline running: a job stopped by Ctrl-Z is shown by it. */
  jobText?: string;
}

/** `break N` / `continue N`: unwinds to the Nth enclosing loop. */
export class LoopFlow {
  constructor(
    readonly kind: 'break' | 'continue',
    public levels: number,
  ) {}
}

/** `return N`: ends the function (or sourced file). */
export class ReturnFlow {
  constructor(readonly status: number) {}
}

/** `exit N`, or `set -e` after a failure: ends the shell (or the subshell). */
export class ExitFlow {
  constructor(readonly status: number) {}
}

export { NestingAbort } from './abort.ts';

/** How deep functions and `ctx.run` may nest (bash's FUNCNEST, CONTRACT §11). */
export const MAX_DEPTH = 100;

/** What the interpreter offers the parts that run commands (simple commands, pipelines, built-ins). */
export interface Engine {
  /** Run a list (a script, a body) in `x`. */
  list(script: import('../line/ast.ts').Script, x: Exec): Promise<number>;
  /** Run one command (compound, with its redirects; or simple). */
  command(command: import('../line/ast.ts').Command, x: Exec): Promise<number>;
  /** Parse and run text in `x` (`eval`, `source`, trap actions); a syntax error is status 2 and one line. */
  evalText(text: string, x: Exec, origin?: import('../state/state.ts').Origin, frame?: Frame): Promise<number>;
  /** `tosh: FILE:LINE: message` on descriptor 2 of `x` (the file and line only in a script). */
  error(x: Exec, message: string, error?: unknown): void;
  /** The prefix a script's error lines get (`build.tosh:3: `), or ''. */
  where(x: Exec): string;
  /** The background jobs. */
  readonly jobs: import('./jobs.ts').Jobs;
  /** A signal the shell sent itself (`kill -s TERM $$`) is taken before the next command, when a trap wants it. */
  ownSignal(x: Exec, name: string): Promise<void>;
  /** Call a function with arguments. */
  callFunction(fn: import('../state/state.ts').ShellFunction, args: string[], x: Exec): Promise<number>;
}
