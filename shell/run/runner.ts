/**
 * Running lines: text → the tree (line/parser) → the interpreter (interp.ts)
 * → commands (simple.ts: plugin calls and programs) → render. The plugin host
 * (loading, reloading, disposing) is not the runner's: it reaches plugins
 * through `RunHost.plugins` only.
 */
import { setMaxListeners } from 'node:events';
import { constants } from 'node:os';
import { CommandError } from '../../plugin-sdk/index.ts';
import type { RunResult } from '../../plugin-sdk/types.ts';
import { oneLine, ShellError, Status, UsageError } from '../base/errors.ts';
import { timers } from '../base/faults.ts';
import type { Script } from '../line/ast.ts';
import { lineOf, parse } from '../line/parser.ts';
import type { Origin, ShellState } from '../state/state.ts';
import { type Exec, ExitFlow, type Frame, LoopFlow, MAX_DEPTH, NestingAbort, ReturnFlow } from './exec.ts';
import { errorLine, type RunHost } from './host.ts';
import { Interpreter, parsedFor } from './interp.ts';
import { CommandRuns } from './invoke.ts';
import { type Channel, rootIo, TextReader } from './io.ts';
import { type Job, Jobs } from './jobs.ts';
import { ProgramRuns } from './program-stage.ts';
import { captureSink, type Sink } from './sink.ts';
import type { StageResult } from './stages.ts';

export { MAX_DEPTH as MAX_RUN_DEPTH } from './exec.ts';

/** Runs lines for one session. */
export class Runner {
  private controller: AbortController | undefined;
  private lineController: AbortController | undefined;
  /** Set once Ctrl-C has fired for the running line: a second one means the command does not give way. */
  private interruptedLine: AbortController | undefined;
  private runDepth = 0;
  /** Descriptors `exec` set for the shell, kept from line to line. */
  private readonly shellFds = new Map<number, Channel>();
  readonly commands: CommandRuns;
  readonly jobs = new Jobs();
  private readonly programs: ProgramRuns;
  readonly interpreter: Interpreter;

  constructor(private readonly host: RunHost) {
    this.commands = new CommandRuns(
      host,
      (line, signal, state) => this.capture(line, signal, state),
      () => this.interrupt(),
    );
    this.programs = new ProgramRuns(host, this.jobs);
    this.interpreter = new Interpreter(host, this.commands, this.programs, this.jobs);
  }

  /** `$?` of the shell. */
  get lastStatus(): number {
    return this.host.state.status;
  }

  get previousStatus(): number {
    return this.host.state.status;
  }

  /** Plugin errors reported outside any command (from timers, rejections). */
  get faultCount(): number {
    return this.commands.faultCount;
  }

  /** How many commands have returned a promise so far. */
  get asyncRuns(): number {
    return this.commands.asyncRuns;
  }

  /** Cancel the running line, if any (Ctrl-C). Returns false when nothing was running. */
  interrupt(): boolean {
    if (!this.controller || this.controller.signal.aborted) return false;
    if (this.programs.inForeground) return true; // The terminal sent the program its SIGINT itself.
    this.interruptedLine = this.controller;
    this.controller.abort(new ShellError('interrupted', Status.interrupted));
    // A Ctrl-C typed at a terminal reached the programs too (they share its process group); a SIGINT sent
    // to tosh alone (`kill -INT`, `timeout -s INT`) did not: pass it on to those still running a moment later.
    const programs = this.programs.all();
    if (programs.length > 0) {
      timers
        .setTimeout(() => {
          for (const run of programs) run.signal('SIGINT');
        }, 100)
        .unref();
    }
    return true;
  }

  /** Ctrl-C already fired for the running line and it still runs: a command does not give way. */
  get stuck(): boolean {
    return this.controller !== undefined && this.controller === this.interruptedLine;
  }

  get busy(): boolean {
    return this.controller !== undefined;
  }

  /** Run one top-level line (or a whole script, named by `origin.file`) and remember its status for `exit` and `$?`. */
  async runLine(line: string, sink: Sink, origin?: Origin): Promise<number> {
    // One controller serves line after line until Ctrl-C fires it (allocating one per line showed in profiles).
    if (!this.lineController || this.lineController.signal.aborted) {
      this.lineController = new AbortController();
      // Each nested `ctx.run` and pipeline stage listens to it.
      setMaxListeners(MAX_DEPTH * 2, this.lineController.signal);
    }
    const controller = this.lineController;
    this.controller = controller;
    this.host.faults.sigint.enter();
    let job: Job | undefined;
    // Set before the line starts: `fg` in it puts its own in place while it waits.
    let run: Promise<StageResult> = Promise.resolve({ status: 0, value: undefined });
    // Ctrl-Z on a line of plugin commands (they cannot be stopped): it runs on as a background job.
    if (sink.suspend)
      sink.suspend.handler = () => {
        if (sink.suspend && (sink.suspend.holding ?? 0) > 0) {
          sink.suspend.pending = true;
          return undefined;
        }
        job = this.jobs.add(line.trim());
        const bg = job;
        let killedBy: NodeJS.Signals | undefined;
        bg.cancel = (signal) => {
          killedBy ??= signal;
          controller.abort(new ShellError(`killed by ${signal}`, Status.interrupted));
        };
        bg.done = run.then(
          ({ status }) => (bg.status = killedBy ? 128 + (constants.signals[killedBy] ?? 15) : status),
          () => (bg.status = Status.failed),
        );
        // The next line gets a Ctrl-C of its own; the job's is `kill %N`.
        this.lineController = undefined;
        if (this.controller === controller) this.controller = undefined;
        this.host.faults.sigint.leave();
        return bg;
      };
    try {
      run = this.execute(line, sink, controller.signal, this.host.options.json, undefined, { origin });
      const { status } = await run;
      if (!job) this.host.state.status = status;
      return status;
    } catch (error) {
      // Whatever went wrong, the line fails and the shell goes on.
      errorLine(this.host, sink, `internal error: ${oneLine(error)}`, error);
      if (!job) this.host.state.status = Status.failed;
      return Status.failed;
    } finally {
      if (sink.suspend) sink.suspend.handler = undefined;
      if (!job) this.host.faults.sigint.leave();
      if (this.controller === controller) this.controller = undefined;
    }
  }

