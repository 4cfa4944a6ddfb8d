import { existsSync, statSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import semver from 'semver';
import { SDK_VERSION } from '../../plugin-sdk/index.ts';
import type {
  CommandContext,
  CommandInfo,
  CommandLocation,
  PluginContext,
  PluginInfo,
  ReloadReport,
  ShellApi,
} from '../../plugin-sdk/types.ts';
import { oneLine, quote, ShellError } from '../base/errors.ts';
import { Faults, guarded, isTimeout } from '../base/faults.ts';
import { PluginLoadError } from '../plugins/build.ts';
import { BuildCache, type PluginMeta } from '../plugins/cache.ts';
import { discover, type PluginDir, type PluginSource, sourceOf } from '../plugins/discover.ts';
import { compile, compileFromCache, instantiate, LoadTimeout, mapStack, type PluginInstance } from '../plugins/loader.ts';
import { type PluginRecord, pluginName, Registry } from '../plugins/registry.ts';
import { pluginRefusal, TrustRefusal } from '../plugins/trust.ts';
import { findProgram } from '../run/programs.ts';
import { Runner } from '../run/runner.ts';
import type { Sink } from '../run/sink.ts';
import type { Config } from '../state/config.ts';
import { History } from '../state/history.ts';

export { captureSink, plainProgress, type Sink } from '../run/sink.ts';

export const SHELL_VERSION = '1.0.0';

/** How long a reload waits for a plugin's `dispose` or `setup` before it carries on without it. */
const HOOK_WAIT_MS = 3000;
/** How long leaving on SIGTERM/SIGHUP waits for `dispose`: the shell must be gone within 2 s. */
export const SIGNAL_EXIT_WAIT_MS = 1500;
/** What the interactive UI (or the plain driver) does for the shell. */
export interface Host {
  clear(): void;
  setPrompt(prompt: string): void;
  /** A one-line notice (reload reports, warnings, load errors), without `tosh: `. */
  notice(message: string): void;
}

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
  sink: Sink;
  host: Host;
}

/**
 * One shell session: the plugin host (discover, load, reload, dispose), the
 * shell's state (working directory, variables, aliases) and the runner of
 * lines (shell/run/runner.ts). The interactive UI and the non-interactive
 * modes share it.
 */
export class Session implements ShellApi {
  readonly version = SHELL_VERSION;
  readonly sdkVersion = SDK_VERSION;
  readonly registry: Registry;
  readonly cache: BuildCache;
  readonly historyStore: History;
  /** Set by `exit`: the status to leave with. */
  exitRequested: number | undefined;
  prompt: string;
  readonly runner: Runner;
  /** The working directory (`cd`). */
  cwd: string;
  /** Exported variables: what programs and `ctx.env` see. */
  readonly env: Record<string, string>;
  /** Variables set by `NAME=value` alone on a line: expanded, not exported (as in sh). */
  private readonly vars = new Map<string, string>();
  readonly aliasTable = new Map<string, string>();
  /** The reload of each plugin path in progress: reloads of one path run in turn. */
  private readonly loading = new Map<string, Promise<void>>();
  /** Per plugin name: the dispose of its replaced version, which the next setup waits for. */
  private readonly settling = new Map<string, Promise<void>>();
  /** Plugins refused because another one holds their name: path → the name. */
  private readonly waiting = new Map<string, string>();
  /** Ctrl-C, the watchdog and the deadline for plugin code. */
  readonly faults: Faults;

  constructor(readonly options: SessionOptions) {
    this.registry = new Registry((message) => this.notice(message));
    this.cache = new BuildCache(options.home, (message) => this.notice(message));
    this.historyStore = new History(join(options.home, 'history'), options.config.historySize);
    this.prompt = options.config.prompt;
    this.faults = new Faults(() => this.onSigint?.(), options.interactive);
    this.runner = new Runner(this);
    this.cwd = options.cwd;
    this.env = {};
    for (const [name, value] of Object.entries(options.env)) if (value !== undefined) this.env[name] = value;
    this.env.PWD = this.cwd;
    this.snapshot = undefined;
    for (const [name, value] of Object.entries(options.aliases ?? {})) this.aliasTable.set(name, value);
  }

  /** What SIGINT does (set by the driver); the watchdog calls it for a SIGINT caught between plugin calls. */
  onSigint: (() => void) | undefined;

