/**
 * Running a line: text → words → expansion → resolution → run (plugin
 * command or external program) → render. The plugin host (loading,
 * reloading, disposing) is the Session's; this module only runs.
 */
import { setMaxListeners } from 'node:events';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { CommandError } from '../../plugin-sdk/index.ts';
import type { CommandContext, Output, RunResult } from '../../plugin-sdk/types.ts';
import { oneLine, quote, ShellError, Status, UsageError } from '../base/errors.ts';
import { isInterruption, timers } from '../base/faults.ts';
import { applyAlias } from '../line/alias.ts';
import { type ExpandedCommand, expandCommand } from '../line/expand.ts';
import { type LineNode, type PipelineNode, parse } from '../line/parser.ts';
import type { Session } from '../main/session.ts';
import type { PluginInstance } from '../plugins/loader.ts';
import type { Resolved } from '../plugins/registry.ts';
import { jsonLine, printText, type RenderOptions, renderValue, stripAnsi } from '../render/render.ts';
import { didYouMean, parseWords, validate } from './args.ts';
import { findProgram, type ProgramSpec, type RunningPrograms, startPrograms } from './programs.ts';
import { captureSink, type Sink } from './sink.ts';

/** `ctx.run` inside `ctx.run`… deeper than this fails. */
export const MAX_RUN_DEPTH = 100;

/** A plugin's asynchronous error that failed the command it belongs to (already reported). */
class PluginFault extends Error {}

/** A command running now, to fail when its plugin throws outside of it (a timer, an event, a rejection). */
interface Running {
  plugin: string;
  fail(error: PluginFault): void;
}

const isCommandError = (e: unknown): e is Error & { exitCode: number } =>
  e instanceof Error && e.name === 'CommandError' && typeof (e as { exitCode?: unknown }).exitCode === 'number';

interface StageResult {
  status: number;
  value: unknown;
}

/** One command of a pipeline after expansion and resolution. */
type Stage =
  | { kind: 'assign'; command: ExpandedCommand }
  | { kind: 'plugin'; command: ExpandedCommand; resolved: Resolved; name: string; args: string[]; json: boolean }
  | { kind: 'program'; command: ExpandedCommand; path: string }
  /** A word that names nothing that can run: its message goes where its errors go, as in sh. */
  | { kind: 'missing'; command: ExpandedCommand; status: number; message: string };

/** Where a plugin command's output or errors go: the sink's streams, the next command, or an open file. */
type Place = 'out' | 'err' | 'pipe' | number;

interface PipelineResult {
  status: number;
  value: unknown;
  /** What a plugin in the middle of a pipeline printed (a program after it reads this, then the value). */
  printed?: string;
  /** What the caller should display (the last command's value, not already shown). */
  shown?: unknown;
  /** The output went to a file. */
  redirected?: boolean;
  /** The last command's own `--json`. */
  json?: boolean;
  command?: string;
}

/** Why a redirect's file could not be opened or read, as the user should read it. */
function fileReason(error: unknown, flags: 'r' | 'w' | 'a'): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return flags === 'r' ? 'no such file' : 'no such directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return oneLine(error);
}

/** Open a redirect's file; a one-line ShellError when it cannot be. */
function openTarget(cwd: string, path: string, flags: 'r' | 'w' | 'a'): number {
  if (path === '') throw new ShellError('redirect needs a file name (got an empty word)');
  try {
    return openSync(resolvePath(cwd, path), flags, 0o666);
  } catch (error) {
    throw new ShellError(`cannot ${flags === 'r' ? 'read' : 'write'} ${path}: ${fileReason(error, flags)}`);
  }
}

/** The text a file gives a plugin's `<`, or a one-line ShellError. */
function readInput(cwd: string, path: string): string {
  const fd = openTarget(cwd, path, 'r');
  try {
    return readFileSync(fd, 'utf8');
  } catch (error) {
    throw new ShellError(`cannot read ${path}: ${fileReason(error, 'r')}`);
  } finally {
    closeSync(fd);
  }
}

