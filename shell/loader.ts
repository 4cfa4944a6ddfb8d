import { createRequire, SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import vm from 'node:vm';
import { type PluginDefinition, PluginDefinitionError, validatePlugin } from '../plugin-sdk/index.ts';
import type { AnyCommand } from '../plugin-sdk/types.ts';
import { buildPlugin, displayPath, PluginLoadError } from './build.ts';
import { type BuildCache, type PluginMeta, signature } from './cache.ts';
import type { PluginSource } from './discover.ts';
import { oneLine } from './errors.ts';
import { type CommandSpec, specOf } from './schema.ts';
import { prepareShared, sharedModule } from './shared-modules.ts';

/** Compiled code of one plugin, from the cache or a fresh build. */
export interface Compiled {
  code: string;
  map: string;
  shared: string[];
  inputs: string[];
  /** Metadata remembered from an earlier evaluation of exactly this code. */
  meta?: PluginMeta;
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
  /** Commands of this version still running. */
  running: number;
  /** Replaced or unloaded: dispose when the last running command ends. */
  retired: boolean;
  disposed: boolean;
}

/** Compile a plugin, or take it from the cache when none of its inputs changed. Throws PluginLoadError. */
export async function compile(source: PluginSource, cache: BuildCache | undefined): Promise<Compiled> {
  const cached = cache?.lookup(source.entry);
  if (cached?.error) throw new PluginLoadError(cached.error.reason, cached.error.location);
  if (cached) {
    const files = cache?.code(cached);
    if (files) {
      const out: Compiled = { ...files, shared: cached.shared ?? [], inputs: cached.inputs.map(([p]) => p) };
      if (cached.meta) out.meta = cached.meta;
      return out;
    }
  }
  // Fingerprint before building, so an edit made during the build is seen next time.
  const before = new Map<string, string>();
  const fingerprint = (paths: string[]) => paths.map((p): [string, string] => [p, before.get(p) ?? signature(p)]);
  before.set(source.entry, signature(source.entry));
  try {
    const built = await buildPlugin(source);
    cache?.store(source.entry, fingerprint(built.inputs), { code: built.code, map: built.map, shared: built.shared });
    return { code: built.code, map: built.map, shared: built.shared, inputs: built.inputs };
  } catch (error) {
    if (error instanceof PluginLoadError) {
      const record: { reason: string; location?: string } = { reason: error.reason };
      if (error.location) record.location = error.location;
      cache?.store(source.entry, fingerprint([source.entry]), { error: record });
    }
    throw error;
  }
}

/** The position in the author's source of the first stack frame inside the plugin's bundle. */
function sourcePosition(error: unknown, source: PluginSource, map: string): string | undefined {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const escaped = source.entry.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(stack);
  if (!match) return undefined;
  try {
    const found = new SourceMap(JSON.parse(map)).findEntry(Number(match[1]) - 1, Number(match[2]) - 1) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (found.originalSource === undefined || found.originalLine === undefined) return undefined;
    const file = resolve(dirname(source.entry), found.originalSource.replace(/^file:\/\//, ''));
    return `${displayPath(source, file)}:${found.originalLine + 1}:${(found.originalColumn ?? 0) + 1}`;
  } catch {
    return undefined;
  }
}

/** Evaluate compiled code in this process without Node's ESM cache, so a replaced version can be freed. */
function evaluate(compiled: Compiled, source: PluginSource): unknown {
  const fallback = createRequire(source.entry);
  const require = (id: string) => sharedModule(id) ?? fallback(id);
  const module = { exports: {} as Record<string, unknown> };
  const fn = vm.compileFunction(compiled.code, ['exports', 'require', 'module', '__filename', '__dirname'], {
    filename: source.entry,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  fn(module.exports, require, module, source.entry, dirname(source.entry));
  const exported = module.exports;
  if (exported.__esModule && !('default' in exported)) {
    throw new PluginDefinitionError('default export', 'missing: end the file with export default definePlugin({...})');
  }
  return 'default' in exported ? exported.default : exported;
}

/** Build the metadata of a validated plugin definition. */
export function metaOf(definition: PluginDefinition): { meta: PluginMeta; specs: Map<string, CommandSpec> } {
  const specs = new Map<string, CommandSpec>();
  for (const [name, command] of Object.entries(definition.commands)) specs.set(name, specOf(command as AnyCommand));
  const meta: PluginMeta = {
    name: definition.name,
    version: definition.version,
    description: definition.description ?? '',
    commands: Object.fromEntries(specs),
  };
  if (definition.sdk !== undefined) meta.sdk = definition.sdk;
  return { meta, specs };
}

/** Evaluate and validate one compiled plugin. Throws PluginLoadError naming the file (and line) and what is wrong. */
export async function instantiate(source: PluginSource, compiled: Compiled): Promise<PluginInstance> {
  let definition: unknown;
  try {
    await prepareShared(compiled.shared);
    definition = evaluate(compiled, source);
    validatePlugin(definition);
  } catch (error) {
    const at = sourcePosition(error, source, compiled.map) ?? source.display;
    if (error instanceof PluginDefinitionError) throw new PluginLoadError(`invalid plugin: ${error.message}`, at);
    throw new PluginLoadError(`threw while loading: ${oneLine(error)}`, at);
  }
  const { meta, specs } = metaOf(definition);
  return { source, definition, meta, specs, inputs: compiled.inputs, setupDone: undefined, running: 0, retired: false, disposed: false };
}
