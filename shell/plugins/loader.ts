import { type Dirent, readdirSync } from 'node:fs';
import { createRequire, SourceMap } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { type PluginDefinition, PluginDefinitionError, validatePlugin } from '../../plugin-sdk/index.ts';
import type { AnyCommand } from '../../plugin-sdk/types.ts';
import { oneLine } from '../base/errors.ts';
import { guarded, guardedHook, guardTurns, isInterruption, isTimeout, settlesWithin } from '../base/faults.ts';
import { ASYNC_MARK, type Built, buildPlugin, displayPath, PluginLoadError, TURNS_PARAM } from './build.ts';
import { type BuildCache, type CachedEntry, type PluginMeta, type Stuck, settledSignature, signature } from './cache.ts';
import type { PluginSource } from './discover.ts';
import { type CommandSpec, specOf } from './schema.ts';
import { prepareShared, sharedModule } from './shared-modules.ts';
import { inputsRefusal, TrustRefusal } from './trust.ts';

/** Compiled code of one plugin, from the cache or a fresh build. */
export interface Compiled {
  /** The code and its source map: in memory after a build, read from the cache only when the plugin is evaluated. */
  files(): Promise<{ code: string; map: string }>;
  shared: string[];
  inputs: string[];
  /** Metadata remembered from an earlier evaluation of exactly this code. */
  meta?: PluginMeta;
  /** An earlier evaluation of exactly this code ran out of time. */
  stuck?: Stuck;
}

/** One evaluated version of a plugin. Commands hold on to the instance they started with. */
export interface PluginInstance {
  source: PluginSource;
  definition: PluginDefinition;
  meta: PluginMeta;
  specs: Map<string, CommandSpec>;
  inputs: string[];
  /** `setup` has run (it runs before the first command). */
  setupDone: Promise<void> | undefined;
  /** `setupDone` has settled: commands may start without waiting. */
  ready: boolean;
  /** Commands of this version still running. */
  running: number;
  /** Replaced or unloaded: dispose when the last running command ends. */
  retired: boolean;
  disposed: boolean;
  /** The bundle's source map, to show `--debug` stacks in the author's lines. */
  map?: string;
  /** Why it cannot serve: its `setup` did not finish in time. */
  failed?: string;
}

/** Loading that did not finish within the deadline (a loop at the top level), or that Ctrl-C stopped. */
export class LoadTimeout extends PluginLoadError {
  constructor(
    reason: string,
    location: string,
    /** Ctrl-C, not the deadline: nothing to remember about the code. */
    readonly interrupted = false,
  ) {
    super(reason, location);
  }
}

/** Whether the plugin checks of contract §12 apply (not for built-ins, `--trust` or `"trustAll"`). */
export interface TrustPolicy {
  checkTrust: boolean;
}

/**
 * The cache's entry for a plugin whose inputs are all unchanged, trust
 * re-checked from the stats the fingerprints were taken from. Throws
 * TrustRefusal.
 */
function cachedEntry(source: PluginSource, cache: BuildCache, policy: TrustPolicy): CachedEntry | undefined {
  const cached = cache.lookup(source.entry);
  // A remembered build error runs no code: it is reported as it was (its inputs are every file of the folder).
  if (!cached || !policy.checkTrust || cached.error) return cached;
  const refused = inputsRefusal(source, cached.inputs, (path) => cache.stat(path));
  if (refused) throw new TrustRefusal(refused);
  return cached;
}

/**
 * A plugin answered entirely by the cache's metadata (the warm start of most
 * plugins), without a promise in sight: undefined when it must be compiled.
 * Throws the cached PluginLoadError of a plugin whose inputs still fail, or
 * TrustRefusal.
 */
export function compileFromCache(source: PluginSource, cache: BuildCache, policy: TrustPolicy): Compiled | undefined {
  const cached = cachedEntry(source, cache, policy);
  if (cached?.error) throw new PluginLoadError(cached.error.reason, cached.error.location);
  if (!cached?.meta) return undefined;
  // Metadata answers help, which and dispatch: the code is read only if a command of this plugin runs.
  let files: Promise<{ code: string; map: string }> | undefined;
  const lazy = () => cache.code(cached) ?? fresh(source, cache, policy).then((built) => ({ code: built.code, map: built.map }));
  return {
    files: () => (files ??= Promise.resolve().then(lazy)),
    shared: cached.shared ?? [],
    inputs: cached.inputs.map(([p]) => p),
    meta: cached.meta,
  };
}

/** Compile a plugin, or take it from the cache when none of its inputs changed. Throws PluginLoadError or TrustRefusal. */
export async function compile(source: PluginSource, cache: BuildCache | undefined, policy: TrustPolicy): Promise<Compiled> {
  const fromCache = cache && compileFromCache(source, cache, policy);
  if (fromCache) return fromCache;
  const cached = cache && cachedEntry(source, cache, policy);
  if (cached && cache) {
    const inputs = cached.inputs.map(([p]) => p);
    const files = cache.code(cached);
    if (files) {
      const compiled: Compiled = { files: () => Promise.resolve(files), shared: cached.shared ?? [], inputs };
      if (cached.stuck) compiled.stuck = cached.stuck;
      return compiled;
    }
  }
  const built = await fresh(source, cache, policy);
  return { files: () => Promise.resolve({ code: built.code, map: built.map }), shared: built.shared, inputs: built.inputs };
}