/** Runs lines for one session. */
export class Runner {
  lastStatus = 0;
  /** `$?`: the status of the pipeline that ran last, in this line or an earlier one. */
  previousStatus = 0;
  /** Plugin errors reported outside any command, counted so `-c` and scripts can fail the line. */
  faultCount = 0;
  /** Commands that returned a promise: after those, a rejection nobody handled may still be reported. */
  asyncRuns = 0;
  private controller: AbortController | undefined;
  private lineController: AbortController | undefined;
  /** Set once Ctrl-C has fired for the running line: a second one means the command does not give way. */
  private interruptedLine: AbortController | undefined;
  private readonly running = new Set<Running>();
  private readonly programs = new Set<RunningPrograms>();
  /** Programs that hold the terminal: Ctrl-C reaches them from the terminal, not from the shell. */
  private foreground = 0;
  private runDepth = 0;

  constructor(private readonly session: Session) {}

  /** Cancel the running line, if any (Ctrl-C). Returns false when nothing was running. */
  interrupt(): boolean {
    if (!this.controller || this.controller.signal.aborted) return false;
    if (this.foreground > 0) return true; // The terminal sent the program its SIGINT itself.
    this.interruptedLine = this.controller;
    this.controller.abort(new ShellError('interrupted', Status.interrupted));
    // A Ctrl-C typed at a terminal reached the programs too (they share its process group); a SIGINT sent
    // to tosh alone (`kill -INT`, `timeout -s INT`) did not: pass it on to those still running a moment later.
    const programs = [...this.programs];
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
    this.session.faults.sigint.enter();
    try {
      const { status } = await this.execute(line, sink, controller.signal, this.session.options.json);
      this.lastStatus = status;
      this.previousStatus = status;
      return status;
    } catch (error) {
      // Whatever went wrong, the line fails and the shell goes on.
      this.session.errorLine(sink, `internal error: ${oneLine(error)}`, error);
      this.lastStatus = this.previousStatus = Status.failed;
      return Status.failed;
    } finally {
      this.session.faults.sigint.leave();
      if (this.controller === controller) this.controller = undefined;
    }
  }

  /** Parse and run a line. Never throws: every failure is a status and a line on `sink.err`. */
  async execute(line: string, sink: Sink, signal: AbortSignal, json: boolean, input?: unknown): Promise<StageResult> {
    let ast: LineNode;
    try {
      ast = parse(line);
    } catch (error) {
      this.session.errorLine(sink, oneLine(error), error);
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
      if (signal.aborted || this.session.exitRequested !== undefined) break;
    }
    return { status: signal.aborted ? Status.interrupted : status, value };
  }

  /** The variables, `$?`, home and `$(…)` for expanding one command. */
  private expandEnv(signal: AbortSignal) {
    const session = this.session;
    return {
      vars: (name: string) => session.variable(name),
      status: this.previousStatus,
      home: session.env.HOME || homedir(),
      cwd: session.cwd,
      substitute: async (line: string) => {
        // As in a subshell: a `cd`, `export` or `alias` inside does not change the shell.
        const restore = session.saveState();
        const result = await this.capture(line, signal).finally(restore);
        if (result.stderr) this.session.options.sink.err.write(result.stderr);
        return result.stdout;
      },
    };
  }

