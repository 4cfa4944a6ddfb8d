/**
 * The interpreter of the shell language (CONTRACT §14): lists, and-or lists,
 * pipelines and compound commands, functions, `set -e` and traps. Simple
 * commands are `simple.ts`'s, pipelines of several commands `pipeline.ts`'s.
 */
import { homedir } from 'node:os';
import { oneLine, ShellError, Status, UsageError } from '../base/errors.ts';
import type { AndOr, CaseCommand, Command, ForCommand, IfCommand, LoopCommand, Pipeline, Script } from '../line/ast.ts';
import { comparisonWords } from '../line/comparisons.ts';
import { type ExpandEnv, expandRedirects, expandString, expandWords, matchCase } from '../line/expand.ts';
import { lineOf, parse } from '../line/parser.ts';
import type { Origin, ShellFunction } from '../state/state.ts';
import { type Engine, type Exec, ExitFlow, type Frame, LoopFlow, MAX_DEPTH, NestingAbort, ReturnFlow } from './exec.ts';
import type { RunHost } from './host.ts';
import type { CommandRuns } from './invoke.ts';
import { Capture, channel, outputOf } from './io.ts';
import { jobControl } from './job-control.ts';
import { type Jobs, lineOf as jobLine } from './jobs.ts';
import { runPipeline } from './pipeline.ts';
import type { ProgramRuns } from './program-stage.ts';
import { applyRedirects } from './redirect.ts';
import { Simple } from './simple.ts';
import { homeOf } from './users.ts';

export class Interpreter implements Engine {
  readonly simple: Simple;

  constructor(
    readonly host: RunHost,
    readonly commands: CommandRuns,
    readonly programs: ProgramRuns,
    readonly jobs: Jobs,
  ) {
    this.simple = new Simple(this, host, commands, programs);
  }

  async list(script: Script, x: Exec): Promise<number> {
    let status = 0;
    for (const item of script.items) {
      if (x.signal.aborted) return Status.interrupted;
      if (item.background) {
        status = await this.background(item, x);
        continue;
      }
      status = await this.andOr(item, x);
      if (this.signals.length > 0) await this.signalTraps(x);
    }
    return status;
  }

  /** Signals the shell was sent whose trap is set, to run at the next command's end (as sh does). */
  readonly signals: string[] = [];

  /** A signal for the shell: true when a trap takes it (then the shell goes on, its action run soon). */
  trapSignal(name: string, state: import('../state/state.ts').ShellState): boolean {
    const action = state.traps.get(name);
    if (action === undefined) return false;
    if (action !== '') this.signals.push(name);
    return true;
  }

  pendingSignals(): number {
    return this.signals.length;
  }

  async ownSignal(x: Exec, name: string): Promise<void> {
    const action = x.state.traps.get(name);
    if (action === undefined || action === '') return;
    // It comes through the event loop (SIGINT through the watchdog's thread): a moment, longer on a busy machine.
    for (let k = 0; k < 50 && !this.signals.includes(name); k++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      this.host.faults.sigint.takePending();
    }
  }

  /** Run the actions of the signals that came, keeping `$?`. */
  async signalTraps(x: Exec): Promise<void> {
    // A signal a program sent the shell arrives a turn of the event loop after the program ends.
    await new Promise((resolve) => setImmediate(resolve));
    const status = x.state.status;
    for (const name of this.signals.splice(0)) {
      const action = x.state.traps.get(name);
      if (action) await this.evalText(action, { ...x, cond: true });
    }
    x.state.status = status;
  }

