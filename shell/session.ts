import { setMaxListeners } from 'node:events';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import semver from 'semver';
import { CommandError, SDK_VERSION } from '../plugin-sdk/index.ts';
import type {
  CommandContext,
  CommandInfo,
  Output,
  PluginContext,
  PluginInfo,
  Progress,
  ProgressOptions,
  PromptOptions,
  ReloadReport,
  RunResult,
  ShellApi,
} from '../plugin-sdk/types.ts';
import { didYouMean, parseWords, validate } from './args.ts';
import { PluginLoadError } from './build.ts';
import { BuildCache, type PluginMeta } from './cache.ts';
import type { Config } from './config.ts';
import { discover, type PluginDir, type PluginSource, sourceOf } from './discover.ts';
import { oneLine, quote, ShellError, Status, UsageError } from './errors.ts';
import { Faults, guarded, isInterruption, isTimeout } from './faults.ts';
import { History } from './history.ts';
import { type CommandNode, type LineNode, type PipelineNode, parse } from './line/parser.ts';
import { compile, compileFromCache, instantiate, LoadTimeout, mapStack, type PluginInstance } from './loader.ts';
import { type PluginRecord, pluginName, Registry, type Resolved } from './registry.ts';
import { jsonLine, printText, type RenderOptions, renderValue, stripAnsi } from './render.ts';
import { pluginRefusal, TrustRefusal } from './trust.ts';

export const SHELL_VERSION = '1.0.0';

/** How long a reload waits for a plugin's `dispose` or `setup` before it carries on without it. */
const HOOK_WAIT_MS = 3000;
/** How long leaving on SIGTERM/SIGHUP waits for `dispose`: the shell must be gone within 2 s. */
export const SIGNAL_EXIT_WAIT_MS = 1500;
/** `ctx.run` inside `ctx.run`… deeper than this fails. */
const MAX_RUN_DEPTH = 100;

/** A plugin's asynchronous error that failed the command it belongs to (already reported). */
class PluginFault extends Error {}

/** A command running now, to fail when its plugin throws outside of it (a timer, an event, a rejection). */
interface Running {
  plugin: string;
  fail(error: PluginFault): void;
}

/**
 * Where a command's output goes. The plain renderer writes text; the ink UI
 * keeps elements live; captures collect text for pipes, `>` and `ctx.run`.
 */
export interface Sink {
  out: Output;
  err: Output;
  color: boolean;
  /** Show a command's returned value. */
  value(value: unknown): void;
  progress(options: ProgressOptions, command: string): Progress;
  /** Ask the user a question (`ctx.prompt`); only the interactive UI can. */
  ask?(question: string, options: PromptOptions, signal: AbortSignal): Promise<string>;
}

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
  cwd: string;
  env: NodeJS.ProcessEnv;
  sink: Sink;
  host: Host;
}

const isCommandError = (e: unknown): e is Error & { exitCode: number } =>
  e instanceof Error && e.name === 'CommandError' && typeof (e as { exitCode?: unknown }).exitCode === 'number';

// TODO(runner): the runner replaces this. Until then a command runs as before expansion existed: its words
// are their unexpanded text (quotes removed), `^name` and `NAME=value` stay words, and only one `>`/`>>` is run.
interface LegacyCommand {
  words: string[];
  redirect?: { path: string; append: boolean };
}

function legacyCommand(node: CommandNode): LegacyCommand {
  const words = [...node.assignments.map((a) => `${a.name}=${a.value.value}`), ...node.words.map((w) => w.value)];
  if (node.external && words.length > node.assignments.length) words[node.assignments.length] = `^${words[node.assignments.length]}`;
  const [redirect, ...more] = node.redirects;
  if (!redirect) return { words };
  if (more.length > 0) throw new UsageError('syntax error: a command can only be redirected once');
  if (redirect.kind === 'write' || redirect.kind === 'append') {
    if (redirect.fd === 1) return { words, redirect: { path: redirect.target.value, append: redirect.kind === 'append' } };
  }
  throw new UsageError(`syntax error: ${quote(redirect.op)} is not supported yet`);
}