  /** Expand and resolve each command of a pipeline; a failure is reported and ends it. */
  private async stagesOf(pipeline: PipelineNode, sink: Sink, signal: AbortSignal): Promise<Stage[] | StageResult> {
    const stages: Stage[] = [];
    const env = this.expandEnv(signal);
    for (const node of pipeline.commands) {
      let command: ExpandedCommand;
      try {
        command = await expandCommand(
          applyAlias(node, (name) => this.session.aliasTable.get(name)),
          env,
        );
      } catch (error) {
        this.session.errorLine(sink, oneLine(error), error);
        return { status: error instanceof ShellError ? error.exitCode : Status.failed, value: undefined };
      }
      if (signal.aborted) return { status: Status.interrupted, value: undefined };
      const [name, ...rest] = command.argv;
      if (name === undefined) {
        // `NAME=value` alone sets a shell variable, as in sh.
        for (const { name: variable, value } of command.assignments) this.session.setVariable(variable, value);
        stages.push({ kind: 'assign', command });
        continue;
      }
      const resolved = command.external ? undefined : this.session.registry.resolve(name);
      if (resolved) {
        const dashes = rest.indexOf('--');
        const options = dashes < 0 ? rest : rest.slice(0, dashes);
        const json = options.includes('--json');
        const args = json ? rest.filter((word, i) => word !== '--json' || (dashes >= 0 && i > dashes)) : rest;
        stages.push({ kind: 'plugin', command, resolved, name, args, json });
        continue;
      }
      const found = findProgram(name, this.commandEnv(command), this.session.cwd);
      if (found && 'path' in found) {
        stages.push({ kind: 'program', command, path: found.path });
        continue;
      }
      if (found) {
        stages.push({ kind: 'missing', command, status: found.status, message: found.error });
        continue;
      }
      const unloaded = this.session.unloaded(name);
      if (unloaded) {
        stages.push({ kind: 'missing', command, status: Status.failed, message: unloaded });
        continue;
      }
      // `^name` asks for a program: a plugin command of that name is no suggestion.
      const near = command.external ? undefined : this.suggest(name);
      const message = `unknown command ${quote(name)}${near ? ` (did you mean ${quote(near)}?)` : ''}`;
      stages.push({ kind: 'missing', command, status: Status.unknownCommand, message });
    }
    return stages;
  }