  /** Parse a script or line: a syntax error is reported (`FILE:LINE:` in a script) and is status 2. */
  parse(text: string, sink: Sink, origin?: Origin): Script | number {
    try {
      return parsedFor(text, this.host.table);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      const where = origin?.file ? `${origin.file}:${lineOf(text, error.offset ?? text.length)}: ` : '';
      sink.err.write(`tosh: ${where}${error.message}\n`);
      return error.exitCode;
    }
  }

  /** Parse and run a line (`input` is what its first command reads). Never throws: every failure is a status and a line on `sink.err`. */
  async execute(
    line: string,
    sink: Sink,
    signal: AbortSignal,
    json: boolean,
    input?: unknown,
    options: { origin?: Origin | undefined; state?: ShellState } = {},
  ): Promise<StageResult> {
    const origin = options.origin ?? { text: line };
    const script = this.parse(line, sink, options.origin);
    if (typeof script === 'number') return { status: script, value: undefined };
    const state = options.state ?? this.host.state;
    const stdin: Channel =
      input !== undefined
        ? { kind: 'text', reader: new TextReader(undefined, input) }
        : { kind: 'stdin', inherit: sink.inherit?.stdin ?? 'ignore' };
    const frame: Frame = { positional: state.positional, depth: this.runDepth, origin };
    const io = rootIo(sink, stdin);
    // What `exec` redirected for good (only the shell's own output and input are the sink's each line).
    if (state === this.host.state && options.state === undefined)
      for (const [fd, ch] of this.shellFds) if (fd > 2 || sink === this.host.sink) io.set(fd, ch);
    const x: Exec = {
      state,
      io,
      frame,
      signal,
      sink,
      json,
      loops: 0,
      cond: false,
      at: { offset: 0 },
      last: { value: undefined },
      shellFds: this.shellFds,
    };
    let status: number;
    try {
      status = await this.interpreter.list(script, x);
    } catch (flow) {
      if (flow instanceof ExitFlow) {
        status = flow.status;
        state.exitRequested ??= status;
      } else if (flow instanceof NestingAbort) {
        if (!flow.reported) errorLine(this.host, sink, flow.message ?? `${flow.name}: nested more than ${MAX_DEPTH} deep`);
        flow.reported = true;
        if (this.runDepth > 0) throw flow;
        status = Status.failed;
      } else if (flow instanceof ReturnFlow) status = flow.status;
      else if (flow instanceof LoopFlow) status = 0;
      else throw flow;
    }
    if (signal.aborted) status = Status.interrupted;
    return { status, value: status === 0 ? x.last.value : undefined };
  }

  /** The shell is leaving with `status`: its EXIT trap runs (its output to `sink`); resolves to the status to leave with. */
  async leaving(status: number, sink: Sink): Promise<number> {
    const state = this.host.state;
    if (!state.traps.has('EXIT')) return status;
    const x: Exec = {
      state,
      io: rootIo(sink, { kind: 'stdin', inherit: 'ignore' }),
      frame: { positional: state.positional, depth: 0, origin: { text: '' } },
      signal: new AbortController().signal,
      sink,
      json: false,
      loops: 0,
      cond: true,
      at: { offset: 0 },
      last: { value: undefined },
    };
    return this.interpreter.exitTrap(x, status);
  }

  /** `ctx.run(line)`: run a nested line with everything captured, in `state` (the command's). */
  async capture(line: string, signal: AbortSignal, state?: ShellState): Promise<RunResult> {
    if (this.runDepth >= MAX_DEPTH) throw new CommandError(`ctx.run is nested more than ${MAX_DEPTH} deep`);
    this.runDepth++;
    const sink = captureSink(false);
    const target = state ?? this.host.state;
    const exitBefore = target.exitRequested;
    const statusBefore = target.status;
    try {
      const { status: exitCode, value } = await this.execute(line, sink, signal, false, undefined, { state: target });
      return { exitCode, value: exitCode === 0 ? value : undefined, stdout: sink.text(), stderr: sink.errors() };
    } finally {
      this.runDepth--;
      target.exitRequested = exitBefore;
      target.status = statusBefore;
    }
  }
}