  /** Milliseconds a plugin may take to load (evaluate and `setup`). */
  get loadTimeout(): number {
    return Math.round(this.options.config.loadTimeout * 1000);
  }

  // ---- reports ----------------------------------------------------------------

  notice(message: string): void {
    this.options.host.notice(message);
  }

  errorLine(sink: Sink, message: string, error?: unknown): void {
    sink.err.write(`tosh: ${message}\n`);
    if (this.options.debug && error instanceof Error && error.stack) sink.err.write(`${this.mapStacks(error.stack)}\n`);
  }

  /** A stack with every frame in a plugin's bundle pointed at the author's source. */
  mapStacks(stack: string): string {
    for (const record of this.registry.all()) if (record.instance) stack = mapStack(stack, record.instance);
    return stack;
  }

  // ---- loading ----------------------------------------------------------------

  /** Discover and load every plugin. Failures are reported, one line each. */
  async start(): Promise<void> {
    const sources = discover(this.options.dirs, this.cache);
    // Plugins the cache answers are registered synchronously; only the others wait for a build.
    const records = await this.cache.scan(async () => {
      const found = sources.map((source) => this.loadFromCache(source));
      const missing = sources.flatMap((source, i) => (found[i] ? [] : [{ source, i }]));
      // The shell's own plugins are evaluated first: a plugin that patches a global at its top level
      // cannot break them while they load.
      // And none is evaluated while others still build: a global it patches could break esbuild's own code.
      for (const builtin of [true, false]) {
        const group = missing.filter(({ source }) => source.dir.builtin === builtin);
        const compiled = barrier(group.length);
        const loaded = await Promise.all(group.map(({ source }) => this.load(source, { compiled })));
        group.forEach(({ i }, k) => {
          found[i] = loaded[k];
        });
      }
      return found as PluginRecord[];
    });
    this.registry.put(...records);
    for (const record of records) if (record.error) this.notice(record.error);
    this.reportClashes(records);
    this.cache.flush();
    if (this.options.longLived) {
      // Node's SIGINT watchdog stays up while they all load: each guarded call is then cheap.
      this.faults.sigint.enter();
      void Promise.all(this.registry.usable().map((record) => this.activate(record).catch(() => {}))).finally(() =>
        this.faults.sigint.leave(),
      );
    }
  }

  private reportClashes(records: PluginRecord[]): void {
    for (const record of records) {
      const problem = this.registry.problem(record);
      if (problem && !record.error) this.notice(`refused plugin ${record.source.display}: ${problem}`);
    }
  }

  /** The record of a plugin whose metadata the cache holds, or undefined when it must be loaded. */
  private loadFromCache(source: PluginSource): PluginRecord | undefined {
    const record: PluginRecord = { source, loadedAt: Date.now(), reloads: 0 };
    try {
      // The cached build's trust is checked from its inputs' stats (a refused plugin is left to load(), which says why).
      const compiled = compileFromCache(source, this.cache, { checkTrust: !this.trustLifted(source) });
      if (!compiled?.meta) return undefined;
      record.meta = compiled.meta;
      record.compiled = compiled;
      const problem = this.sdkProblem(source, compiled.meta);
      if (problem) record.error = problem;
      return record;
    } catch {
      return undefined; // load() says what is wrong.
    }
  }

  private sdkProblem(source: PluginSource, meta: PluginMeta): string | undefined {
    const needs = meta.sdk;
    if (needs === undefined || semver.satisfies(SDK_VERSION, needs, { includePrerelease: true })) return undefined;
    return `refused plugin ${source.display}: it needs SDK ${needs} but this shell provides SDK ${SDK_VERSION}`;
  }