/** A sink that keeps text in memory (pipes, redirects, `ctx.run`). */
export function captureSink(color = false, columns = 80): Sink & { text(): string; errors(): string } {
  let out = '';
  let err = '';
  const options: RenderOptions = { color, columns };
  return {
    out: { write: (t) => void (out += t), isTTY: false, columns },
    err: { write: (t) => void (err += t), isTTY: false, columns },
    color,
    value: (value) => void (out += renderValue(value, options)),
    progress: () => ({ update() {}, tick() {}, done: (m) => void (m && (err += `${m}\n`)) }),
    text: () => out,
    errors: () => err,
  };
}

/** Plain progress for a stream: a redrawn line on a terminal, a line per 10% otherwise. */
export function plainProgress(err: Output, options: ProgressOptions, command: string): Progress {
  const label = options.label ?? command;
  const total = options.total;
  let current = 0;
  let lastShown = -1;
  let text = label;
  const show = (final = false) => {
    const pct = total ? Math.min(100, Math.floor((current / total) * 100)) : -1;
    if (err.isTTY) {
      const bar = total ? `[${'#'.repeat(Math.round(pct / 5)).padEnd(20, '.')}] ${current}/${total}` : '...';
      err.write(`\r\u001b[2K${text} ${bar}`);
      return;
    }
    const step = total ? Math.floor(pct / 10) : 0;
    if (!final && step === lastShown) return;
    lastShown = step;
    err.write(total ? `${text}: ${current}/${total} (${pct}%)\n` : `${text}...\n`);
  };
  show();
  return {
    update(value, newLabel) {
      current = value;
      if (newLabel !== undefined) text = newLabel;
      show();
    },
    tick(step = 1) {
      current += step;
      show();
    },
    done(message) {
      if (err.isTTY) err.write('\r\u001b[2K');
      if (message) err.write(`${message}\n`);
    },
  };
}

/**
 * One shell session: the registry of plugins and the dispatcher that runs
 * lines on it. The interactive UI and the non-interactive modes share it.
 */
export class Session implements ShellApi {
  readonly version = SHELL_VERSION;
  readonly sdkVersion = SDK_VERSION;
  readonly registry: Registry;
  readonly cache: BuildCache;
  readonly historyStore: History;
  lastStatus = 0;
  /** `$?` for `exit`: the status of the pipeline that ran last, in this line or an earlier one. */
  private previousStatus = 0;
  /** Set by `exit`: the status to leave with. */
  exitRequested: number | undefined;
  prompt: string;
  /** Aborts the running line (Ctrl-C). */
  private controller: AbortController | undefined;
  private lineController: AbortController | undefined;
  /** The reload of each plugin path in progress: reloads of one path run in turn. */
  private readonly loading = new Map<string, Promise<void>>();
  /** Per plugin name: the dispose of its replaced version, which the next setup waits for. */
  private readonly settling = new Map<string, Promise<void>>();
  /** Plugins refused because another one holds their name: path → the name. */
  private readonly waiting = new Map<string, string>();
  /** Commands running now (several with pipes and `ctx.run`). */
  private readonly running = new Set<Running>();
  /** Plugin errors reported outside any command, counted so `-c` and scripts can fail the line. */
  faultCount = 0;
  /** Depth of nested `ctx.run` calls. */
  private runDepth = 0;
  /** Ctrl-C, the watchdog and the deadline for plugin code. */
  readonly faults: Faults;
  /** Set once Ctrl-C has fired for the running line: a second one means the command does not give way. */
  private interruptedLine: AbortController | undefined;

