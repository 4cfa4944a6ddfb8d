/**
 * A simple command: its words expanded, its name looked up (function →
 * built-in of the language → built-in or plugin command → program, CONTRACT
 * §10 and §14), its redirects applied, and run; its value shown.
 */
import { ExpansionError, oneLine, quote, ShellError, Status } from '../base/errors.ts';
import { applyAlias } from '../line/alias.ts';
import type { SimpleCommand } from '../line/ast.ts';
import { type ExpandedCommand, expandCommand } from '../line/expand.ts';
import { shellQuote } from '../line/lexer.ts';
import { jsonLine } from '../render/render.ts';
import { lookup } from '../resolve/lookup.ts';
import type { ShellFunction } from '../state/state.ts';
import { BUILTINS, type Builtin, type BuiltinCall, type Description, KEYWORDS, SPECIAL } from './builtins/index.ts';
import { type Engine, type Exec, ExitFlow } from './exec.ts';
import type { RunHost } from './host.ts';
import { type CommandRuns, LazyInput } from './invoke.ts';
import { Capture, channel, type Io, inputNow, outputOf, PipeClosed, showValue } from './io.ts';
import type { ProgramRuns } from './program-stage.ts';
import { applyRedirects } from './redirect.ts';
import type { Sink } from './sink.ts';
import { commandEnv, type PluginStage } from './stages.ts';

/** A command ready to run. */
export type Prepared =
  | { kind: 'empty'; expanded: ExpandedCommand; status: number }
  | { kind: 'function'; expanded: ExpandedCommand; fn: ShellFunction }
  | { kind: 'builtin'; expanded: ExpandedCommand; name: string; builtin: Builtin }
  | { kind: 'plugin'; expanded: ExpandedCommand; stage: PluginStage }
  | { kind: 'program'; expanded: ExpandedCommand; path: string }
  | { kind: 'missing'; expanded: ExpandedCommand; status: number; message: string };

/** What a command gave: its status, and a plugin's value and what it printed (for the next stage). */
export interface Outcome {
  status: number;
  value?: unknown;
  printed?: string;
  /** The command's own `--json`. */
  json?: boolean;
}

/** The interpreter as a simple command needs it. */
export interface SimpleEngine extends Engine {
  /** How many signals wait for their traps. */
  pendingSignals(): number;
  expandEnv(x: Exec): import('../line/expand.ts').ExpandEnv;
}

export class Simple {
  /** The status of the last `$(…)` of the command being expanded (`x=$(false)` has it). */
  substStatus = 0;

  constructor(
    private readonly engine: SimpleEngine,
    private readonly host: RunHost,
    private readonly commands: CommandRuns,
    private readonly programs: ProgramRuns,
  ) {}

  async run(command: SimpleCommand, x: Exec): Promise<number> {
    let prepared = this.prepare(command, x);
    if (prepared instanceof Promise) prepared = await prepared;
    if (typeof prepared === 'number') return prepared;
    return (await this.execute(prepared, x, {}, true)).status;
  }

  /** Show a command's value on descriptor 1 (as JSON with `--json`); a value that cannot be shown fails the command. */
  async show(outcome: Outcome, prepared: Prepared, x: Exec, io: Io = x.io): Promise<number> {
    const out = channel(io, 1);
    const json = outcome.json || x.json;
    try {
      if (json) {
        if (out.kind === 'sink' || out.kind === 'fd' || x.json)
          outputOf(out, x.sink.out.columns).write(jsonLine(outcome.status === 0 ? outcome.value : undefined));
      } else await showValue(out, outcome.value, x.sink.out.columns, x.signal);
      x.last.value = outcome.value;
      return outcome.status;
    } catch (error) {
      if (error instanceof PipeClosed) return 141;
      this.engine.error(x, `${prepared.expanded.argv[0]}: cannot show the result: ${oneLine(error)}`, error);
      return Status.failed;
    }
  }