  /** Load one plugin source into a record (never throws: failures are in `error`). */
  private async load(source: PluginSource, options: { fresh?: boolean; compiled?: () => Promise<void> } = {}): Promise<PluginRecord> {
    const record: PluginRecord = { source, loadedAt: Date.now(), reloads: 0 };
    const refused = this.refusal(source);
    if (refused) {
      void options.compiled?.(); // Counts as built: the others must not wait for it.
      record.error = `refused plugin ${source.display}: ${refused}`;
      return record;
    }
    try {
      if (options.fresh) this.cache.forget(source.entry);
      let compiled: Awaited<ReturnType<typeof compile>>;
      try {
        compiled = await compile(source, this.cache, { checkTrust: !this.trustLifted(source) });
      } finally {
        await options.compiled?.();
      }
      if (compiled.meta && !options.fresh) {
        record.meta = compiled.meta;
        record.compiled = compiled;
      } else {
        if (!source.dir.builtin) this.faults.watch();
        record.instance = await instantiate(source, compiled, { timeoutMs: this.loadTimeout });
        record.meta = record.instance.meta;
        this.cache.setMeta(source.entry, record.meta);
      }
      const problem = this.sdkProblem(source, record.meta);
      if (problem) record.error = problem;
    } catch (error) {
      // Its commands are not known: a word naming the plugin fails with this (runCommand).
      if (error instanceof LoadTimeout) record.loadFailure = loadErrorText(source, error);
      record.error =
        error instanceof TrustRefusal
          ? `refused plugin ${source.display}: ${error.reason}`
          : `failed to load ${loadErrorText(source, error)}`;
      if (!(error instanceof PluginLoadError) && this.options.debug && error instanceof Error) record.error += `\n${error.stack}`;
    }
    return record;
  }

  /** Why a plugin may not be loaded (trust, before it is built), or undefined. */
  private refusal(source: PluginSource): string | undefined {
    return this.trustLifted(source) ? undefined : pluginRefusal(source, (path) => this.cache.stat(path));
  }

  /** Built-ins, `--trust` and `"trustAll"` lift the plugin checks (never those on $TOSH_HOME). */
  private trustLifted(source: PluginSource): boolean {
    return source.dir.builtin || this.options.trust || this.options.config.trustAll;
  }

  /**
   * The evaluated code of a plugin, with its `setup` done. Loading has a
   * deadline: a loop at the top level or a `setup` that never settles marks
   * the plugin failed (its commands then fail with that message).
   */
  async activate(record: PluginRecord): Promise<PluginInstance> {
    if (record.loadFailure) throw new ShellError(record.loadFailure);
    const deadline = Date.now() + this.loadTimeout;
    // Code whose metadata the cache holds has loaded before: its top level and setup get no watchdog
    // thread of their own (one per call costs about 0.2 ms); Ctrl-C and `setup`'s own deadline still hold.
    const known = record.compiled?.meta !== undefined;
    if (!record.instance) {
      if (!record.compiled) throw new ShellError(`plugin ${pluginName(record)} has no code loaded`);
      if (!record.source.dir.builtin) this.faults.watch();
      try {
        record.instance = await instantiate(record.source, record.compiled, known ? {} : { timeoutMs: this.loadTimeout });
      } catch (error) {
        if (error instanceof LoadTimeout) this.markFailed(record, loadErrorText(record.source, error));
        throw error;
      }
      delete record.compiled;
    }
    const instance = record.instance;
    if (!instance.setupDone) {
      // The version this one replaced is disposed first (or given up on after a while).
      const previous = this.settling.get(instance.meta.name);
      const setup = instance.definition.setup;
      instance.setupDone = (async () => {
        await previous;
        try {
          if (setup) {
            const left = Math.max(1, deadline - Date.now());
            const settled = await within(
              Promise.resolve(this.pluginCode(() => setup(this.pluginContext(instance)), known ? undefined : left)),
              Math.max(1, deadline - Date.now()),
            );
            if (!settled) {
              instance.failed = `${record.source.display}: setup did not finish within ${this.loadTimeout / 1000} s`;
              this.markFailed(record, instance.failed);
            }
          }
        } catch (error) {
          if (isTimeout(error)) {
            instance.failed = `${record.source.display}: setup did not finish within ${this.loadTimeout / 1000} s`;
            this.markFailed(record, instance.failed);
          } else this.notice(`${instance.meta.name}: setup failed: ${oneLine(error)}`);
        }
        instance.ready = true;
      })();
    }
    await instance.setupDone;
    if (instance.failed) throw new ShellError(instance.failed);
    return instance;
  }

  /** A plugin that did not finish loading: listed as failed, and each of its commands says why. */
  private markFailed(record: PluginRecord, message: string): void {
    if (record.loadFailure) return;
    record.loadFailure = message;
    this.notice(`failed to load ${message}`);
  }

  /**
   * Call into a plugin's code: Ctrl-C can stop it even in a loop that never
   * yields, and an error it throws later is reported under its name.
   */
  pluginCode<T>(fn: () => T, timeoutMs?: number): T {
    return guarded(fn, timeoutMs);
  }

