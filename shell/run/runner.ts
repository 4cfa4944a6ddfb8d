/**
 * Running a line: text → words → expansion → resolution → run (plugin
 * command or external program) → render. The plugin host (loading,
 * reloading, disposing) is not the runner's: it reaches plugins through
 * `RunHost.plugins` only.
 */
import { setMaxListeners } from 'node:events';
import { homedir } from 'node:os';
import { CommandError } from '../../plugin-sdk/index.ts';
import type { RunResult } from '../../plugin-sdk/types.ts';
import { oneLine, ShellError, Status } from '../base/errors.ts';
import { timers } from '../base/faults.ts';
import { applyAlias } from '../line/alias.ts';
import { type ExpandEnv, type ExpandedCommand, expandCommand } from '../line/expand.ts';
import { type LineNode, type PipelineNode, parse } from '../line/parser.ts';
import { jsonLine } from '../render/render.ts';
import { lookup } from '../resolve/lookup.ts';
import { errorLine, type RunHost } from './host.ts';
import { CommandRuns } from './invoke.ts';
import { runPluginStage, type StageCalls } from './plugin-stage.ts';
import { ProgramRuns } from './program-stage.ts';
import { captureSink, type Sink } from './sink.ts';
import { commandEnv, type PipelineResult, type ProgramStage, type Stage, type StageResult } from './stages.ts';

/** `ctx.run` inside `ctx.run`… deeper than this fails. */
export const MAX_RUN_DEPTH = 100;

/** Runs lines for one session. */
export class Runner {
  lastStatus = 0;
  /** `$?`: the status of the pipeline that ran last, in this line or an earlier one. */
  previousStatus = 0;
  private controller: AbortController | undefined;
  private lineController: AbortController | undefined;
  /** Set once Ctrl-C has fired for the running line: a second one means the command does not give way. */
  private interruptedLine: AbortController | undefined;
  private runDepth = 0;
  readonly commands: CommandRuns;
  private readonly programs: ProgramRuns;
  private readonly stageCalls: StageCalls;