  /** Expand and look up a command. A number is the status of a failure already reported. No promise when nothing waits. */
  prepare(command: SimpleCommand, x: Exec): Prepared | number | Promise<Prepared | number> {
    x.at.offset = command.start;
    const state = x.state;
    this.substStatus = 0;
    let expanded: ExpandedCommand | Promise<ExpandedCommand>;
    try {
      const aliased = command.external || state.aliasTable.size === 0 ? command : applyAlias(command, (name) => state.aliasTable.get(name));
      expanded = expandCommand(aliased, this.engine.expandEnv(x));
    } catch (error) {
      return this.failed(error, x);
    }
    if (expanded instanceof Promise)
      return expanded.then(
        (e) => this.resolve(e, x),
        (error) => this.failed(error, x),
      );
    return this.resolve(expanded, x);
  }

  /** An expansion that failed: reported, and its status (or the end of a script, for those that end one). */
  private failed(error: unknown, x: Exec): number {
    if (error instanceof PipeClosed) return 141;
    if (!(error instanceof ShellError) || x.signal.aborted) {
      if (x.signal.aborted) return Status.interrupted;
      throw error;
    }
    this.engine.error(x, oneLine(error), error);
    // As in sh, such an expansion ends a script or a subshell (the interactive shell goes on).
    if (error instanceof ExpansionError && (!this.host.options.interactive || x.state.subshell)) throw new ExitFlow(error.exitCode);
    return error.exitCode;
  }

  /** What an expanded command's name runs. */
  private resolve(expanded: ExpandedCommand, x: Exec): Prepared | number {
    const state = x.state;
    if (x.signal.aborted) return Status.interrupted;
    const [name] = expanded.argv;
    if (name === undefined) return { kind: 'empty', expanded, status: this.substStatus };
    if (!expanded.external) {
      const fn = state.functions.get(name);
      if (fn) return { kind: 'function', expanded, fn };
      const builtin = BUILTINS.get(name);
      if (builtin) return { kind: 'builtin', expanded, name, builtin };
    }
    const scope = { table: this.host.table, alias: () => undefined, env: commandEnv(state.exported(), expanded), cwd: state.cwd };
    const found = lookup(name, scope, { aliases: false, external: expanded.external });
    if (found.kind === 'command') {
      const rest = expanded.argv.slice(1);
      const dashes = rest.indexOf('--');
      const options = dashes < 0 ? rest : rest.slice(0, dashes);
      const json = options.includes('--json');
      const args = json ? rest.filter((word, i) => word !== '--json' || (dashes >= 0 && i > dashes)) : rest;
      return { kind: 'plugin', expanded, stage: { kind: 'plugin', command: expanded, resolved: found.resolved, name, args, json } };
    }
    if (found.kind === 'program') return { kind: 'program', expanded, path: found.path };
    return {
      kind: 'missing',
      expanded,
      status: found.kind === 'missing' ? found.status : Status.unknownCommand,
      message: found.kind === 'missing' ? found.message : `unknown command ${quote(name)}`,
    };
  }

  /** The `+ words` line of `set -x`. */
  private trace(p: Prepared, x: Exec): void {
    if (!x.state.options.xtrace) return;
    const words = [...p.expanded.assignments.map((a) => `${a.name}=${shellQuote(a.value)}`), ...p.expanded.argv.map(shellQuote)];
    if (words.length > 0) outputOf(channel(x.io, 2), 80).write(`+ ${words.join(' ')}\n`);
  }

  /**
   * Run a prepared command with `x`'s descriptors (its own redirects applied
   * on top); `input` is what a stage before it in a pipeline gave.
   */
  async execute(p: Prepared, x: Exec, pipe: { input?: unknown; printed?: string } = {}, show = false): Promise<Outcome> {
    this.trace(p, x);
    const { expanded } = p;
    let applied: ReturnType<typeof applyRedirects> | undefined;
    if (p.kind !== 'program' && expanded.redirects.length > 0) {
      try {
        applied = applyRedirects(x.io, expanded.redirects, x.state.cwd);
      } catch (error) {
        this.engine.error(x, oneLine(error), error);
        return { status: Status.failed };
      }
    }
    const run: Exec = applied ? { ...x, io: applied.io } : x;
    try {
      const outcome = await this.dispatch(p, run, pipe);
      // Its value is shown where its own redirects send it.
      if (show && (outcome.value !== undefined || outcome.json || x.json)) outcome.status = await this.show(outcome, p, run);
      if (p.kind === 'builtin' && p.name === 'exec' && expanded.argv.length === 1 && applied) {
        // `exec 3>file`: the redirects stay for the rest of the shell (the files are not closed).
        for (const [fd, ch] of applied.io) {
          (x.io as Map<number, typeof ch>).set(fd, ch);
          if (!x.state.subshell) x.shellFds?.set(fd, ch);
        }
        applied = undefined;
      }
      if (x.state.exitRequested !== undefined) throw new ExitFlow(x.state.exitRequested);
      return outcome;
    } finally {
      applied?.close();
    }
  }