  private pluginContext(instance: PluginInstance): PluginContext {
    return {
      store: this.registry.store(instance.meta.name),
      log: (message) => this.notice(`${instance.meta.name}: ${message}`),
      shell: this,
    };
  }

  /** Retire a replaced or unloaded version: dispose now, or when its last running command ends. */
  private async retire(instance: PluginInstance | undefined): Promise<void> {
    if (!instance || instance.retired) return;
    instance.retired = true;
    if (instance.running === 0) await this.dispose(instance);
  }

  async dispose(instance: PluginInstance): Promise<void> {
    if (instance.disposed) return;
    instance.disposed = true;
    if (!instance.setupDone) return; // Never set up: nothing to undo.
    try {
      await instance.setupDone;
      const dispose = instance.definition.dispose;
      if (dispose) await this.pluginCode(() => dispose(this.pluginContext(instance)), HOOK_WAIT_MS);
    } catch (error) {
      this.notice(`${instance.meta.name}: dispose failed: ${oneLine(error)}`);
    }
  }

  /** Dispose every plugin (the shell is leaving); a `dispose` that hangs does not keep it from leaving. */
  async close(waitMs = HOOK_WAIT_MS): Promise<void> {
    if (this.closing) return this.closing;
    this.cache.flush();
    // Leaving: every plugin is disposed now, even one whose command still runs.
    const all = this.registry.all().map((r) => r.instance && (r.instance.retired = true) && this.dispose(r.instance));
    this.closing = within(Promise.all(all), waitMs).then(() => {});
    return this.closing;
  }

  private closing: Promise<void> | undefined;

  /**
   * Load (or reload, or unload) the plugin at `path` from what is on disk now,
   * and swap it into the registry in one step. A failed reload keeps the
   * previous version. Returns the one-line report, or undefined if nothing changed.
   * Reloads of one path run one after another; other plugins are not touched.
   */
  reloadPath(path: string, options: { force?: boolean } = {}): Promise<ReloadReport | undefined> {
    const run = (this.loading.get(path) ?? Promise.resolve()).then(() => this.reloadNow(path, options));
    const tail = run.then(
      () => {},
      () => {},
    );
    this.loading.set(path, tail);
    void tail.then(() => {
      if (this.loading.get(path) === tail) this.loading.delete(path);
      for (const listener of this.reloadListeners) listener();
    });
    return run;
  }

  private readonly reloadListeners = new Set<() => void>();

  /** Call `listener` after each load, reload or unload, whoever asked for it; returns what stops that. */
  onReloaded(listener: () => void): () => void {
    this.reloadListeners.add(listener);
    return () => this.reloadListeners.delete(listener);
  }

  /** Paths refused because their plugin name was taken, whose name is free again (each handed out once). */
  unblocked(): string[] {
    const free = [...this.waiting].filter(([, name]) => !this.registry.plugin(name)).map(([path]) => path);
    for (const path of free) this.waiting.delete(path);
    return free;
  }

  private dirOf(path: string): PluginDir | undefined {
    const parent = resolvePath(path, '..');
    // A packages directory holds its plugins deeper: node_modules/NAME and node_modules/@scope/NAME.
    return this.options.dirs.find(
      (d) => resolvePath(d.dir) === parent || (d.packages && path.startsWith(`${resolvePath(d.dir)}/node_modules/`)),
    );
  }

