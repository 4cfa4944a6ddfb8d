/**
 * The plugin host: discover → trust → build → load → register, and at run
 * time activate (evaluate and `setup`), reload, dispose. It owns the registry
 * and the build cache; the runner, `help` and completion read the registry's
 * command table, and the watcher asks for reloads (CONTRACT §3, §7, §11, §12).
 */
import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { PluginContext, ReloadReport, ShellApi } from '../../plugin-sdk/types.ts';
import { oneLine, quote, ShellError } from '../base/errors.ts';
import {
  allSettled,
  type Faults,
  guarded,
  guardedHook,
  isTimeout,
  newlyReplaced,
  outcomeOf,
  settlesWithin,
  withoutGuardFrames,
} from '../base/faults.ts';
import type { Config } from '../state/config.ts';
import { BuildCache } from './cache.ts';
import { discover, sourceOf } from './discover.ts';
import { unloadedHint } from './info.ts';
import { barrier, loadErrorText, PluginLoader, sdkSatisfies } from './load.ts';
import { instantiate, LoadTimeout, mapStack, type PluginInstance } from './loader.ts';
import { type PluginRecord, pluginName, Registry } from './registry.ts';
import { dirPath, type PluginDir } from './source.ts';

/** How long a reload waits for a plugin's `dispose` or `setup` before it carries on without it. */
const HOOK_WAIT_MS = 3000;

export interface PluginHostOptions {
  dirs: PluginDir[];
  home: string;
  config: Config;
  /** `--trust`: lift the plugin checks. */
  trust: boolean;
  debug: boolean;
  /** Plugins are watched: run each plugin's `setup` as soon as it loads. */
  longLived: boolean;
  /** A one-line notice (reload reports, warnings, load errors), without `tosh: `. */
  notice(message: string): void;
  /** Ctrl-C, the watchdog and the deadline for plugin code. */
  faults: Faults;
  /** What a plugin's `setup` and `dispose` see as `ctx.shell`. */
  shell(): ShellApi;
}

export class PluginHost {
  readonly registry: Registry;
  readonly cache: BuildCache;
  private readonly loader: PluginLoader;
  /** The reload of each plugin path in progress: reloads of one path run in turn. */
  private readonly loading = new Map<string, Promise<void>>();
  /** Per plugin name: the dispose of its replaced version, which the next setup waits for. */
  private readonly settling = new Map<string, Promise<void>>();
  /** Plugins refused because another one holds their name: path → the name. */
  private readonly waiting = new Map<string, string>();

  constructor(readonly options: PluginHostOptions) {
    this.registry = new Registry((message) => this.notice(message));
    this.cache = new BuildCache(options.home, (message) => this.notice(message));
    this.loader = new PluginLoader({
      cache: this.cache,
      trust: options.trust,
      trustAll: options.config.trustAll,
      debug: options.debug,
      loadTimeout: () => this.loadTimeout,
      faults: options.faults,
      evaluated: (plugin) => this.replacedGlobals(plugin),
    });
  }

  get dirs(): readonly PluginDir[] {
    return this.options.dirs;
  }

  /** Milliseconds a plugin may take to load (evaluate and `setup`). */
  get loadTimeout(): number {
    return Math.round(this.options.config.loadTimeout * 1000);
  }

  private notice(message: string): void {
    this.options.notice(message);
  }

  /** A stack with every frame in a plugin's bundle pointed at the author's source. */
  mapStacks(stack: string): string {
    for (const record of this.registry.all()) if (record.instance) stack = mapStack(stack, record.instance);
    return withoutGuardFrames(`${stack}\n`).slice(0, -1);
  }

  /**
   * An unknown word while a plugin's loading ran out of time: that plugin never said what its commands are,
   * so the word may be one of them (status 1 and why, not 127). Undefined when no plugin timed out.
   */
  unloaded(word: string): string | undefined {
    return unloadedHint(this.registry, word);
  }