  private async dispatch(p: Prepared, x: Exec, pipe: { input?: unknown; printed?: string }): Promise<Outcome> {
    const { expanded } = p;
    const state = x.state;
    switch (p.kind) {
      case 'empty':
        // `NAME=value` alone sets a shell variable, as in sh.
        for (const { name, value } of expanded.assignments) {
          try {
            state.setVariable(name, value);
          } catch (error) {
            this.engine.error(x, oneLine(error), error);
            return { status: Status.failed };
          }
        }
        return { status: p.status };
      case 'function':
        return { status: await this.withAssignments(expanded, x, false, () => this.engine.callFunction(p.fn, expanded.argv.slice(1), x)) };
      case 'builtin':
        return {
          status: await this.withAssignments(expanded, x, SPECIAL.has(p.name), () => p.builtin(expanded.argv.slice(1), x, this.call(p, x))),
        };
      case 'plugin': {
        let input = pipe.input;
        const stdin = channel(x.io, 0);
        if (input === undefined && (stdin.kind === 'text' || stdin.kind === 'fd')) input = new LazyInput(() => inputNow(stdin));
        const capture = channel(x.io, 1).kind === 'capture';
        const result = await this.commands.command(p.stage, input, this.sinkFor(x), x.signal, state);
        const outcome: Outcome = { status: result.status, value: result.status === 0 ? result.value : undefined, json: p.stage.json };
        if (capture) outcome.printed = '';
        return outcome;
      }
      case 'program': {
        // With --json a program's output is the line's value (a string), not text on the screen.
        const keep = x.json && channel(x.io, 1).kind === 'sink' ? new Capture(x.sink.out.columns) : undefined;
        const io = keep ? new Map(x.io).set(1, { kind: 'capture', capture: keep }) : x.io;
        const statuses = await this.programs.run(
          [{ path: p.path, argv: expanded.argv, env: commandEnv(state.exported(), expanded), redirects: expanded.redirects }],
          {
            io,
            sink: x.sink,
            cwd: state.cwd,
            ...(pipe.input !== undefined ? { input: pipe.input } : {}),
            ...(pipe.printed ? { printed: pipe.printed } : {}),
            ...(x.spawned ? { onSpawn: x.spawned } : {}),
            ...(x.background ? { detach: true } : {}),
            ...(x.job ? { job: x.job } : {}),
            ...(x.jobText ? { text: x.jobText } : {}),
            signal: x.signal,
          },
        );
        if (keep) return { status: statuses.at(-1) ?? 0, value: keep.text() };
        // A signal the program sent the shell is taken now, when a trap wants it.
        if (state.traps.has('TERM') || state.traps.has('INT') || state.traps.has('HUP')) {
          for (let k = 0; k < 4 && this.engine.pendingSignals() === 0; k++) {
            await new Promise((resolve) => setTimeout(resolve, 2));
            this.host.faults.sigint.takePending();
          }
        }
        return { status: statuses.at(-1) ?? 0 };
      }
      case 'missing':
        this.engine.error(x, p.message);
        return { status: p.status };
    }
  }

  /** `X=1 f`: the assignments last for the function or built-in only, or stay (special built-ins). */
  private async withAssignments(expanded: ExpandedCommand, x: Exec, stay: boolean, run: () => number | Promise<number>): Promise<number> {
    if (expanded.assignments.length === 0) return run();
    const state = x.state;
    const saved = expanded.assignments.map(({ name }) => ({ name, value: state.variable(name), exported: name in state.env }));
    for (const { name, value } of expanded.assignments) state.setVariable(name, value, { export: !stay });
    try {
      return await run();
    } finally {
      if (!stay) {
        for (const { name, value, exported } of saved.reverse()) {
          state.setVariable(name, undefined);
          if (value !== undefined) state.setVariable(name, value, { export: exported });
        }
      }
    }
  }

