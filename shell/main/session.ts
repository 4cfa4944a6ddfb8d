/**
 * One shell session, put together from its rooms: the shell's state
 * (state/), the plugin host (plugins/), the runner (run/), the history and
 * the fault machinery. The interactive UI and the non-interactive modes share
 * it; plugins see it only through the SDK's `ShellApi` (`ctx.shell`).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { SDK_VERSION } from '../../plugin-sdk/index.ts';
import type { CompletionRequest, Output, ShellApi } from '../../plugin-sdk/types.ts';
import { Faults } from '../base/faults.ts';
import type { Host } from '../base/host.ts';
import type { CompletionSource } from '../complete/commands.ts';
import { PluginHost } from '../plugins/host.ts';
import { commandInfo, commandInfos, pluginInfos } from '../plugins/info.ts';
import type { PluginDir } from '../plugins/source.ts';
import { type CommandTable, type LookupScope, locate } from '../resolve/lookup.ts';
import { programNames } from '../resolve/path.ts';
import { BUILTINS } from '../run/builtins/index.ts';
import type { RunHost } from '../run/host.ts';
import { setCaptureLimit } from '../run/io.ts';
import type { Jobs } from '../run/jobs.ts';
import { Runner } from '../run/runner.ts';
import type { Sink } from '../run/sink.ts';
import { type Config, loadConfig } from '../state/config.ts';
import { History } from '../state/history.ts';
import { type Origin, ShellState } from '../state/state.ts';

export const SHELL_VERSION = '1.0.0';

/** How long leaving on SIGTERM/SIGHUP waits for `dispose`: the shell must be gone within 2 s. */
export const SIGNAL_EXIT_WAIT_MS = 1500;

export interface SessionOptions {
  dirs: PluginDir[];
  home: string;
  config: Config;
  trust: boolean;
  json: boolean;
  debug: boolean;
  interactive: boolean;
  /** Plugins are watched: run each plugin's `setup` as soon as it loads. */
  longLived: boolean;
  /** The working directory the session starts in. */
  cwd: string;
  /** The environment it starts with (exported variables). */
  env: NodeJS.ProcessEnv;
  /** Aliases from config.json (`alias` adds more). */
  aliases?: Record<string, string>;
  /** `cd` changes the process's own directory too (the real shell; not the SDK's test harness). */
  chdirProcess?: boolean;
  /** The shell's own output (`-c`, scripts and stdin; the UI gives each line its own). */
  sink: Sink;
  /** The driver: the plain streams, or the UI once it is up (a relay, given once). */
  host: Host;
}

export class Session {
  readonly state: ShellState;
  readonly plugins: PluginHost;
  readonly runner: Runner;
  readonly history: History;
  /** Ctrl-C, the watchdog and the deadline for plugin code. */
  readonly faults: Faults;
  /** The registry's command table, as lookups read it. */
  readonly table: CommandTable;
  /** What plugins see as `ctx.shell`. */
  readonly api: ShellApi;
  prompt: string;
  /** What SIGINT does (set by the driver); the watchdog calls it for a SIGINT caught between plugin calls. */
  onSigint: (() => void) | undefined;

  constructor(readonly options: SessionOptions) {
    this.state = new ShellState(options);
    this.configAliases = new Map(Object.entries(options.aliases ?? {}));
    if (options.interactive) this.configStamp = configStamp(join(options.home, 'config.json'));
    this.history = new History(join(options.home, 'history'), options.config.historySize);
    this.prompt = options.config.prompt;
    setCaptureLimit(options.config.captureLimit);
    this.faults = new Faults(() => this.onSigint?.(), options.interactive);
    this.api = shellApi(this, this.state);
    this.plugins = new PluginHost({
      dirs: options.dirs,
      home: options.home,
      config: options.config,
      trust: options.trust,
      debug: options.debug,
      longLived: options.longLived,
      notice: (message) => this.notice(message),
      faults: this.faults,
      shell: () => this.api,
    });
    const registry = this.plugins.registry;
    this.table = {
      resolve: (word) => registry.resolve(word),
      names: () => registry.names(),
      unloaded: (word) => this.plugins.unloaded(word),
    };
    const plugins = this.plugins;
    const runHost: RunHost = {
      state: this.state,
      table: this.table,
      plugins: {
        activate: (record) => plugins.activate(record),
        dispose: (instance) => plugins.dispose(instance),
        pluginCode: (fn, timeoutMs) => plugins.pluginCode(fn, timeoutMs),
        store: (name) => registry.store(name),
        bundles: () => registry.all().map((r) => ({ entry: r.source.entry, name: r.meta?.name ?? r.source.display })),
      },
      faults: this.faults,
      options: { json: options.json, interactive: options.interactive, debug: options.debug },
      sink: options.sink,
      notice: (message) => this.notice(message),
      mapStacks: (stack) => plugins.mapStacks(stack),
      shell: (state) => this.apiFor(state),
    };
    this.runner = new Runner(runHost);
  }