  constructor(private readonly host: RunHost) {
    this.commands = new CommandRuns(
      host,
      (line, signal) => this.capture(line, signal),
      () => this.interrupt(),
    );
    this.programs = new ProgramRuns(host);
    this.stageCalls = {
      host,
      command: (stage, input, sink, signal) => this.commands.command(stage, input, sink, signal),
      show: (sink, command, write) => this.show(sink, command, write),
    };
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

  /** Run one top-level line and remember its status for `exit` and `$?`. */
  async runLine(line: string, sink: Sink): Promise<number> {
    // One controller serves line after line until Ctrl-C fires it (allocating one per line showed in profiles).
    if (!this.lineController || this.lineController.signal.aborted) {
      this.lineController = new AbortController();
      // Each nested `ctx.run` and pipeline stage listens to it.
      setMaxListeners(MAX_RUN_DEPTH * 2, this.lineController.signal);
    }
    const controller = this.lineController;
    this.controller = controller;
    this.host.faults.sigint.enter();
    try {
      const { status } = await this.execute(line, sink, controller.signal, this.host.options.json);
      this.lastStatus = status;
      this.previousStatus = status;
      return status;
    } catch (error) {
      // Whatever went wrong, the line fails and the shell goes on.
      errorLine(this.host, sink, `internal error: ${oneLine(error)}`, error);
      this.lastStatus = this.previousStatus = Status.failed;
      return Status.failed;
    } finally {
      this.host.faults.sigint.leave();
      if (this.controller === controller) this.controller = undefined;
    }
  }

  /** Parse and run a line. Never throws: every failure is a status and a line on `sink.err`. */
  async execute(line: string, sink: Sink, signal: AbortSignal, json: boolean, input?: unknown): Promise<StageResult> {
    let ast: LineNode;
    try {
      ast = parse(line);
    } catch (error) {
      errorLine(this.host, sink, oneLine(error), error);
      return { status: error instanceof ShellError ? error.exitCode : Status.usage, value: undefined };
    }
    let status = 0;
    let value: unknown;
    for (const { connector, pipeline } of ast.items) {
      if ((connector === '&&' && status !== 0) || (connector === '||' && status === 0)) continue;
      const result = await this.runPipeline(pipeline, sink, signal, json, value === undefined && status === 0 ? input : undefined);
      input = undefined;
      status = result.status;
      value = result.value;
      // Output sent to a file by `>` is not shown again, as JSON or as text.
      const { shown } = result;
      // With --json every pipeline run prints one line: `null` for one that returned nothing, or failed.
      if (json && !result.redirected && result.status !== 0 && !signal.aborted) sink.out.write(jsonLine(undefined));
      else if ((json || result.json) && !result.redirected && result.status === 0) {
        if (!this.show(sink, result.command, () => sink.out.write(jsonLine(result.value)))) status = Status.failed;
      } else if (shown !== undefined && !this.show(sink, result.command, () => sink.value(shown))) status = Status.failed;
      this.previousStatus = status;
      if (signal.aborted || this.host.state.exitRequested !== undefined) break;
    }
    return { status: signal.aborted ? Status.interrupted : status, value };
  }

  /** The variables, `$?`, home and `$(…)` for expanding one command. */
  private expandEnv(signal: AbortSignal): ExpandEnv {
    const state = this.host.state;
    return {
      vars: (name: string) => state.variable(name),
      status: this.previousStatus,
      home: state.env.HOME || homedir(),
      cwd: state.cwd,
      substitute: async (line: string) => {
        // As in a subshell: a `cd`, `export` or `alias` inside does not change the shell.
        const restore = state.save();
        const result = await this.capture(line, signal).finally(restore);
        if (result.stderr) this.host.sink.err.write(result.stderr);
        return result.stdout;
      },
    };
  }

  /** Expand and resolve each command of a pipeline; a failure is reported and ends it. */
  private async stagesOf(pipeline: PipelineNode, sink: Sink, signal: AbortSignal): Promise<Stage[] | StageResult> {
    const stages: Stage[] = [];
    const env = this.expandEnv(signal);
    const state = this.host.state;
    for (const node of pipeline.commands) {
      let command: ExpandedCommand;
      try {
        command = await expandCommand(
          applyAlias(node, (name) => state.aliasTable.get(name)),
          env,
        );
      } catch (error) {
        errorLine(this.host, sink, oneLine(error), error);
        return { status: error instanceof ShellError ? error.exitCode : Status.failed, value: undefined };
      }
      if (signal.aborted) return { status: Status.interrupted, value: undefined };
      const [name, ...rest] = command.argv;
      if (name === undefined) {
        // `NAME=value` alone sets a shell variable, as in sh.
        for (const { name: variable, value } of command.assignments) state.setVariable(variable, value);
        stages.push({ kind: 'assign', command });
        continue;
      }
      const scope = { table: this.host.table, alias: () => undefined, env: commandEnv(state.exported(), command), cwd: state.cwd };
      const found = lookup(name, scope, { aliases: false, external: command.external });
      if (found.kind === 'command') {
        const dashes = rest.indexOf('--');
        const options = dashes < 0 ? rest : rest.slice(0, dashes);
        const json = options.includes('--json');
        const args = json ? rest.filter((word, i) => word !== '--json' || (dashes >= 0 && i > dashes)) : rest;
        stages.push({ kind: 'plugin', command, resolved: found.resolved, name, args, json });
      } else if (found.kind === 'program') stages.push({ kind: 'program', command, path: found.path });
      else if (found.kind === 'missing') stages.push({ kind: 'missing', command, status: found.status, message: found.message });
    }
    return stages;
  }

  /**
   * Run `a | b | c`: a plugin's value (or printed text) is the next one's
   * input; programs next to each other share an OS pipe; a program's output
   * is text for a plugin, a plugin's value is rendered text for a program.
   */
  private async runPipeline(
    pipeline: PipelineNode,
    sink: Sink,
    signal: AbortSignal,
    json: boolean,
    firstInput?: unknown,
  ): Promise<PipelineResult> {
    const stages = await this.stagesOf(pipeline, sink, signal);
    if (!Array.isArray(stages)) return stages;
    let input: unknown = firstInput;
    let printed = '';
    for (let i = 0; i < stages.length; i++) {
      const stage = stages[i] as Stage;
      const last = i === stages.length - 1;
      if (stage.kind === 'program') {
        let j = i;
        while (j + 1 < stages.length && (stages[j + 1] as Stage).kind === 'program') j++;
        const run = stages.slice(i, j + 1) as ProgramStage[];
        const result = await this.programs.run(run, input, sink, j === stages.length - 1, i === 0, json, printed);
        printed = '';
        if (j === stages.length - 1) return result;
        if (result.status !== 0 && signal.aborted) return result;
        input = result.value;
        i = j;
        continue;
      }
      if (stage.kind === 'assign') {
        if (last) return { status: 0, value: undefined };
        continue;
      }
      const result = await runPluginStage(this.stageCalls, stage, input, sink, last, signal, json);
      if (last || (result.status !== 0 && signal.aborted)) return result;
      // As in sh, a command that fails hands on what it printed and the pipeline goes on: its status is the last one's.
      printed = result.printed ?? '';
      // What was printed stands for the value when there is none: a program must not read it twice.
      input = printed !== '' && result.value === printed ? undefined : result.value;
      if (input === undefined && printed !== '' && (stages[i + 1] as Stage).kind !== 'program') input = printed;
    }
    return { status: 0, value: undefined };
  }

  /** Show a result; a value that cannot be rendered (a throwing component, a cyclic --json value) fails the line. */
  private show(sink: Sink, command: string | undefined, write: () => void): boolean {
    try {
      write();
      return true;
    } catch (error) {
      errorLine(this.host, sink, `${command}: cannot show the result: ${oneLine(error)}`, error);
      return false;
    }
  }

  /** `ctx.run(line)` and `$(line)`: run a nested line with everything captured. */
  async capture(line: string, signal: AbortSignal): Promise<RunResult> {
    if (this.runDepth >= MAX_RUN_DEPTH) throw new CommandError(`ctx.run is nested more than ${MAX_RUN_DEPTH} deep`);
    this.runDepth++;
    const sink = captureSink(false);
    const state = this.host.state;
    const exitBefore = state.exitRequested;
    const statusBefore = this.previousStatus;
    try {
      const { status: exitCode, value } = await this.execute(line, sink, signal, false);
      return { exitCode, value: exitCode === 0 ? value : undefined, stdout: sink.text(), stderr: sink.errors() };
    } finally {
      this.runDepth--;
      state.exitRequested = exitBefore;
      this.previousStatus = statusBefore;
    }
  }
}