  private async reloadNow(path: string, options: { force?: boolean }): Promise<ReloadReport | undefined> {
    let old = this.registry.get(path);
    const dir = old?.source.dir ?? this.dirOf(path);
    const rank = old?.source.rank ?? (dir ? this.options.dirs.indexOf(dir) : -1);
    const source = dir ? sourceOf(dir, rank, path.slice(resolvePath(dir.dir).length + 1)) : undefined;
    if (!source) {
      this.waiting.delete(path);
      if (!old) return undefined;
      const served = !this.registry.problem(old);
      this.registry.remove(path);
      await this.settle(old, undefined);
      if (!served) return undefined; // It never loaded: nothing to report going away.
      const name = pluginName(old);
      return { plugin: name, ok: true, message: `unloaded ${name} (${old.source.display} is gone)` };
    }
    const started = performance.now();
    const record = await this.load(source, { fresh: options.force === true });
    const ms = Math.round(performance.now() - started);
    old = this.registry.get(path); // What serves now (a takeover may have removed it meanwhile).
    const serving = old?.meta && !this.registry.problem(old) ? old : undefined;
    const refuse = (reason: string): ReloadReport => {
      if (serving?.meta) {
        serving.lastError = reason;
        const name = pluginName(serving);
        return { plugin: name, ok: false, message: `reload of ${name} failed: ${reason} (keeping ${serving.meta.version})` };
      }
      record.error = `refused plugin ${reason}`;
      this.registry.put(record);
      return { plugin: pluginName(record), ok: false, message: record.error };
    };
    if (record.error) {
      if (serving) return refuse(record.error.replace(/^(failed to load|refused plugin) /, ''));
      this.registry.put(record);
      return { plugin: pluginName(record), ok: false, message: record.error };
    }
    const name = pluginName(record);
    // Another plugin holds this name: if its file is gone (a rename in progress) this one takes over, else it is refused.
    let replaced = old;
    const holder = this.registry.plugin(name);
    if (holder && holder.source.path !== path) {
      if (existsSync(holder.source.path)) {
        this.waiting.set(path, name);
        return refuse(`${source.display}: plugin name ${quote(name)} is already used by ${holder.source.display}`);
      }
      this.registry.remove(holder.source.path);
      replaced = holder;
    }
    this.waiting.delete(path);
    record.reloads = replaced ? replaced.reloads + 1 : 0;
    this.registry.put(record);
    this.cache.flush();
    // The old version is disposed before the new version's setup (activate waits for it).
    const settled = this.settle(replaced, name);
    if (old && old !== replaced) await this.settle(old, undefined);
    if (this.options.longLived) {
      await settled;
      if (!(await within(this.activate(record), HOOK_WAIT_MS)))
        this.notice(`${name}: setup is still running after ${HOOK_WAIT_MS / 1000} s`);
    }
    const verb = replaced ? 'reloaded' : 'loaded';
    return { plugin: name, ok: true, message: `${verb} ${name} ${record.meta?.version} (${ms} ms)` };
  }

  /**
   * Retire a replaced record's version; `name` makes the next version's setup wait for its dispose.
   * A dispose that hangs is given up on after a while, so the new version still starts.
   */
  private settle(replaced: PluginRecord | undefined, name: string | undefined): Promise<void> {
    const bounded = within(this.retire(replaced?.instance), HOOK_WAIT_MS).then((done) => {
      if (!done && replaced)
        this.notice(`${pluginName(replaced)}: dispose did not finish within ${HOOK_WAIT_MS / 1000} s; going on without it`);
    });
    if (name !== undefined) {
      this.settling.set(name, bounded);
      void bounded.then(() => {
        if (this.settling.get(name) === bounded) this.settling.delete(name);
      });
    }
    return bounded;
  }

  // ---- ShellApi ------------------------------------------------------------------

  commands(): CommandInfo[] {
    const out: CommandInfo[] = [];
    for (const record of this.registry.usable()) {
      for (const name of record.meta?.names ?? []) {
        const info = this.resolve(`${pluginName(record)}:${name}`);
        if (info) out.push(info);
      }
    }
    return out.sort((a, b) => (a.plugin === b.plugin ? (a.name < b.name ? -1 : 1) : a.plugin < b.plugin ? -1 : 1));
  }

  resolve(word: string): CommandInfo | undefined {
    const found = this.registry.resolve(word);
    if (!found) return undefined;
    const { spec } = found;
    return {
      name: found.name,
      plugin: found.meta.name,
      qualified: `${found.meta.name}:${found.name}`,
      shadowed: this.registry.isShadowed(found),
      description: spec.description,
      args: spec.args,
      flags: spec.flags,
      short: spec.short,
      examples: spec.examples,
      source: found.record.source.display,
    };
  }

  plugins(): PluginInfo[] {
    return this.registry.all().map((record) => {
      const problem = this.registry.problem(record);
      const info: PluginInfo = {
        name: pluginName(record),
        version: record.meta?.version ?? '',
        description: record.meta?.description ?? '',
        source: record.source.display,
        commands: [...(record.meta?.names ?? [])],
        status: problem || record.loadFailure ? 'failed' : 'loaded',
        loadedAt: record.loadedAt,
        reloads: record.reloads,
      };
      const error = problem ?? record.loadFailure ?? record.lastError;
      if (error) info.error = error;
      return info;
    });
  }