  private readonly apis = new WeakMap<ShellState, ShellApi>();

  /** `ctx.shell` for a command running in `state` (a subshell's own: its `cd` stays in it). */
  apiFor(state: ShellState): ShellApi {
    if (state === this.state) return this.api;
    let api = this.apis.get(state);
    if (!api) this.apis.set(state, (api = shellApi(this, state)));
    return api;
  }

  /** The job table (`jobs`, Ctrl-Z, the `Done` lines before a prompt). */
  get jobs(): Jobs {
    return this.runner.jobs;
  }

  /** Where a lookup looks now (aliases, the command table, PATH and the working directory). */
  get scope(): LookupScope {
    const state = this.state;
    return scopeOf(this.table, state);
  }

  notice(message: string): void {
    this.options.host.notice(message);
  }

  /** Discover and load every plugin. Failures are reported, one line each. */
  start(): Promise<void> {
    return this.plugins.start();
  }

  /** Dispose every plugin (the shell is leaving), within `waitMs`. */
  close(waitMs?: number): Promise<void> {
    return this.plugins.close(waitMs);
  }

  /** Run one top-level line and remember its status for `exit` and `$?`. */
  runLine(line: string, sink: Sink = this.options.sink, origin?: Origin): Promise<number> {
    if (this.options.interactive) this.refreshConfig();
    return this.runner.runLine(line, sink, origin);
  }

  /** config.json as last seen (size, change time, inode): it is read again when that changes. */
  private configStamp: string | undefined;
  /** The aliases config.json gave (a changed file replaces these, not the ones `alias` made). */
  private configAliases = new Map<string, string>();

  /**
   * Changes to config.json take effect without a restart (CONTRACT §14): the
   * prompt, its aliases, the load deadline, trustAll. Checked before each
   * line the interactive shell runs (one stat).
   */
  refreshConfig(): void {
    const stamp = configStamp(join(this.options.home, 'config.json'));
    if (stamp === this.configStamp) return;
    this.configStamp = stamp;
    const { config, error } = loadConfig(this.options.home);
    if (error) this.notice(error);
    const prompt = this.prompt === this.options.config.prompt ? config.prompt : this.prompt;
    Object.assign(this.options.config, {
      prompt: config.prompt,
      loadTimeout: config.loadTimeout,
      trustAll: config.trustAll,
      aliases: config.aliases,
      captureLimit: config.captureLimit,
      completion: config.completion,
    });
    setCaptureLimit(config.captureLimit);
    this.prompt = prompt;
    for (const [name, value] of this.configAliases) if (this.state.aliasTable.get(name) === value) this.state.aliasTable.delete(name);
    this.configAliases = new Map(Object.entries(config.aliases));
    for (const [name, value] of this.configAliases) if (!this.state.aliasTable.has(name)) this.state.aliasTable.set(name, value);
    this.options.host.setPrompt(this.prompt);
  }

  /** Parse and run a line (`input` is the first command's). Never throws. */
  execute(line: string, sink: Sink, signal: AbortSignal, json: boolean, input?: unknown) {
    return this.runner.execute(line, sink, signal, json, input);
  }

  /** Cancel the running line, if any (Ctrl-C). Returns false when nothing was running. */
  interrupt(): boolean {
    return this.runner.interrupt();
  }

  /** Ctrl-C already fired for the running line and it still runs: a command does not give way. */
  get stuck(): boolean {
    return this.runner.stuck;
  }

