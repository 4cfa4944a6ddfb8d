/**
 * Calls into a plugin command: words → args and flags (args.ts), the plugin
 * activated, the zod schemas checked, `run` called guarded with its `ctx`,
 * and every fault of the plugin's (a throw, a timer's error, a rejection)
 * turned into one line naming it and a status (CONTRACT §4, §11).
 */
import { CommandError } from '../../plugin-sdk/index.ts';
import type { CommandContext, Output, RunResult, ShellApi } from '../../plugin-sdk/types.ts';
import { asPlugin, asShell, shellSide } from '../base/direct-writes.ts';
import { oneLine, quote, ShellError, Status, UsageError } from '../base/errors.ts';
import { isInterruption } from '../base/faults.ts';
import type { PluginInstance } from '../plugins/loader.ts';
import type { Resolved } from '../plugins/registry.ts';
import { printText, type RenderOptions } from '../render/render.ts';
import type { ShellState } from '../state/state.ts';
import { CaptureFull, NestingAbort } from './abort.ts';
import { parseWords, validate } from './args.ts';
import { errorLine, type RunHost } from './host.ts';
import type { Sink } from './sink.ts';
import { commandEnv, type PluginStage, type StageResult } from './stages.ts';

/** A plugin's asynchronous error that failed the command it belongs to (already reported). */
class PluginFault extends Error {}

/** A command running now, to fail when its plugin throws outside of it (a timer, an event, a rejection). */
interface Running {
  plugin: string;
  fail(error: PluginFault): void;
}

/** A failure's status as the SDK's CommandError clamps it (1–255), for a look-alike class of a plugin's own too. */
// Kept before any plugin runs (a plugin may replace them).
const nativeCwd = process.cwd.bind(process);
/** The process's directory; undefined when it is gone (a shell started in a deleted directory). */
const processCwd = (): string | undefined => {
  try {
    return nativeCwd();
  } catch {
    return undefined;
  }
};
const processChdir = process.chdir.bind(process);

const failureStatus = (code: number) => (!Number.isInteger(code) || code < 1 ? 1 : Math.min(code, 255));

const isCommandError = (e: unknown): e is Error & { exitCode: number } =>
  e instanceof Error && e.name === 'CommandError' && typeof (e as { exitCode?: unknown }).exitCode === 'number';

/** A command's standard input that it reads only if it asks for `input` (a `while read` loop's file must not be eaten by `echo`). */
export class LazyInput {
  constructor(readonly take: () => unknown) {}
}

export class CommandRuns {
  /** Plugin errors reported outside any command, counted so `-c` and scripts can fail the line. */
  faultCount = 0;
  /** Commands that returned a promise: after those, a rejection nobody handled may still be reported. */
  asyncRuns = 0;
  private readonly running = new Set<Running>();

  constructor(
    private readonly host: RunHost,
    /** `ctx.run(line)`: the runner's captured run of a nested line, in the state the command runs in. */
    private readonly capture: (line: string, signal: AbortSignal, state: ShellState) => Promise<RunResult>,
    /** Plugin code was stopped by Ctrl-C where the signal had not yet fired. */
    private readonly onInterrupted: () => void,
  ) {}

  /** Validate and run one plugin command (`cmd --help` shows its help). */
  async command(stage: PluginStage, input: unknown, sink: Sink, signal: AbortSignal, state: ShellState): Promise<StageResult> {
    const { resolved, name, args: rest } = stage;
    const dashes = rest.indexOf('--');
    const wantsHelp =
      rest.slice(0, dashes < 0 ? undefined : dashes).includes('--help') && !resolved.spec.flags.some((f) => f.key === 'help');
    const help = this.host.table.resolve('help');
    if (wantsHelp && help) return this.command({ ...stage, resolved: help, name: 'help', args: [name] }, input, sink, signal, state);
    return this.invoke(resolved, name, rest, input, sink, signal, state, commandEnv(state.exported(), stage.command));
  }