/** Build a plugin with esbuild and remember the result (or its failure) in the cache. */
async function fresh(source: PluginSource, cache: BuildCache | undefined, policy: TrustPolicy): Promise<Built> {
  // Fingerprint the entry before building and distrust any input touched since, so an edit made during the build is seen next time.
  const since = Date.now();
  const entrySignature = signature(source.entry);
  const fingerprint = (paths: string[]) =>
    paths.map((p): [string, string] => [p, p === source.entry ? entrySignature : settledSignature(p, since)]);
  try {
    const built = await buildPlugin(source, policy);
    cache?.store(source.entry, fingerprint(withFolders(source, built.inputs)), { code: built.code, map: built.map, shared: built.shared });
    return built;
  } catch (error) {
    if (error instanceof PluginLoadError && error.lasting) {
      const record: { reason: string; location?: string } = { reason: error.reason };
      if (error.location) record.location = error.location;
      cache?.store(source.entry, fingerprint(errorInputs(source, error)), { error: record });
    }
    throw error;
  }
}

const outsideModules = (path: string) => !path.split(sep).includes('node_modules');

/** A folder plugin's inputs plus its own folders: a file added there can change what an import resolves to. */
function withFolders(source: PluginSource, inputs: string[]): string[] {
  if (!source.folder) return inputs;
  const dirs = new Set<string>();
  for (const input of inputs) {
    for (let dir = dirname(input); dir.startsWith(source.path) && outsideModules(dir.slice(source.path.length)); dir = dirname(dir)) {
      dirs.add(dir);
      if (dir === source.path) break;
    }
  }
  return [...inputs, ...dirs];
}

/**
 * What a failed build depends on: any file of a folder plugin (the error may be in any of them), or the
 * file and its directory (a missing import may be created beside it), so fixing it is seen at the next start.
 */
function errorInputs(source: PluginSource, error: PluginLoadError): string[] {
  const found = new Set([source.entry, dirname(source.entry)]);
  const at = error.location?.replace(/:\d+:\d+$/, '');
  if (at) found.add(resolve(at)).add(dirname(resolve(at)));
  if (source.folder) {
    const walk = (dir: string) => {
      found.add(dir);
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        if (entry.name === 'node_modules' || entry.name === '.git' || found.size > 5000) continue;
        const path = join(dir, entry.name);
        found.add(path);
        if (entry.isDirectory()) walk(path);
      }
    };
    walk(source.path);
  }
  return [...found];
}

/** A source map's answer for a 0-based line and column of the bundle. */
type Lookup = (line: number, column: number) => { originalSource?: string; originalLine?: number; originalColumn?: number };

/**
 * A bundle's source map as one lookup. A plugin with top-level await was
 * bundled, then lowered a second time (plugins/build.ts `lowerAsyncBody`): its
 * map is the pair, the lowering's map first, and a column on the first line
 * of the body is off by the prefix that made it a function body.
 */
function lookupIn(map: string): Lookup {
  const data = JSON.parse(map) as { x_tosh_outer?: unknown; x_tosh_inner?: unknown; x_tosh_offset?: number };
  if (data.x_tosh_outer === undefined) {
    const only = new SourceMap(data as never);
    return (line, column) => only.findEntry(line, column);
  }
  const outer = new SourceMap(data.x_tosh_outer as never);
  const inner = new SourceMap(data.x_tosh_inner as never);
  return (line, column) => {
    const middle = outer.findEntry(line, column) as { originalLine?: number; originalColumn?: number };
    if (middle.originalLine === undefined) return {};
    const at = (middle.originalColumn ?? 0) - (middle.originalLine === 0 ? (data.x_tosh_offset ?? 0) : 0);
    return inner.findEntry(middle.originalLine, Math.max(0, at));
  };
}