  /** The shell is leaving with `status`: its EXIT trap runs (to the shell's own output); resolves to the status to leave with. */
  leaving(status: number): Promise<number> {
    return this.runner.leaving(status, this.options.sink);
  }

  /** A signal the shell was sent: true when a `trap` of the shell takes it (its action runs after the current command). */
  trapSignal(name: string): boolean {
    return this.runner.interpreter.trapSignal(name, this.state);
  }

  /** A plugin's error thrown where nothing could catch it: reported by name; the shell goes on. */
  pluginFault(error: unknown): void {
    this.runner.commands.pluginFault(error);
  }

  /** What Tab completes from: the command table, the commands' schemas and `complete` hooks, programs, files. */
  completion(): CompletionSource {
    const registry = this.plugins.registry;
    const state = this.state;
    return {
      names: () => registry.names(),
      programs: () => [...Object.keys(state.aliases()), ...programNames(state.env)],
      resolve: (word) => commandInfo(registry, word),
      hook: (word: string, request: CompletionRequest) => {
        const resolved = registry.resolve(word);
        if (!resolved?.spec.hasComplete) return undefined;
        return (async () => {
          const instance = await this.plugins.activate(resolved.record);
          const command = instance.definition.commands[resolved.name];
          if (!command?.complete) return [];
          const ctx = this.runner.commands.context(instance, resolved.name, quietSink(), new AbortController().signal);
          return command.complete(request, ctx);
        })();
      },
      cwd: state.cwd,
    };
  }
}

/** Where a lookup looks in `state`: its aliases and functions, the language's built-ins, the command table, PATH. */
function scopeOf(table: CommandTable, state: ShellState): LookupScope {
  return {
    table,
    alias: (name) => state.aliasTable.get(name),
    fn: (name) => state.functions.get(name)?.definition.source,
    builtin: (name) => BUILTINS.has(name),
    env: state.env,
    cwd: state.cwd,
  };
}

/** A file's size, change time and inode: what tells that it changed. */
function configStamp(file: string): string {
  try {
    const stats = statSync(file);
    return `${stats.size}:${stats.ctimeMs}:${stats.ino}`;
  } catch {
    return 'none';
  }
}

/** A sink that drops everything (what a `complete` hook prints is not shown). */
function quietSink(): Sink {
  const nothing: Output = { write() {}, isTTY: false, columns: 80 };
  return { out: nothing, err: nothing, color: false, value() {}, progress: () => ({ update() {}, tick() {}, done() {} }) };
}

/** The SDK's `ShellApi` over a session: only what the SDK promises, so a plugin cannot reach the rest. */
function shellApi(session: Session, state: ShellState): ShellApi {
  const { history } = session;
  const host = () => session.plugins;
  return Object.freeze({
    version: SHELL_VERSION,
    sdkVersion: SDK_VERSION,
    commands: () => commandInfos(host().registry),
    resolve: (name: string) => commandInfo(host().registry, name),
    plugins: () => pluginInfos(host().registry),
    reload: (plugin?: string) => host().reload(plugin),
    reloadPath: (path: string, options?: { force?: boolean }) => host().reloadPath(path, options),
    sdkAccepts: (range: string) => host().sdkAccepts(range),
    history: () => [...history.all()],
    exit: (status?: number) => {
      state.exitRequested = status ?? state.status;
    },
    clear: () => session.options.host.clear(),
    setPrompt: (prompt: string) => {
      session.prompt = prompt;
      session.options.host.setPrompt(prompt);
    },
    get lastStatus() {
      return state.status;
    },
    get cwd() {
      return state.cwd;
    },
    chdir: (dir: string) => state.chdir(dir),
    variable: (name: string) => state.variable(name),
    setVariable: (name: string, value: string | undefined, options?: { export?: boolean }) => state.setVariable(name, value, options),
    exportVariable: (name: string) => state.exportVariable(name),
    variables: () => state.variables(),
    functions: () => Object.fromEntries([...state.functions].map(([name, fn]) => [name, fn.definition.source])),
    removeFunction: (name: string) => state.functions.delete(name),
    aliases: () => state.aliases(),
    setAlias: (name: string, value: string | undefined) => state.setAlias(name, value),
    locate: (name: string) => locate(name, scopeOf(session.table, state)),
  } satisfies ShellApi);
}