  /** The environment one command runs with: the exported variables and its own `NAME=value` words. */
  private commandEnv(command: ExpandedCommand): Readonly<Record<string, string>> {
    const env = this.session.exported();
    if (command.assignments.length === 0) return env;
    const own = { ...env };
    for (const { name, value } of command.assignments) own[name] = value;
    return own;
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
        const run = stages.slice(i, j + 1) as Extract<Stage, { kind: 'program' }>[];
        const result = await this.runPrograms(run, input, sink, j === stages.length - 1, i === 0, json, printed);
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
      const result = await this.runPluginStage(stage, input, sink, last, signal, json);
      if (last || (result.status !== 0 && signal.aborted)) return result;
      // As in sh, a command that fails hands on what it printed and the pipeline goes on: its status is the last one's.
      printed = result.printed ?? '';
      // What was printed stands for the value when there is none: a program must not read it twice.
      input = printed !== '' && result.value === printed ? undefined : result.value;
      if (input === undefined && printed !== '' && (stages[i + 1] as Stage).kind !== 'program') input = printed;
    }
    return { status: 0, value: undefined };
  }

  /**
   * One plugin command of a pipeline, with its redirects applied as sh does:
   * in the order written, each file opened (and truncated) before the command
   * runs, `2>&1` and `>&2` naming wherever the other stream goes at that
   * point. Everything the command writes, its value and its error messages go
   * to those places as it runs.
   */
  private async runPluginStage(
    stage: Extract<Stage, { kind: 'plugin' | 'missing' }>,
    input: unknown,
    sink: Sink,
    last: boolean,
    signal: AbortSignal,
    json: boolean,
  ): Promise<PipelineResult> {
    const redirects = stage.command.redirects;
    const command = stage.kind === 'plugin' ? stage.name : (stage.command.argv[0] as string);
    const stageJson = stage.kind === 'plugin' && stage.json;
    const run = (to: Sink, given: unknown): Promise<StageResult> => {
      if (stage.kind === 'plugin') return this.runCommand(stage, given, to, signal);
      this.session.errorLine(to, stage.message);
      return Promise.resolve({ status: stage.status, value: undefined });
    };
    // The plain case, by far the most common: everything to the sink, the value shown by the caller.
    if (last && redirects.length === 0) {
      const result = await run(sink, input);
      if (result.status !== 0) return { status: result.status, value: undefined };
      return result.value !== undefined
        ? { status: 0, value: result.value, shown: stageJson ? undefined : result.value, json: stageJson, command }
        : { status: 0, value: result.value, json: stageJson, command };
    }
    const pipe = captureSink(false, sink.out.columns);
    const opened: number[] = [];
    let out: Place = last ? 'out' : 'pipe';
    let err: Place = 'err';
    try {
      for (const r of redirects) {
        if (r.kind === 'read') input = readInput(this.session.cwd, r.path);
        else if (r.kind === 'write' || r.kind === 'append') {
          const fd = openTarget(this.session.cwd, r.path, r.kind === 'append' ? 'a' : 'w');
          opened.push(fd);
          if (r.fd === 1) out = fd;
          else err = fd;
        } else if (r.fd === 2) err = out;
        else out = err;
      }
    } catch (error) {
      for (const fd of opened) closeSync(fd);
      this.session.errorLine(sink, oneLine(error));
      return { status: Status.failed, value: undefined };
    }
    const failures: string[] = [];
    const output = (place: Place): Output => {
      if (place === 'out') return sink.out;
      if (place === 'err') return sink.err;
      if (place === 'pipe') return pipe.out;
      return {
        write: (text) => {
          try {
            writeSync(place, stripAnsi(text));
          } catch (error) {
            failures.push(`cannot write: ${oneLine(error)}`);
          }
        },
        isTTY: false,
        columns: sink.out.columns,
      };
    };
    const color = out === 'out' ? sink.color : false;
    const stageOut = output(out);
    const stageSink: Sink = {
      out: stageOut,
      err: output(err),
      color,
      value: (value) => stageOut.write(renderValue(value, { color, columns: sink.out.columns })),
      progress: sink.progress,
      ...(sink.ask ? { ask: sink.ask } : {}),
    };
    try {
      const result = await run(stageSink, input);
      if (result.status !== 0)
        return out === 'pipe'
          ? { status: result.status, value: undefined, printed: pipe.text() }
          : { status: result.status, value: undefined };
      if (out === 'pipe') {
        // The next command's input: the value, or what was printed; a program reads both, as `tosh -c` writes them to a file.
        const printed = pipe.text();
        return { status: 0, value: result.value !== undefined ? result.value : printed || undefined, printed, command };
      }
      if (out === 'out') {
        return result.value !== undefined
          ? { status: 0, value: result.value, shown: stageJson ? undefined : result.value, json: stageJson, command }
          : { status: 0, value: result.value, json: stageJson, command };
      }
      const rendered = this.show(sink, command, () => {
        if (json || stageJson) stageOut.write(jsonLine(result.value));
        else if (result.value !== undefined) stageSink.value(result.value);
      });
      if (!rendered) return { status: Status.failed, value: undefined };
      if (failures.length > 0) {
        this.session.errorLine(sink, failures[0] as string);
        return { status: Status.failed, value: undefined };
      }
      return { status: 0, value: last ? result.value : undefined, redirected: true, command };
    } finally {
      for (const fd of opened) closeSync(fd);
    }
  }

  /**
   * Programs next to each other in a pipeline, joined by OS pipes. Their
   * output streams straight to the shell's own standard output when it is
   * the last stage (the UI steps aside for a program that uses the terminal);
   * otherwise it is collected as text for the next command.
   */
  private async runPrograms(
    run: Extract<Stage, { kind: 'program' }>[],
    input: unknown,
    sink: Sink,
    last: boolean,
    first: boolean,
    json: boolean,
    printed = '',
  ): Promise<PipelineResult> {
    const opened: number[] = [];
    // With --json the last program's output is the line's value (a string), not text on the screen.
    const keep = last && json;
    const specs: ProgramSpec[] = [];
    const fed = input !== undefined || printed !== '';
    let usesTerminal = false;
    try {
      run.forEach((stage, k) => {
        const isFirst = k === 0;
        const isLast = k === run.length - 1;
        const spec: ProgramSpec = {
          path: stage.path,
          argv: stage.command.argv,
          env: this.commandEnv(stage.command),
          cwd: this.session.cwd,
          // The terminal (or tosh's stdin) is the first program's input; in the interactive shell only when
          // the run's output goes to the terminal too (the UI steps aside for it), as `ls | upper` needs neither.
          stdin: isFirst ? (fed ? 'pipe' : first && sink.inherit && (last || !sink.terminal) ? sink.inherit.stdin : 'ignore') : 'pipe',
          stdout: isLast && last && sink.inherit && !keep ? 'inherit' : 'pipe',
          stderr: sink.inherit ? 'inherit' : 'pipe',
        };
        // Redirects, in the order written (`2>&1 > f` and `> f 2>&1` differ, as in sh).
        for (const r of stage.command.redirects) {
          if (r.kind === 'read') {
            const fd = openTarget(this.session.cwd, r.path, 'r');
            opened.push(fd);
            spec.stdin = fd;
          } else if (r.kind === 'write' || r.kind === 'append') {
            const fd = openTarget(this.session.cwd, r.path, r.kind === 'append' ? 'a' : 'w');
            opened.push(fd);
            if (r.fd === 1) spec.stdout = fd;
            else spec.stderr = fd;
          } else if (r.kind === 'dup') {
            // Where the other stream goes now: a file, the shell's own stream, or the pipe (sh joins those).
            const other = r.fd === 2 ? spec.stdout : spec.stderr;
            const same = typeof other === 'number' ? other : other === 'inherit' ? (r.fd === 2 ? 1 : 2) : undefined;
            if (r.fd === 2) spec.stderr = same ?? 'stdout';
            else spec.stdout = same ?? 'stderr';
          }
        }
        if (spec.stdin === 'inherit' || spec.stdout === 'inherit') usesTerminal = true;
        specs.push(spec);
      });
      // While the UI draws, a program's errors go through it rather than across the screen.
      if (sink.terminal && !usesTerminal) for (const spec of specs) if (spec.stderr === 'inherit') spec.stderr = 'pipe';
    } catch (error) {
      for (const fd of opened) closeSync(fd);
      this.session.errorLine(sink, oneLine(error));
      return { status: Status.failed, value: undefined };
    }
    const start = async (): Promise<PipelineResult> => {
      await sink.flush?.();
      const programs = startPrograms(specs, (message) => this.session.errorLine(sink, message));
      for (const fd of opened) closeSync(fd);
      this.programs.add(programs);
      // Only the interactive shell hands its terminal over: there the terminal's own Ctrl-C is the programs' alone.
      const foreground = usesTerminal && sink.terminal !== undefined;
      if (foreground) this.foreground++;
      try {
        let text = '';
        const collected = programs.output
          ? new Promise<void>((done) => {
              const stream = programs.output as NonNullable<typeof programs.output>;
              stream.setEncoding('utf8');
              stream.on('data', (chunk: string) => {
                // A last stage that cannot inherit (the UI, a capture) streams into the sink as it comes.
                if (last && !sink.inherit && !keep) sink.out.write(chunk);
                else text += chunk;
              });
              stream.on('end', done);
              stream.on('error', () => done());
            })
          : Promise.resolve();
        for (const stream of programs.errors) {
          stream.setEncoding('utf8');
          stream.on('data', (chunk: string) => sink.err.write(chunk));
        }
        if (programs.input) {
          // Exactly what `tosh -c` would write to a file (a string gets its newline too).
          programs.input.end(printed + renderValue(input, { color: false, columns: sink.out.columns }));
        }
        const status = await programs.done;
        await collected;
        if (last) return { status, value: keep ? text : undefined, command: run[run.length - 1]?.command.argv[0] as string };
        return { status, value: text };
      } finally {
        this.programs.delete(programs);
        if (foreground) this.foreground--;
      }
    };
    return usesTerminal && sink.terminal ? sink.terminal(start) : start();
  }

  /** Show a result; a value that cannot be rendered (a throwing component, a cyclic --json value) fails the line. */
  private show(sink: Sink, command: string | undefined, write: () => void): boolean {
    try {
      write();
      return true;
    } catch (error) {
      this.session.errorLine(sink, `${command}: cannot show the result: ${oneLine(error)}`, error);
      return false;
    }
  }

  /** Validate and run one plugin command (`cmd --help` shows its help). */
  private async runCommand(
    stage: Extract<Stage, { kind: 'plugin' }>,
    input: unknown,
    sink: Sink,
    signal: AbortSignal,
  ): Promise<StageResult> {
    const { resolved, name, args: rest } = stage;
    const dashes = rest.indexOf('--');
    const wantsHelp =
      rest.slice(0, dashes < 0 ? undefined : dashes).includes('--help') && !resolved.spec.flags.some((f) => f.key === 'help');
    const help = this.session.registry.resolve('help');
    if (wantsHelp && help) return this.runCommand({ ...stage, resolved: help, name: 'help', args: [name] }, input, sink, signal);
    return this.invoke(resolved, name, rest, input, sink, signal, this.commandEnv(stage.command));
  }

  /** The command a mistyped name probably meant; `plugin:cmd` looks only among that plugin's commands. */
  private suggest(name: string): string | undefined {
    const names = this.session.registry.names();
    const colon = name.indexOf(':');
    if (colon <= 0) return didYouMean(name, names);
    const prefix = name.slice(0, colon + 1);
    const near = didYouMean(
      name.slice(colon + 1),
      names.filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length)),
    );
    return near === undefined ? undefined : prefix + near;
  }

  private async invoke(
    resolved: Resolved,
    typed: string,
    argv: string[],
    input: unknown,
    sink: Sink,
    signal: AbortSignal,
    env: Readonly<Record<string, string>>,
  ): Promise<StageResult> {
    const session = this.session;
    const failed = (status: number, message: string, error?: unknown) => {
      session.errorLine(sink, message, error);
      return { status, value: undefined };
    };
    let raw: ReturnType<typeof parseWords>;
    try {
      raw = parseWords(typed, resolved.spec, argv);
    } catch (error) {
      return failed(Status.usage, oneLine(error), error);
    }
    let instance: PluginInstance;
    try {
      const current = resolved.record.instance;
      instance = current?.ready && !current.failed ? current : await session.activate(resolved.record);
    } catch (error) {
      return failed(Status.failed, `${resolved.meta.name}: cannot load: ${oneLine(error)}`, error);
    }
    const command = instance.definition.commands[resolved.name];
    if (!command) return failed(Status.unknownCommand, `unknown command ${quote(typed)}`);
    const plugin = resolved.meta.name;
    if (!resolved.record.source.dir.builtin) session.faults.watch();
    const failure = (error: unknown) => {
      if (isInterruption(error)) this.interrupt();
      if (signal.aborted) return { status: Status.interrupted, value: undefined };
      if (error instanceof PluginFault) return { status: Status.failed, value: undefined }; // Reported when it happened.
      if (isCommandError(error)) return failed(error.exitCode, oneLine(error), error);
      if (error instanceof UsageError) return failed(error.exitCode, `${typed}: ${oneLine(error)}`, error);
      return failed(Status.failed, `${plugin}:${resolved.name}: ${oneLine(error)}`, error);
    };
    let validated: { args: unknown; flags: unknown };
    try {
      // The metadata that parsed the words was made from this very code (the cache is keyed on it).
      // Schemas are the author's code too: a `.transform` that throws is named below. (Not guarded: a
      // guarded call costs more than the whole validation, and a loop in a transform is not a case worth it.)
      validated = validate(typed, command, resolved.spec, raw);
    } catch (error) {
      if (error instanceof ShellError) return failed(error.exitCode, oneLine(error), error);
      return failure(error);
    }
    const ctx = this.context(instance, resolved.name, sink, signal, env);
    const release = () => {
      instance.running--;
      if (instance.retired && instance.running === 0) void session.dispose(instance);
    };
    instance.running++;
    let result: unknown;
    try {
      result = session.pluginCode(() => command.run({ args: validated.args, flags: validated.flags, input, argv }, ctx));
    } catch (error) {
      release();
      return failure(error);
    }
    if (!isThenable(result)) {
      release();
      return { status: 0, value: result };
    }
    this.asyncRuns++;
    const running = Promise.resolve(result);
    void running.catch(() => {}).finally(release);
    // An error the plugin throws outside this call (a timer, an event) fails the command too.
    let fail: (error: PluginFault) => void = () => {};
    const faulted = new Promise<never>((_, reject) => {
      fail = reject;
    });
    faulted.catch(() => {});
    const entry: Running = { plugin, fail };
    this.running.add(entry);
    // A command may wait on nothing but its signal: keep the process alive until it settles or Ctrl-C comes.
    const keepAlive = setInterval(() => {}, 2 ** 30);
    try {
      return { status: 0, value: await raceAbort(Promise.race([running, faulted]), signal) };
    } catch (error) {
      return failure(error);
    } finally {
      this.running.delete(entry);
      clearInterval(keepAlive);
    }
  }

  /**
   * An error a plugin threw where nothing could catch it (a timer, an event
   * handler, an unhandled rejection): one line naming the plugin, and the
   * command it belongs to, if it still runs, fails. The shell goes on.
   */
  pluginFault(error: unknown): void {
    const plugin = this.blame(error);
    this.faultCount++;
    const message = oneLine(error);
    this.session.notice(plugin ? `${plugin}: ${message}` : `unexpected error: ${message}`);
    if (this.session.options.debug && error instanceof Error && error.stack) this.session.notice(this.session.mapStacks(error.stack));
    for (const entry of this.running) if (plugin === undefined || entry.plugin === plugin) entry.fail(new PluginFault(message));
  }

  /** Which plugin an error came from: the first of its stack frames in a plugin's code, else the one command running. */
  private blame(error: unknown): string | undefined {
    const stack = error instanceof Error ? (error.stack ?? '') : '';
    if (stack) {
      let best: { at: number; name: string } | undefined;
      for (const record of this.session.registry.all()) {
        const at = stack.indexOf(record.source.entry);
        if (at >= 0 && (!best || at < best.at)) best = { at, name: record.meta?.name ?? record.source.display };
      }
      if (best) return best.name;
    }
    const plugins = new Set([...this.running].map((r) => r.plugin));
    return plugins.size === 1 ? [...plugins][0] : undefined;
  }

  /** The `ctx` a command (or its `complete` hook) receives. */
  context(
    instance: PluginInstance,
    name: string,
    sink: Sink,
    signal: AbortSignal,
    env: Readonly<Record<string, string>> = this.session.exported(),
  ): CommandContext {
    const options: RenderOptions = { color: sink.color, columns: sink.out.columns, fit: sink.out.isTTY };
    return {
      print: (...values) => sink.out.write(printText(values, options)),
      stdout: sink.out,
      stderr: sink.err,
      signal,
      run: (line) => this.capture(line, signal),
      store: this.session.registry.store(instance.meta.name),
      progress: (progressOptions = {}) => sink.progress(progressOptions, name),
      prompt: (question, promptOptions = {}) =>
        sink.ask ? sink.ask(question, promptOptions, signal) : Promise.reject(new CommandError('no terminal to ask on')),
      cwd: this.session.cwd,
      env,
      interactive: this.session.options.interactive,
      color: sink.color,
      command: { name, plugin: instance.meta.name, version: instance.meta.version },
      shell: this.session,
    };
  }

  /** `ctx.run(line)` and `$(line)`: run a nested line with everything captured. */
  async capture(line: string, signal: AbortSignal): Promise<RunResult> {
    if (this.runDepth >= MAX_RUN_DEPTH) throw new CommandError(`ctx.run is nested more than ${MAX_RUN_DEPTH} deep`);
    this.runDepth++;
    const sink = captureSink(false);
    const exitBefore = this.session.exitRequested;
    const statusBefore = this.previousStatus;
    try {
      const { status: exitCode, value } = await this.execute(line, sink, signal, false);
      return { exitCode, value: exitCode === 0 ? value : undefined, stdout: sink.text(), stderr: sink.errors() };
    } finally {
      this.runDepth--;
      this.session.exitRequested = exitBefore;
      this.previousStatus = statusBefore;
    }
  }
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