  /**
   * `LIST &`: run it without waiting, in a subshell. `$!` is its last
   * program's process id once that has started (it is given a moment to).
   * Without job control it has nothing to read; with it (the interactive
   * shell) its programs are a process group of their own, stopped by the
   * terminal should they read it, and the shell says `[N] PID`.
   */
  private async background(item: AndOr, x: Exec): Promise<number> {
    const state = x.state.fork();
    const job = this.jobs.add(jobLine(item, x.frame.origin.text));
    let started: () => void = () => {};
    const spawned = new Promise<void>((resolve) => {
      started = resolve;
    });
    const io = new Map(x.io);
    const control = jobControl() && x.sink.terminal !== undefined;
    if (io.get(0)?.kind === 'stdin' && !control) io.set(0, { kind: 'stdin', inherit: 'ignore' });
    const { jobText: _, ...outer } = x;
    const bx: Exec = {
      ...outer,
      state,
      io,
      cond: false,
      background: true,
      job,
      last: { value: undefined },
      spawned: (pid) => {
        job.pids.push(pid);
        job.pid = pid;
        started();
      },
    };
    job.done = this.andOr({ ...item, background: false }, bx)
      .catch((flow: unknown) => (flow instanceof ExitFlow ? flow.status : Status.failed))
      .then((status) => {
        job.status = status;
        return status;
      });
    await Promise.race([spawned, job.done, new Promise((resolve) => setImmediate(resolve))]);
    x.state.lastBackground = job.pid;
    if (this.host.options.interactive && x.sink.terminal !== undefined && !x.state.subshell) x.sink.out.write(`[${job.id}] ${job.pid}\n`);
    return 0;
  }

  async andOr(item: AndOr, x: Exec): Promise<number> {
    const last = item.rest.length;
    // Every pipeline but the last is a condition: `set -e` does not end the shell there.
    let status = await this.pipeline(item.first, last === 0 ? x : { ...x, cond: true });
    let failedLast = last === 0 && !item.first.bang;
    for (let k = 0; k < last; k++) {
      const { op, pipeline } = item.rest[k] as AndOr['rest'][number];
      if ((op === '&&' && status !== 0) || (op === '||' && status === 0)) {
        failedLast = false;
        continue;
      }
      const final = k === last - 1;
      status = await this.pipeline(pipeline, final ? x : { ...x, cond: true });
      failedLast = final && !pipeline.bang;
    }
    if (status !== 0 && failedLast && !x.cond && !x.signal.aborted) await this.failed(status, x);
    return status;
  }

  /** A command failed outside a condition: the ERR trap, then `set -e`. */
  private async failed(status: number, x: Exec): Promise<void> {
    const trap = x.state.traps.get('ERR');
    if (trap) {
      x.state.traps.delete('ERR');
      try {
        await this.evalText(trap, { ...x, cond: true });
      } finally {
        x.state.traps.set('ERR', trap);
      }
      x.state.status = status;
    }
    if (x.state.options.errexit) throw new ExitFlow(status);
  }

  async pipeline(p: Pipeline, x: Exec): Promise<number> {
    let inner = p.bang ? { ...x, cond: true } : x;
    // The outermost pipeline names the job Ctrl-Z would make of it.
    if (x.jobText === undefined && !x.background) inner = { ...inner, jobText: x.frame.origin.text.slice(p.start, p.end).trim() };
    let status: number;
    if (p.commands.length === 1) {
      const command = p.commands[0] as Command;
      status = command.kind === 'simple' ? await this.simple.run(command, inner) : await this.command(command, inner);
    } else status = await runPipeline(this, this.simple, p, inner);
    if (x.signal.aborted) status = Status.interrupted;
    if (p.bang) status = status === 0 ? 1 : 0;
    x.state.status = status;
    return status;
  }

  async command(command: Command, x: Exec): Promise<number> {
    if (command.kind === 'simple') return this.simple.run(command, x);
    if (command.kind === 'function') {
      x.state.functions.set(command.name, { definition: command, origin: x.frame.origin });
      return 0;
    }
    x.at.offset = command.start;
    if (command.redirects.length === 0) return this.compound(command, x);
    let applied: ReturnType<typeof applyRedirects>;
    try {
      applied = applyRedirects(x.io, await expandRedirects(command.redirects, this.expandEnv(x)), x.state.cwd);
    } catch (error) {
      this.error(x, oneLine(error), error);
      return Status.failed;
    }
    try {
      return await this.compound(command, { ...x, io: applied.io });
    } finally {
      applied.close();
    }
  }

  private async compound(command: Exclude<Command, { kind: 'simple' | 'function' }>, x: Exec): Promise<number> {
    switch (command.kind) {
      case 'group':
        return this.list(command.body, x);
      case 'subshell':
        return this.subshell(x, (inner) => this.list(command.body, inner));
      case 'if':
        return this.ifCommand(command, x);
      case 'while':
      case 'until':
        return this.loop(command, x);
      case 'for':
        return this.forCommand(command, x);
      case 'case':
        return this.caseCommand(command, x);
    }
  }