  /** The sink a plugin command writes to: its descriptors 1 and 2 (its errors named by file and line in a script). */
  sinkFor(x: Exec): Sink {
    const columns = x.sink.out.columns;
    const out = channel(x.io, 1);
    const err = channel(x.io, 2);
    const toScreen = out.kind === 'sink' && out.stream === 'out';
    const sink: Sink = {
      out: outputOf(out, columns),
      err: outputOf(err, columns),
      color: toScreen ? x.sink.color : false,
      value: (value, signal) => showValue(out, value, columns, signal),
      progress: x.sink.progress,
    };
    if (x.sink.ask) sink.ask = x.sink.ask;
    if (x.sink.interrupted) sink.interrupted = x.sink.interrupted;
    const where = this.engine.where(x);
    if (where) sink.where = where;
    return sink;
  }

  /** What a built-in is given. */
  private call(p: Extract<Prepared, { kind: 'builtin' }>, x: Exec): BuiltinCall {
    const out = outputOf(channel(x.io, 1), x.sink.out.columns);
    return {
      engine: this.engine,
      out: (text) => out.write(text),
      error: (message) => this.engine.error(x, message),
      redirects: p.expanded.redirects,
      run: (argv, options) => this.runWords(argv, x, options.functions),
      describe: (name) => this.describe(name, x),
    };
  }

  /** Run a command given as words (`command`, `exec`), functions included or not. */
  private async runWords(argv: string[], x: Exec, functions: boolean): Promise<number> {
    const [name] = argv;
    if (name === undefined) return 0;
    const expanded: ExpandedCommand = { argv, assignments: [], redirects: [], external: false };
    let prepared: Prepared | undefined;
    if (functions) {
      const fn = x.state.functions.get(name);
      if (fn) prepared = { kind: 'function', expanded, fn };
    }
    const builtin = BUILTINS.get(name);
    if (!prepared && builtin) prepared = { kind: 'builtin', expanded, name, builtin };
    if (!prepared) {
      const scope = { table: this.host.table, alias: () => undefined, env: x.state.exported(), cwd: x.state.cwd };
      const found = lookup(name, scope, { aliases: false });
      if (found.kind === 'command')
        prepared = {
          kind: 'plugin',
          expanded,
          stage: { kind: 'plugin', command: expanded, resolved: found.resolved, name, args: argv.slice(1), json: false },
        };
      else if (found.kind === 'program') prepared = { kind: 'program', expanded, path: found.path };
      else
        prepared = {
          kind: 'missing',
          expanded,
          status: found.kind === 'missing' ? found.status : 127,
          message: found.kind === 'missing' ? found.message : '',
        };
    }
    return (await this.execute(prepared, x, {}, true)).status;
  }

  /** What a name runs, as `type` says it. */
  describe(name: string, x: Exec): Description | undefined {
    const alias = x.state.aliasTable.get(name);
    if (alias !== undefined) return { kind: 'alias', value: alias };
    if (KEYWORDS.has(name)) return { kind: 'keyword' };
    const fn = x.state.functions.get(name);
    if (fn) return { kind: 'function', source: fn.definition.source };
    if (BUILTINS.has(name)) return { kind: 'builtin' };
    const scope = { table: this.host.table, alias: () => undefined, env: x.state.exported(), cwd: x.state.cwd };
    const found = lookup(name, scope, { aliases: false });
    if (found.kind === 'command') {
      return found.resolved.record.source.dir.builtin ? { kind: 'builtin' } : { kind: 'plugin', plugin: found.resolved.meta.name };
    }
    if (found.kind === 'program') return { kind: 'file', path: found.path };
    return undefined;
  }

  /** A capture for a stage whose output goes to the next one. */
  static capture(x: Exec): Capture {
    return new Capture(x.sink.out.columns);
  }
}
