/**
 * Loading one plugin source into a record: trust checked before anything is
 * built, compiled (or its metadata taken from the cache), evaluated when the
 * cache cannot answer, its `sdk` range checked. Failures are values (the
 * record's `error`), never throws.
 */
import { createRequire } from 'node:module';
import { SDK_VERSION } from '../../plugin-sdk/index.ts';
import { oneLine } from '../base/errors.ts';
import type { Faults } from '../base/faults.ts';
import { PluginLoadError } from './build.ts';
import type { BuildCache, PluginMeta } from './cache.ts';
import { fallbackName } from './discover.ts';
import { compile, compileFromCache, instantiate, LoadTimeout } from './loader.ts';
import type { PluginRecord } from './registry.ts';
import type { PluginSource } from './source.ts';
import { pluginRefusal, TrustRefusal } from './trust.ts';

export interface LoadOptions {
  cache: BuildCache;
  /** `--trust`. */
  trust: boolean;
  /** `"trustAll"` in config.json. */
  trustAll: boolean;
  debug: boolean;
  /** Milliseconds a plugin may take to evaluate. */
  loadTimeout(): number;
  faults: Faults;
  /** A plugin's code was evaluated (to say which globals it replaced). */
  evaluated?(plugin: string): void;
}

export class PluginLoader {
  private readonly cache: BuildCache;

  constructor(private readonly options: LoadOptions) {
    this.cache = options.cache;
  }

  /** The record of a plugin whose metadata the cache holds, or undefined when it must be loaded. */
  fromCache(source: PluginSource): PluginRecord | undefined {
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

  sdkProblem(source: PluginSource, meta: PluginMeta): string | undefined {
    const needs = meta.sdk;
    if (needs === undefined || sdkSatisfies(needs)) return undefined;
    return `refused plugin ${source.display}: it needs SDK ${needs} but this shell provides SDK ${SDK_VERSION}`;
  }

  /** Load one plugin source into a record (never throws: failures are in `error`). */
  async load(source: PluginSource, options: { fresh?: boolean; compiled?: () => Promise<void> } = {}): Promise<PluginRecord> {
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
        const timeoutMs = this.options.loadTimeout();
        // It ran out of time before, as it is now: said again at once, not after the whole deadline at every start.
        if (compiled.stuck && compiled.stuck.timeoutMs >= timeoutMs && !options.fresh)
          throw new LoadTimeout(compiled.stuck.reason, source.display);
        if (!source.dir.builtin) this.options.faults.watch();
        try {
          record.instance = await instantiate(source, compiled, { timeoutMs });
        } catch (error) {
          if (error instanceof LoadTimeout && !error.interrupted) this.cache.setStuck(source.entry, { reason: error.reason, timeoutMs });
          throw error;
        } finally {
          this.options.evaluated?.(record.meta?.name ?? record.instance?.meta.name ?? fallbackName(source));
        }
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
    return source.dir.builtin || this.options.trust || this.options.trustAll;
  }
}

/** A barrier for `count` parties: each call resolves once all of them have called. */
export function barrier(count: number): () => Promise<void> {
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

/** `plugins/x.ts:3:7 reason`, or `plugins/x.ts: reason` when there is no line. */
export function loadErrorText(source: PluginSource, error: unknown): string {
  // `file:line:col reason`, but `file: reason` where no line is known.
  if (error instanceof PluginLoadError)
    return error.location && error.location !== source.display ? `${error.location} ${error.reason}` : `${source.display}: ${error.reason}`;
  return `${source.display}: ${oneLine(error)}`;
}

let semver: typeof import('semver') | undefined;
const answers = new Map<string, boolean>();

/**
 * Whether the SDK this shell provides is in `range` (false for an invalid one). semver is loaded at the
 * first range asked about, not with the shell (building its tables cost every start), and each answer kept.
 */
export function sdkSatisfies(range: string): boolean {
  let ok = answers.get(range) ?? caret(range);
  if (ok === undefined) {
    semver ??= createRequire(import.meta.url)('semver') as typeof import('semver');
    try {
      ok = semver.satisfies(SDK_VERSION, range, { includePrerelease: true });
    } catch {
      ok = false;
    }
    answers.set(range, ok);
  }
  return ok;
}

/**
 * `^X.Y.Z` (X ≥ 1), the range nearly every plugin declares, against this SDK's plain version: the same
 * major, and not older. Undefined for any other range, or a prerelease SDK (semver decides those).
 */
function caret(range: string): boolean | undefined {
  const wanted = /^\^([1-9]\d{0,8})\.(\d{1,9})\.(\d{1,9})$/.exec(range);
  const have = /^(\d{1,9})\.(\d{1,9})\.(\d{1,9})$/.exec(SDK_VERSION);
  if (!wanted || !have) return undefined;
  const [w, h] = [wanted.slice(1).map(Number), have.slice(1).map(Number)] as [number[], number[]];
  if (h[0] !== w[0]) return false;
  return (h[1] as number) > (w[1] as number) || (h[1] === w[1] && (h[2] as number) >= (w[2] as number));
}