  /** Discover and load every plugin. Failures are reported, one line each. */
  async start(): Promise<void> {
    const sources = discover(this.options.dirs, this.cache);
    // Plugins the cache answers are registered synchronously; only the others wait for a build.
    const records = await this.cache.scan(async () => {
      const found = sources.map((source) => this.loader.fromCache(source));
      const missing = sources.flatMap((source, i) => (found[i] ? [] : [{ source, i }]));
      // The shell's own plugins are evaluated first: a plugin that patches a global at its top level
      // cannot break them while they load.
      // And none is evaluated while others still build: a global it patches could break esbuild's own code.
      for (const builtin of [true, false]) {
        const group = missing.filter(({ source }) => source.dir.builtin === builtin);
        const compiled = barrier(group.length);
        const loaded = await Promise.all(group.map(({ source }) => this.loader.load(source, { compiled })));
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
      this.options.faults.sigint.enter();
      void Promise.all(this.registry.usable().map((record) => this.activate(record).catch(() => {}))).finally(() =>
        this.options.faults.sigint.leave(),
      );
    }
  }

  private reportClashes(records: PluginRecord[]): void {
    for (const record of records) {
      const problem = this.registry.problem(record);
      if (problem && !record.error) this.notice(`refused plugin ${record.source.display}: ${problem}`);
    }
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
      if (!record.source.dir.builtin) this.options.faults.watch();
      try {
        try {
          record.instance = await instantiate(record.source, record.compiled, known ? {} : { timeoutMs: this.loadTimeout });
        } finally {
          this.replacedGlobals(pluginName(record));
        }
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
        if (setup) {
          const late = `${record.source.display}: setup did not finish within ${this.loadTimeout / 1000} s`;
          // Every turn of setup's code, before and after its awaits, is held to the deadline (base/faults.ts).
          const outcome = await outcomeOf(
            () => guardedHook(() => setup(this.pluginContext(instance)), Math.max(1, deadline - Date.now()), !known),
            deadline,
          );
          this.replacedGlobals(instance.meta.name);
          if (outcome === 'late' || (outcome !== 'done' && isTimeout(outcome.error))) {
            instance.failed = late;
            this.markFailed(record, late);
          } else if (outcome !== 'done') this.notice(`${instance.meta.name}: setup failed: ${oneLine(outcome.error)}`);
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
    try {
      return guarded(fn, timeoutMs);
    } finally {
      this.replacedGlobals();
    }
  }

  /**
   * Say (once each) which globals the shell relies on a plugin replaced, naming it where known: what then
   * fails in the shell's own code fails loudly, but its message cannot say why (docs/troubleshooting.md).
   */
  replacedGlobals(plugin?: string): void {
    const replaced = newlyReplaced();
    if (replaced.length === 0) return;
    const who = plugin === undefined ? 'a plugin' : `plugin ${plugin}`;
    this.notice(`${who} replaced ${replaced.join(', ')}, which the shell relies on: commands may fail until the shell is restarted`);
  }

  private pluginContext(instance: PluginInstance): PluginContext {
    return {
      store: this.registry.store(instance.meta.name),
      log: (message) => this.notice(`${instance.meta.name}: ${message}`),
      shell: this.options.shell(),
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
    await instance.setupDone;
    const dispose = instance.definition.dispose;
    if (!dispose) return;
    // Its callers give up on it after a while (`settle`, `close`); its code is held to that wait too.
    const outcome = await outcomeOf(() => guardedHook(() => dispose(this.pluginContext(instance)), HOOK_WAIT_MS));
    if (outcome !== 'done' && outcome !== 'late') this.notice(`${instance.meta.name}: dispose failed: ${oneLine(outcome.error)}`);
  }

  /** Dispose every plugin (the shell is leaving); a `dispose` that hangs does not keep it from leaving. */
  async close(waitMs = HOOK_WAIT_MS): Promise<void> {
    if (this.closing) return this.closing;
    this.cache.flush();
    // Leaving: every plugin is disposed now, even one whose command still runs.
    const all = this.registry.all().map((r) => r.instance && (r.instance.retired = true) && this.dispose(r.instance));
    this.closing = (async () => {
      await within(allSettled(all.filter((p): p is Promise<void> => p instanceof Promise)), waitMs);
    })();
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
    // Only `await` (never a `then` looked up): a plugin that replaced Promise.prototype.then can still be reloaded.
    const previous = this.loading.get(path);
    const run = (async () => {
      await previous;
      return await this.reloadNow(path, options);
    })();
    const tail = (async () => {
      try {
        await run;
      } catch {}
    })();
    this.loading.set(path, tail);
    void (async () => {
      await tail;
      if (this.loading.get(path) === tail) this.loading.delete(path);
      for (const listener of this.reloadListeners) listener();
    })();
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
    return this.options.dirs.find((d) => dirPath(d) === parent || (d.packages && path.startsWith(`${dirPath(d)}/node_modules/`)));
  }

  private async reloadNow(path: string, options: { force?: boolean }): Promise<ReloadReport | undefined> {
    let old = this.registry.get(path);
    const dir = old?.source.dir ?? this.dirOf(path);
    const rank = old?.source.rank ?? (dir ? this.options.dirs.indexOf(dir) : -1);
    const source = dir ? sourceOf(dir, rank, path.slice(dirPath(dir).length + 1)) : undefined;
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
    const record = await this.loader.load(source, { fresh: options.force === true });
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
        const why = holder.source.dir.builtin
          ? `plugin name ${quote(name)} is the name of a built-in plugin; give the plugin another name`
          : `plugin name ${quote(name)} is already used by ${holder.source.display}`;
        return refuse(`${source.display}: ${why}`);
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
    const bounded = (async () => {
      const done = await within(this.retire(replaced?.instance), HOOK_WAIT_MS);
      if (!done && replaced)
        this.notice(`${pluginName(replaced)}: dispose did not finish within ${HOOK_WAIT_MS / 1000} s; going on without it`);
    })();
    if (name !== undefined) {
      this.settling.set(name, bounded);
      void (async () => {
        await bounded;
        if (this.settling.get(name) === bounded) this.settling.delete(name);
      })();
    }
    return bounded;
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

  /** Whether the SDK this shell provides is in `range`; an invalid range is false. */
  sdkAccepts(range: string): boolean {
    return sdkSatisfies(range);
  }
}

/** Whether `promise` settled within `ms` (base/faults.ts: the shell's own timers and `then`). */
const within = settlesWithin;