/** Where line/column (1-based) of a plugin's bundle came from in the author's source: `plugins/x.ts:3:7`. */
function original(source: PluginSource, map: Lookup, line: number, column: number): string | undefined {
  const found = map(line - 1, column - 1);
  if (found.originalSource === undefined || found.originalLine === undefined) return undefined;
  const file = resolve(dirname(source.entry), found.originalSource.replace(/^file:\/\//, ''));
  return `${displayPath(source, file)}:${found.originalLine + 1}:${(found.originalColumn ?? 0) + 1}`;
}

const framesOf = (source: PluginSource) => new RegExp(`${source.entry.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):(\\d+)`, 'g');

/** The position in the author's source of the first stack frame inside the plugin's bundle. */
function sourcePosition(error: unknown, source: PluginSource, map: string): string | undefined {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const match = framesOf(source).exec(stack);
  if (!match) return undefined;
  try {
    return original(source, lookupIn(map), Number(match[1]), Number(match[2]));
  } catch {
    return undefined;
  }
}

/** A stack with every frame inside this plugin's bundle pointed at the author's source (for `--debug`). */
export function mapStack(stack: string, instance: PluginInstance): string {
  if (!instance.map || !stack.includes(instance.source.entry)) return stack;
  try {
    const map = lookupIn(instance.map);
    return stack.replace(
      framesOf(instance.source),
      (frame, line: string, column: string) => original(instance.source, map, Number(line), Number(column)) ?? frame,
    );
  } catch {
    return stack;
  }
}

/**
 * Evaluate compiled code in this process without Node's ESM cache, so a
 * replaced version can be freed. The top level runs guarded: Ctrl-C and the
 * deadline stop a loop there.
 */
async function evaluate(code: string, source: PluginSource, timeoutMs: number | undefined): Promise<unknown> {
  const fallback = createRequire(source.entry);
  const require = (id: string) => sharedModule(id) ?? fallback(id);
  const module = { exports: {} as Record<string, unknown> };
  const fn = vm.compileFunction(code, ['exports', 'require', 'module', '__filename', '__dirname', '__tosh_import_meta_url', TURNS_PARAM], {
    filename: source.entry,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const started = Date.now();
  const run = () => fn(module.exports, require, module, source.entry, dirname(source.entry), pathToFileURL(source.entry).href, guardTurns);
  // With a deadline, the async work the top level starts is held to it too, until loading is done.
  const done = timeoutMs === undefined ? guarded(run) : guardedHook(run, timeoutMs);
  // A plugin with top-level await (built as an async body) finishes loading when that promise settles.
  if (code.startsWith(ASYNC_MARK)) {
    const left = timeoutMs === undefined ? undefined : Math.max(1, timeoutMs - (Date.now() - started));
    const settled = await settleWithin(done as Promise<unknown>, left);
    if (!settled) throw Object.assign(new Error('loading timed out'), { code: 'ERR_SCRIPT_EXECUTION_TIMEOUT' });
  }
  const exported = module.exports;
  // No default export, or no exports at all (`definePlugin({...})` called but never exported).
  if (
    (exported.__esModule && !('default' in exported)) ||
    (typeof exported === 'object' && exported !== null && Object.keys(exported).length === 0)
  ) {
    throw new PluginDefinitionError('default export', 'missing: end the file with export default definePlugin({...})');
  }
  return 'default' in exported ? exported.default : exported;
}

/** Whether `promise` settled within `ms` (it rejects through: a throw while loading is the plugin's error). */
async function settleWithin(promise: Promise<unknown>, ms: number | undefined): Promise<boolean> {
  // Only `await` and the shell's own `then`: what the top level may have replaced does not change how loading waits.
  if (ms !== undefined && !(await settlesWithin(promise, ms))) return false;
  await promise;
  return true;
}

/** Build the metadata of a validated plugin definition. */
export function metaOf(definition: PluginDefinition): { meta: PluginMeta; specs: Map<string, CommandSpec> } {
  const specs = new Map<string, CommandSpec>();
  for (const [name, command] of Object.entries(definition.commands)) specs.set(name, specOf(command as AnyCommand));
  const meta: PluginMeta = {
    name: definition.name,
    version: definition.version,
    description: definition.description ?? '',
    names: [...specs.keys()],
    commands: Object.fromEntries(specs),
  };
  if (definition.sdk !== undefined) meta.sdk = definition.sdk;
  return { meta, specs };
}

/** Evaluate and validate one compiled plugin. Throws PluginLoadError naming the file (and line) and what is wrong. */
export async function instantiate(source: PluginSource, compiled: Compiled, options: { timeoutMs?: number } = {}): Promise<PluginInstance> {
  let definition: unknown;
  const { code, map } = await compiled.files();
  try {
    await prepareShared(compiled.shared);
    definition = await evaluate(code, source, options.timeoutMs);
    validatePlugin(definition);
  } catch (error) {
    if (isTimeout(error)) throw new LoadTimeout(`did not finish loading within ${(options.timeoutMs ?? 0) / 1000} s`, source.display);
    if (isInterruption(error)) throw new LoadTimeout('loading was interrupted (Ctrl-C)', source.display, true);
    const at = sourcePosition(error, source, map) ?? source.display;
    if (error instanceof PluginDefinitionError) throw new PluginLoadError(`invalid plugin: ${error.message}`, at);
    throw new PluginLoadError(`threw while loading: ${oneLine(error)}`, at);
  }
  const { meta, specs } = metaOf(definition);
  return {
    source,
    definition,
    meta,
    specs,
    map,
    inputs: compiled.inputs,
    setupDone: undefined,
    ready: false,
    running: 0,
    retired: false,
    disposed: false,
  };
}