  constructor(readonly options: SessionOptions) {
    this.registry = new Registry((message) => this.notice(message));
    this.cache = new BuildCache(options.home, (message) => this.notice(message));
    this.historyStore = new History(join(options.home, 'history'), options.config.historySize);
    this.prompt = options.config.prompt;
    this.faults = new Faults(() => this.onSigint?.(), options.interactive);
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

  private errorLine(sink: Sink, message: string, error?: unknown): void {
    sink.err.write(`tosh: ${message}\n`);
    if (this.options.debug && error instanceof Error && error.stack) sink.err.write(`${this.mapStacks(error.stack)}\n`);
  }

  /** A stack with every frame in a plugin's bundle pointed at the author's source. */
  private mapStacks(stack: string): string {
    for (const record of this.registry.all()) if (record.instance) stack = mapStack(stack, record.instance);
    return stack;
  }

  // ---- loading ----------------------------------------------------------------

  /** Discover and load every plugin. Failures are reported, one line each. */
  async start(): Promise<void> {
    const sources = discover(this.options.dirs);
    // Plugins the cache answers are registered synchronously; only the others wait for a build.
    const records = await this.cache.scan(async () => {
      const found = sources.map((source) => this.loadFromCache(source));
      const missing = sources.flatMap((source, i) => (found[i] ? [] : [{ source, i }]));
      const loaded = await Promise.all(missing.map(({ source }) => this.load(source)));
      missing.forEach(({ i }, k) => {
        found[i] = loaded[k];
      });
      return found as PluginRecord[];
    });
    this.registry.put(...records);
    for (const record of records) if (record.error) this.notice(record.error);
    this.reportClashes(records);
    this.cache.flush();
    if (this.options.longLived) for (const record of this.registry.usable()) void this.activate(record).catch(() => {});
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
  private async load(source: PluginSource, options: { fresh?: boolean } = {}): Promise<PluginRecord> {
    const record: PluginRecord = { source, loadedAt: Date.now(), reloads: 0 };
    const refused = this.refusal(source);
    if (refused) {
      record.error = `refused plugin ${source.display}: ${refused}`;
      return record;
    }
    try {
      if (options.fresh) this.cache.forget(source.entry);
      const compiled = await compile(source, this.cache, { checkTrust: !this.trustLifted(source) });
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
    if (!record.instance) {
      if (!record.compiled) throw new ShellError(`plugin ${pluginName(record)} has no code loaded`);
      if (!record.source.dir.builtin) this.faults.watch();
      try {
        record.instance = await instantiate(record.source, record.compiled, { timeoutMs: this.loadTimeout });
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
              Promise.resolve(this.pluginCode(instance.meta.name, () => setup(this.pluginContext(instance)), left)),
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
  private pluginCode<T>(_plugin: string, fn: () => T, timeoutMs?: number): T {
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

  private async dispose(instance: PluginInstance): Promise<void> {
    if (instance.disposed) return;
    instance.disposed = true;
    if (!instance.setupDone) return; // Never set up: nothing to undo.
    try {
      await instance.setupDone;
      const dispose = instance.definition.dispose;
      if (dispose) await this.pluginCode(instance.meta.name, () => dispose(this.pluginContext(instance)), HOOK_WAIT_MS);
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
    });
    return run;
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
    this.exitRequested = status ?? this.previousStatus;
  }

  clear(): void {
    this.options.host.clear();
  }

  setPrompt(prompt: string): void {
    this.prompt = prompt;
    this.options.host.setPrompt(prompt);
  }

  // ---- running lines ---------------------------------------------------------------

  /** Cancel the running line, if any (Ctrl-C). Returns false when nothing was running. */
  interrupt(): boolean {
    if (!this.controller || this.controller.signal.aborted) return false;
    this.interruptedLine = this.controller;
    this.controller.abort(new ShellError('interrupted', Status.interrupted));
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
  async runLine(line: string, sink: Sink = this.options.sink): Promise<number> {
    // One controller serves line after line until Ctrl-C fires it (allocating one per line showed in profiles).
    if (!this.lineController || this.lineController.signal.aborted) {
      this.lineController = new AbortController();
      // Each nested `ctx.run` and pipeline stage listens to it.
      setMaxListeners(MAX_RUN_DEPTH * 2, this.lineController.signal);
    }
    const controller = this.lineController;
    this.controller = controller;
    this.faults.sigint.enter();
    try {
      const { status } = await this.execute(line, sink, controller.signal, this.options.json);
      this.lastStatus = status;
      this.previousStatus = status;
      return status;
    } catch (error) {
      // Whatever went wrong, the line fails and the shell goes on.
      this.errorLine(sink, `internal error: ${oneLine(error)}`, error);
      this.lastStatus = this.previousStatus = Status.failed;
      return Status.failed;
    } finally {
      this.faults.sigint.leave();
      if (this.controller === controller) this.controller = undefined;
    }
  }

  /** Parse and run a line. Never throws: every failure is a status and a line on `sink.err`. */
  async execute(
    line: string,
    sink: Sink,
    signal: AbortSignal,
    json: boolean,
    input?: unknown,
  ): Promise<{ status: number; value: unknown }> {
    let ast: LineNode;
    try {
      ast = parse(line);
      for (const item of ast.items) for (const command of item.pipeline.commands) legacyCommand(command);
    } catch (error) {
      this.errorLine(sink, oneLine(error), error);
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
      if (json && !result.redirected) {
        if (!this.show(sink, result.command, () => sink.out.write(jsonLine(result.value)))) status = Status.failed;
      } else if (shown !== undefined && !this.show(sink, result.command, () => sink.value(shown))) status = Status.failed;
      this.previousStatus = status;
      if (signal.aborted || this.exitRequested !== undefined) break;
    }
    return { status: signal.aborted ? Status.interrupted : status, value };
  }

  /** Run `a | b | c`: each value (or printed text) is the next one's input. `shown` is what the caller should display. */
  private async runPipeline(
    pipeline: PipelineNode,
    sink: Sink,
    signal: AbortSignal,
    json: boolean,
    firstInput?: unknown,
  ): Promise<{ status: number; value: unknown; shown?: unknown; redirected?: boolean; command?: string }> {
    let input: unknown = firstInput;
    const count = pipeline.commands.length;
    for (let i = 0; i < count; i++) {
      const node = legacyCommand(pipeline.commands[i] as CommandNode);
      const last = i === count - 1;
      const direct = last && !node.redirect;
      const capture = direct ? undefined : captureSink(false, sink.out.columns);
      // Errors always reach the user, wherever the output goes.
      const stageSink: Sink = capture
        ? { ...capture, err: sink.err, progress: sink.progress, ...(sink.ask ? { ask: sink.ask } : {}) }
        : sink;
      const result = await this.runCommand(node.words, input, stageSink, signal);
      if (result.status !== 0) return { status: result.status, value: undefined };
      if (node.redirect && capture) {
        const rendered = this.show(sink, node.words[0], () => {
          if (json) capture.out.write(jsonLine(result.value));
          else if (result.value !== undefined) capture.value(result.value);
        });
        if (!rendered) return { status: Status.failed, value: undefined };
        const error = this.writeRedirect(node.redirect, capture.text());
        if (error) {
          this.errorLine(sink, error);
          return { status: Status.failed, value: undefined };
        }
        input = undefined;
      } else if (!direct) {
        input = result.value !== undefined ? result.value : capture?.text() || undefined;
      }
      if (last) {
        const command = node.words[0] as string;
        if (node.redirect) return { status: 0, value: result.value, redirected: true, command };
        return direct && result.value !== undefined
          ? { status: 0, value: result.value, shown: result.value, command }
          : { status: 0, value: result.value, command };
      }
    }
    return { status: 0, value: undefined };
  }

  /** Show a result; a value that cannot be rendered (a throwing component, a cyclic --json value) fails the line. */
  private show(sink: Sink, command: string | undefined, write: () => void): boolean {
    try {
      write();
      return true;
    } catch (error) {
      this.errorLine(sink, `${command}: cannot show the result: ${oneLine(error)}`, error);
      return false;
    }
  }

  private writeRedirect(redirect: NonNullable<LegacyCommand['redirect']>, text: string): string | undefined {
    const file = resolvePath(this.options.cwd, redirect.path);
    try {
      (redirect.append ? appendFileSync : writeFileSync)(file, stripAnsi(text));
      return undefined;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return `cannot write ${redirect.path}: ${code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : oneLine(error)}`;
    }
  }

  /** Resolve, validate and run one command. */
  async runCommand(words: string[], input: unknown, sink: Sink, signal: AbortSignal): Promise<{ status: number; value: unknown }> {
    const [name, ...rest] = words as [string, ...string[]];
    const resolved = this.registry.resolve(name);
    if (!resolved) {
      const unloaded = this.unloaded(name);
      if (unloaded) return { status: Status.failed, value: this.errorLine(sink, unloaded) };
      const near = this.suggest(name);
      this.errorLine(sink, `unknown command ${quote(name)}${near ? ` (did you mean ${quote(near)}?)` : ''}`);
      return { status: Status.unknownCommand, value: undefined };
    }
    const dashes = rest.indexOf('--');
    const wantsHelp =
      rest.slice(0, dashes < 0 ? undefined : dashes).includes('--help') && !resolved.spec.flags.some((f) => f.key === 'help');
    if (wantsHelp && this.registry.resolve('help')) return this.runCommand(['help', name], input, sink, signal);
    return this.invoke(resolved, name, rest, input, sink, signal);
  }

  /**
   * An unknown word while a plugin's loading ran out of time: that plugin never said what its commands are,
   * so the word may be one of them (status 1 and why, not 127). Undefined when no plugin timed out.
   */
  private unloaded(word: string): string | undefined {
    const late = this.registry.all().filter((r) => !r.meta && r.loadFailure !== undefined);
    const named = late.find((r) => pluginName(r) === word.split(':')[0]);
    if (named) return `${pluginName(named)}: cannot load: ${named.loadFailure}`;
    return late[0] && `unknown command ${quote(word)} (${late[0].loadFailure}: it may be one of its commands)`;
  }

  /** The command a mistyped name probably meant; `plugin:cmd` looks only among that plugin's commands. */
  private suggest(name: string): string | undefined {
    const names = this.registry.names();
    const colon = name.indexOf(':');
    if (colon <= 0) return didYouMean(name, names);
    const prefix = name.slice(0, colon + 1);
    const near = didYouMean(
      name.slice(colon + 1),
      names.filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length)),
    );
    return near === undefined ? undefined : prefix + near;
  }

  private async invoke(resolved: Resolved, typed: string, argv: string[], input: unknown, sink: Sink, signal: AbortSignal) {
    const failed = (status: number, message: string, error?: unknown) => {
      this.errorLine(sink, message, error);
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
      instance = current?.ready && !current.failed ? current : await this.activate(resolved.record);
    } catch (error) {
      return failed(Status.failed, `${resolved.meta.name}: cannot load: ${oneLine(error)}`, error);
    }
    const command = instance.definition.commands[resolved.name];
    if (!command) return failed(Status.unknownCommand, `unknown command ${quote(typed)}`);
    const plugin = resolved.meta.name;
    if (!resolved.record.source.dir.builtin) this.faults.watch();
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
      // Schemas are the author's code too (a `.transform` may throw or loop).
      validated = this.pluginCode(plugin, () => validate(typed, command, resolved.spec, raw));
    } catch (error) {
      if (error instanceof ShellError) return failed(error.exitCode, oneLine(error), error);
      return failure(error);
    }
    const ctx = this.context(instance, resolved.name, sink, signal);
    const release = () => {
      instance.running--;
      if (instance.retired && instance.running === 0) void this.dispose(instance);
    };
    instance.running++;
    let result: unknown;
    try {
      result = this.pluginCode(plugin, () => command.run({ args: validated.args, flags: validated.flags, input, argv }, ctx));
    } catch (error) {
      release();
      return failure(error);
    }
    if (!isThenable(result)) {
      release();
      return { status: 0, value: result };
    }
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
    const message = error instanceof Error ? oneLine(error) : oneLine(String(error));
    this.notice(plugin ? `${plugin}: ${message}` : `unexpected error: ${message}`);
    if (this.options.debug && error instanceof Error && error.stack) this.notice(this.mapStacks(error.stack));
    for (const entry of this.running) if (plugin === undefined || entry.plugin === plugin) entry.fail(new PluginFault(message));
  }

  /** Which plugin an error came from: the first of its stack frames in a plugin's code, else the one command running. */
  private blame(error: unknown): string | undefined {
    const stack = error instanceof Error ? (error.stack ?? '') : '';
    if (stack) {
      let best: { at: number; name: string } | undefined;
      for (const record of this.registry.all()) {
        const at = stack.indexOf(record.source.entry);
        if (at >= 0 && (!best || at < best.at)) best = { at, name: pluginName(record) };
      }
      if (best) return best.name;
    }
    const plugins = new Set([...this.running].map((r) => r.plugin));
    return plugins.size === 1 ? [...plugins][0] : undefined;
  }

  /** The `ctx` a command (or its `complete` hook) receives. */
  context(instance: PluginInstance, name: string, sink: Sink, signal: AbortSignal): CommandContext {
    const options: RenderOptions = { color: sink.color, columns: sink.out.columns };
    return {
      print: (...values) => sink.out.write(printText(values, options)),
      stdout: sink.out,
      stderr: sink.err,
      signal,
      run: (line) => this.capture(line, signal),
      store: this.registry.store(instance.meta.name),
      progress: (progressOptions = {}) => sink.progress(progressOptions, name),
      prompt: (question, promptOptions = {}) =>
        sink.ask ? sink.ask(question, promptOptions, signal) : Promise.reject(new CommandError('no terminal to ask on')),
      cwd: this.options.cwd,
      env: this.options.env,
      interactive: this.options.interactive,
      color: sink.color,
      command: { name, plugin: instance.meta.name, version: instance.meta.version },
      shell: this,
    };
  }

  /** `ctx.run(line)`: run a nested line with everything captured. */
  private async capture(line: string, signal: AbortSignal): Promise<RunResult> {
    if (this.runDepth >= MAX_RUN_DEPTH) throw new CommandError(`ctx.run is nested more than ${MAX_RUN_DEPTH} deep`);
    this.runDepth++;
    try {
      return await this.captureLine(line, signal);
    } finally {
      this.runDepth--;
    }
  }

  private async captureLine(line: string, signal: AbortSignal): Promise<RunResult> {
    const sink = captureSink(false);
    const exitBefore = this.exitRequested;
    const statusBefore = this.previousStatus;
    const { status: exitCode, value } = await this.execute(line, sink, signal, false);
    this.exitRequested = exitBefore;
    this.previousStatus = statusBefore;
    return { exitCode, value: exitCode === 0 ? value : undefined, stdout: sink.text(), stderr: sink.errors() };
  }
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

/** `plugins/x.ts:3:7 reason`, or `plugins/x.ts: reason` when there is no line. */
export function loadErrorText(source: PluginSource, error: unknown): string {
  // `file:line:col reason`, but `file: reason` where no line is known.
  if (error instanceof PluginLoadError)
    return error.location && error.location !== source.display ? `${error.location} ${error.reason}` : `${source.display}: ${error.reason}`;
  return `${source.display}: ${oneLine(error)}`;
}