  private async invoke(
    resolved: Resolved,
    typed: string,
    argv: string[],
    input: unknown,
    sink: Sink,
    signal: AbortSignal,
    state: ShellState,
    env: Readonly<Record<string, string>>,
  ): Promise<StageResult> {
    const host = this.host;
    const failed = (status: number, message: string, error?: unknown) => {
      errorLine(host, sink, message, error);
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
      instance = current?.ready && !current.failed ? current : await host.plugins.activate(resolved.record);
    } catch (error) {
      return failed(Status.failed, `${resolved.meta.name}: cannot load: ${oneLine(error)}`, error);
    }
    const command = instance.definition.commands[resolved.name];
    if (!command) return failed(Status.unknownCommand, `unknown command ${quote(typed)}`);
    const plugin = resolved.meta.name;
    if (!resolved.record.source.dir.builtin) host.faults.watch();
    const failure = (error: unknown) => {
      if (isInterruption(error)) {
        this.onInterrupted();
        sink.interrupted?.();
      }
      if (signal.aborted) return { status: Status.interrupted, value: undefined };
      if (error instanceof PluginFault) return { status: Status.failed, value: undefined }; // Reported when it happened.
      if (error instanceof CaptureFull) throw new NestingAbort('capture', error.message); // The line ends; the writer is not to blame.
      if (isCommandError(error)) return failed(failureStatus(error.exitCode), oneLine(error), error);
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
    const ctx = this.context(instance, resolved.name, sink, signal, state, env);
    // The process's directory is the shell's: a plugin's process.chdir ends with its command (CONTRACT §11).
    const directory = processCwd();
    const release = () => {
      if (directory !== undefined && processCwd() !== directory) {
        try {
          processChdir(directory);
        } catch {}
      }
      instance.running--;
      if (instance.retired && instance.running === 0) void host.plugins.dispose(instance);
    };
    instance.running++;
    let result: unknown;
    try {
      const runInput = { args: validated.args, flags: validated.flags, input, argv };
      // Input the command may read but need not (its standard input, a file or text): taken only if it looks.
      if (input instanceof LazyInput) {
        let taken: { value: unknown } | undefined;
        Object.defineProperty(runInput, 'input', { enumerable: true, get: () => (taken ??= { value: (input as LazyInput).take() }).value });
      }
      // Its own writes to process.stdout/stderr (console.log) go where its output goes, as ctx's do.
      const writers = { out: (text: string) => sink.out.write(text), err: (text: string) => sink.err.write(text) };
      // (The context is entered outside the guarded call: a Ctrl-C that stops a loop inside it unwinds
      // without running the code's own finally blocks, and the shell must not be left in the command's.)
      result = asPlugin(writers, () => host.plugins.pluginCode(() => command.run(runInput, ctx)));
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
    this.host.notice(plugin ? `${plugin}: ${message}` : `unexpected error: ${message}`);
    if (this.host.options.debug && error instanceof Error && error.stack) this.host.notice(this.host.mapStacks(error.stack));
    for (const entry of this.running) if (plugin === undefined || entry.plugin === plugin) entry.fail(new PluginFault(message));
  }

  /** Which plugin an error came from: the first of its stack frames in a plugin's code, else the one command running. */
  private blame(error: unknown): string | undefined {
    const stack = error instanceof Error ? (error.stack ?? '') : '';
    if (stack) {
      let best: { at: number; name: string } | undefined;
      for (const bundle of this.host.plugins.bundles()) {
        const at = stack.indexOf(bundle.entry);
        if (at >= 0 && (!best || at < best.at)) best = { at, name: bundle.name };
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
    state: ShellState = this.host.state,
    env: Readonly<Record<string, string>> = state.exported(),
  ): CommandContext {
    const options: RenderOptions = { color: sink.color, columns: sink.out.columns, fit: sink.out.isTTY };
    // Each way back into the shell runs as the shell's, not as the command's code (base/direct-writes.ts).
    return {
      print: (...values) => asShell(() => sink.out.write(printText(values, options))),
      stdout: new ShellOutput(sink.out),
      stderr: new ShellOutput(sink.err),
      signal,
      run: (line) => asShell(() => this.capture(line, signal, state)),
      store: this.host.plugins.store(instance.meta.name),
      progress: (progressOptions = {}) => shellSide(asShell(() => sink.progress(progressOptions, name))),
      prompt: (question, promptOptions = {}) =>
        asShell(() => (sink.ask ? sink.ask(question, promptOptions, signal) : Promise.reject(new CommandError('no terminal to ask on')))),
      cwd: state.cwd,
      env,
      interactive: this.host.options.interactive,
      color: sink.color,
      command: { name, plugin: instance.meta.name, version: instance.meta.version },
      shell: shellApi(this.host.shell(state)),
    };
  }
}

/** An Output whose writes run as the shell's. */
class ShellOutput implements Output {
  /** Bound (a plugin may take `write` off the object). */
  readonly write: (text: string) => void | Promise<void>;
  constructor(private readonly output: Output) {
    this.write = (text) => asShell(() => output.write(text));
  }
  get isTTY(): boolean {
    return this.output.isTTY;
  }
  get columns(): number {
    return this.output.columns;
  }
}

const shellApis = new WeakMap<object, ShellApi>();
/** `ctx.shell` with its methods run as the shell's (one copy per state's api). */
function shellApi(api: ShellApi): ShellApi {
  let wrapped = shellApis.get(api);
  if (!wrapped) shellApis.set(api, (wrapped = shellSide(api)));
  return wrapped;
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