  /** Run `body` in a copy of the shell: nothing it changes leaks out; `exit` ends only it; its EXIT trap runs at its end. */
  async subshell(x: Exec, body: (inner: Exec) => Promise<number>): Promise<number> {
    const state = x.state.fork();
    const inner: Exec = { ...x, state, frame: { ...x.frame, positional: [...x.frame.positional] } };
    let status: number;
    try {
      status = await body(inner);
    } catch (flow) {
      if (flow instanceof ExitFlow) status = flow.status;
      else if (flow instanceof ReturnFlow) status = flow.status;
      else if (flow instanceof LoopFlow) status = 0;
      else throw flow;
    }
    if (state.exitRequested !== undefined) status = state.exitRequested;
    return this.exitTrap(inner, status);
  }

  /** The EXIT trap of a shell or subshell that is ending with `status` (its own status replaces it only through `exit`). */
  async exitTrap(x: Exec, status: number): Promise<number> {
    const trap = x.state.traps.get('EXIT');
    if (!trap) return status;
    x.state.traps.delete('EXIT');
    x.state.status = status;
    x.state.exitRequested = undefined;
    try {
      await this.evalText(trap, { ...x, cond: true });
    } catch (flow) {
      if (flow instanceof ExitFlow) return flow.status;
      throw flow;
    }
    return x.state.exitRequested ?? status;
  }

  private async ifCommand(command: IfCommand, x: Exec): Promise<number> {
    for (const clause of command.clauses) {
      if ((await this.list(clause.condition, { ...x, cond: true })) === 0) return this.list(clause.body, x);
      if (x.signal.aborted) return Status.interrupted;
    }
    return command.otherwise ? this.list(command.otherwise, x) : 0;
  }

  /** A loop's body once; `break` and `continue` come back as what to do. */
  private async body(body: Script, x: Exec): Promise<'next' | 'break' | number> {
    try {
      await this.list(body, x);
      return 'next';
    } catch (flow) {
      if (!(flow instanceof LoopFlow)) throw flow;
      if (flow.levels > 1) {
        flow.levels--;
        throw flow;
      }
      return flow.kind === 'break' ? 'break' : 'next';
    }
  }

  private async loop(command: LoopCommand, x: Exec): Promise<number> {
    const inner = this.loopExec(x);
    let status = 0;
    for (;;) {
      const test = await this.list(command.condition, { ...inner, cond: true });
      if (x.signal.aborted) return Status.interrupted;
      if ((test === 0) !== (command.kind === 'while')) break;
      const next = await this.body(command.body, inner);
      status = x.state.status;
      if (next === 'break') break;
      if (x.signal.aborted) return Status.interrupted;
    }
    return status;
  }

  /** One loop deeper (`break` and `continue` count these). */
  private loopExec(x: Exec): Exec {
    return { ...x, loops: x.loops + 1 };
  }

  private async forCommand(command: ForCommand, x: Exec): Promise<number> {
    let words: string[];
    try {
      words = command.words ? await expandWords(command.words, this.expandEnv(x)) : [...x.frame.positional];
    } catch (error) {
      this.error(x, oneLine(error), error);
      return error instanceof ShellError ? error.exitCode : Status.failed;
    }
    const inner = this.loopExec(x);
    let status = 0;
    for (const word of words) {
      x.state.setVariable(command.name, word);
      const next = await this.body(command.body, inner);
      status = x.state.status;
      if (next === 'break') break;
      if (x.signal.aborted) return Status.interrupted;
    }
    return status;
  }

  private async caseCommand(command: CaseCommand, x: Exec): Promise<number> {
    const env = this.expandEnv(x);
    let subject: string;
    try {
      subject = await expandString(command.word, env);
    } catch (error) {
      this.error(x, oneLine(error), error);
      return Status.failed;
    }
    for (const item of command.items) {
      for (const pattern of item.patterns) {
        if (await matchCase(subject, pattern, env)) return this.list(item.body, x);
      }
    }
    return 0;
  }