  async reload(plugin?: string): Promise<ReloadReport[]> {
    const reports: ReloadReport[] = [];
    if (plugin !== undefined) {
      const record = this.registry.plugin(plugin) ?? this.registry.all().find((r) => pluginName(r) === plugin);
      if (!record) throw new ShellError(`reload: no plugin named ${quote(plugin)}`);
      const report = await this.reloadPath(record.source.path, { force: true });
      return report ? [report] : [];
    }
    const present = new Set(discover(this.options.dirs).map((s) => s.path));
    const paths = new Set([...present, ...this.registry.all().map((r) => r.source.path)]);
    for (const path of paths) {
      const report = await this.reloadPath(path, { force: true });
      if (report) reports.push(report);
    }
    return reports;
  }

  sdkAccepts(range: string): boolean {
    try {
      return semver.satisfies(SDK_VERSION, range, { includePrerelease: true });
    } catch {
      return false;
    }
  }

  history(): string[] {
    return [...this.historyStore.all()];
  }

  exit(status?: number): void {
    this.exitRequested = status ?? this.runner.previousStatus;
  }

  clear(): void {
    this.options.host.clear();
  }

  setPrompt(prompt: string): void {
    this.prompt = prompt;
    this.options.host.setPrompt(prompt);
  }

  // ---- the shell's state: directory, variables, aliases ----------------------------

  chdir(dir: string): string {
    const target = resolvePath(this.cwd, dir);
    let isDir: boolean;
    try {
      isDir = statSync(target).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ShellError(
        `${dir}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : oneLine(error)}`,
      );
    }
    if (!isDir) throw new ShellError(`${dir}: not a directory`);
    if (this.options.chdirProcess) {
      try {
        process.chdir(target);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new ShellError(`${dir}: ${code === 'EACCES' ? 'permission denied' : oneLine(error)}`);
      }
    }
    this.setEnv('OLDPWD', this.cwd);
    this.cwd = target;
    this.setEnv('PWD', target);
    return target;
  }

  /**
   * The shell's state (directory, variables, aliases) as it is now; the
   * function returned puts it back. `$(…)` runs in it as in a subshell: what
   * the inner line changes does not outlive it.
   */
  saveState(): () => void {
    const cwd = this.cwd;
    const env = { ...this.env };
    const vars = new Map(this.vars);
    const aliases = new Map(this.aliasTable);
    return () => {
      if (this.cwd !== cwd) {
        if (this.options.chdirProcess) {
          try {
            process.chdir(cwd);
          } catch {}
        }
        this.cwd = cwd;
      }
      const names = new Set([...Object.keys(this.env), ...Object.keys(env)]);
      for (const name of names) if (this.env[name] !== env[name]) this.setEnv(name, env[name]);
      this.vars.clear();
      for (const [name, value] of vars) this.vars.set(name, value);
      this.aliasTable.clear();
      for (const [name, value] of aliases) this.aliasTable.set(name, value);
    };
  }

  /** A variable's value: a shell variable, else an exported one. */
  variable(name: string): string | undefined {
    return this.vars.get(name) ?? this.env[name];
  }

  setVariable(name: string, value: string | undefined, options: { export?: boolean } = {}): void {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ShellError(`${quote(name)} is not a valid variable name`);
    if (value === undefined) {
      this.vars.delete(name);
      this.setEnv(name, undefined);
      return;
    }
    if (options.export || name in this.env) {
      this.setEnv(name, value);
      this.vars.delete(name);
    } else this.vars.set(name, value);
  }

  /** Change an exported variable (every change goes through here: the snapshot below is then made anew). */
  private setEnv(name: string, value: string | undefined): void {
    if (value === undefined) delete this.env[name];
    else this.env[name] = value;
    this.snapshot = undefined;
  }

  /** The exported variables as commands see them, copied once per change rather than once per command. */
  private snapshot: Readonly<Record<string, string>> | undefined;

  /** Export a shell variable that already has a value (`export NAME`). */
  exportVariable(name: string): boolean {
    const value = this.vars.get(name);
    if (value === undefined) return name in this.env;
    this.setVariable(name, value, { export: true });
    return true;
  }

  variables(): Record<string, string> {
    return { ...this.env };
  }

  /** The exported variables, for one command to run with (read-only: shared until a variable changes). */
  exported(): Readonly<Record<string, string>> {
    this.snapshot ??= Object.freeze({ ...this.env });
    return this.snapshot;
  }

  aliases(): Record<string, string> {
    return Object.fromEntries(this.aliasTable);
  }

  setAlias(name: string, value: string | undefined): void {
    if (!/^[^\s'"\\|;&<>()$`=]+$/.test(name)) throw new ShellError(`${quote(name)} is not a valid alias name`);
    if (value === undefined) this.aliasTable.delete(name);
    else this.aliasTable.set(name, value);
  }

  /** What a command word runs, in the order the shell tries (CONTRACT §10). */
  locate(name: string): CommandLocation | undefined {
    const alias = this.aliasTable.get(name);
    if (alias !== undefined) return { kind: 'alias', name, value: alias };
    if (!name.startsWith('^')) {
      const found = this.registry.resolve(name);
      if (found)
        return {
          kind: found.record.source.dir.builtin ? 'builtin' : 'plugin',
          name,
          plugin: found.meta.name,
          source: found.record.source.display,
        };
    }
    const program = name.replace(/^\^/, '');
    const file = findProgram(program, this.env, this.cwd);
    if (file && 'path' in file) return { kind: 'external', name: program, path: file.path };
    return undefined;
  }

  // ---- running lines (shell/run/runner.ts) -------------------------------------------

  get lastStatus(): number {
    return this.runner.lastStatus;
  }

  get faultCount(): number {
    return this.runner.faultCount;
  }

  /** How many commands have returned a promise so far. */
  get asyncRuns(): number {
    return this.runner.asyncRuns;
  }

  /** Cancel the running line, if any (Ctrl-C). Returns false when nothing was running. */
  interrupt(): boolean {
    return this.runner.interrupt();
  }

  /** Ctrl-C already fired for the running line and it still runs: a command does not give way. */
  get stuck(): boolean {
    return this.runner.stuck;
  }

  get busy(): boolean {
    return this.runner.busy;
  }

  /** Run one top-level line and remember its status for `exit` and `$?`. */
  runLine(line: string, sink: Sink = this.options.sink): Promise<number> {
    return this.runner.runLine(line, sink);
  }

  /** Parse and run a line (`input` is the first command's). Never throws. */
  execute(line: string, sink: Sink, signal: AbortSignal, json: boolean, input?: unknown) {
    return this.runner.execute(line, sink, signal, json, input);
  }

  /** A plugin's error thrown where nothing could catch it: reported by name; the shell goes on. */
  pluginFault(error: unknown): void {
    this.runner.pluginFault(error);
  }

  /**
   * An unknown word while a plugin's loading ran out of time: that plugin never said what its commands are,
   * so the word may be one of them (status 1 and why, not 127). Undefined when no plugin timed out.
   */
  unloaded(word: string): string | undefined {
    const late = this.registry.all().filter((r) => !r.meta && r.loadFailure !== undefined);
    const named = late.find((r) => pluginName(r) === word.split(':')[0]);
    if (named) return `${pluginName(named)}: cannot load: ${named.loadFailure}`;
    return late[0] && `unknown command ${quote(word)} (${late[0].loadFailure}: it may be one of its commands)`;
  }

  /** The `ctx` a command (or its `complete` hook) receives. */
  context(instance: PluginInstance, name: string, sink: Sink, signal: AbortSignal): CommandContext {
    return this.runner.context(instance, name, sink, signal);
  }
}

/** A barrier for `count` parties: each call resolves once all of them have called. */
function barrier(count: number): () => Promise<void> {
  let left = count;
  let open: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    open = resolve;
  });
  return () => {
    if (--left <= 0) open();
    return all;
  };
}

/**
 * Whether `promise` settled within `ms`. The timer is cleared as soon as it
 * does: a pending timer would keep the replaced plugin's code alive until it fires.
 */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((done) => {
    timer = setTimeout(() => done(false), ms);
  });
  const done = promise.then(
    () => true,
    () => true,
  );
  return Promise.race([done, late]).finally(() => clearTimeout(timer));
}

/** `plugins/x.ts:3:7 reason`, or `plugins/x.ts: reason` when there is no line. */
export function loadErrorText(source: PluginSource, error: unknown): string {
  // `file:line:col reason`, but `file: reason` where no line is known.
  if (error instanceof PluginLoadError)
    return error.location && error.location !== source.display ? `${error.location} ${error.reason}` : `${source.display}: ${error.reason}`;
  return `${source.display}: ${oneLine(error)}`;
}