  async callFunction(fn: ShellFunction, args: string[], x: Exec): Promise<number> {
    const name = fn.definition.name;
    if (x.frame.depth >= MAX_DEPTH) throw new NestingAbort(name);
    const frame: Frame = { positional: args, depth: x.frame.depth + 1, origin: fn.origin, locals: new Map(), name };
    try {
      return await this.command(fn.definition.body, { ...x, frame, loops: 0, at: { offset: fn.definition.body.start } });
    } catch (flow) {
      if (flow instanceof ReturnFlow) return flow.status;
      throw flow;
    } finally {
      for (const [variable, saved] of frame.locals ?? []) {
        x.state.setVariable(variable, undefined);
        if (saved.value !== undefined) x.state.setVariable(variable, saved.value, { export: saved.exported });
      }
    }
  }

  async evalText(text: string, x: Exec, origin?: Origin, frame?: Frame): Promise<number> {
    let script: Script;
    const source = origin ?? { text };
    try {
      script = parsedFor(text, this.host.table);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      const line = origin?.file ? `${origin.file}:${lineOf(text, error.offset ?? (error.incomplete ? text.length : 0))}: ` : this.where(x);
      outputOf(channel(x.io, 2), 80).write(`tosh: ${line}${error.message}\n`);
      return Status.usage;
    }
    return this.list(script, { ...x, frame: frame ?? (origin ? { ...x.frame, origin: source } : x.frame), at: { offset: 0 } });
  }

  where(x: Exec): string {
    const { file, text } = x.frame.origin;
    return file ? `${file}:${lineOf(text, x.at.offset)}: ` : '';
  }

  error(x: Exec, message: string, error?: unknown): void {
    const err = outputOf(channel(x.io, 2), 80);
    err.write(`tosh: ${this.where(x)}${message}\n`);
    if (this.host.options.debug && error instanceof Error && error.stack) err.write(`${this.host.mapStacks(error.stack)}\n`);
  }

  /** The variables, parameters, home directories and `$(…)` that expansion reads, for a command running in `x`. */
  expandEnv(x: Exec): ExpandEnv {
    const { state, frame } = x;
    return {
      param: (name) => {
        switch (name) {
          case '?':
            return String(state.status);
          case '#':
            return String(frame.positional.length);
          case '$':
            return String(process.pid);
          case '!':
            return state.lastBackground === undefined ? undefined : String(state.lastBackground);
          case '0':
            return state.scriptName;
          case '-':
            return `${state.options.errexit ? 'e' : ''}${state.options.nounset ? 'u' : ''}${state.options.xtrace ? 'x' : ''}`;
          default:
            if (name >= '1' && name <= '9' && /^[0-9]+$/.test(name)) return frame.positional[Number(name) - 1];
            return state.variable(name);
        }
      },
      assign: (name, value) => state.setVariable(name, value),
      positional: () => frame.positional,
      home: state.env.HOME || homedir(),
      homeOf,
      cwd: state.cwd,
      nounset: state.options.nounset,
      substitute: (body, text) => this.substitute(body, text, x),
    };
  }

  /** `$(…)`: the body in a subshell, its standard output captured (its errors go where the command's go). */
  private async substitute(body: Script, _text: string, x: Exec): Promise<string> {
    if (x.frame.depth >= MAX_DEPTH) throw new NestingAbort('$(…)');
    const capture = new Capture(x.sink.out.columns);
    const io = new Map(x.io);
    io.set(1, { kind: 'capture', capture });
    const status = await this.subshell(
      { ...x, io, cond: false, frame: { ...x.frame, depth: x.frame.depth + 1 }, last: { value: undefined } },
      (inner) => this.list(body, inner),
    );
    x.state.status = status;
    this.simple.substStatus = status;
    if (x.signal.aborted) throw new ShellError('interrupted', Status.interrupted);
    return capture.text();
  }
}

/** A script parsed; `where size > 10kb`: a command whose words compare takes `<` and `>` as text (CONTRACT §17). */
export function parsedFor(text: string, table: RunHost['table']): Script {
  const script = parse(text);
  if (text.includes('<') || text.includes('>')) comparisonWords(script, (name) => table.resolve(name)?.spec.comparisons === true);
  return script;
}
