/** The registry as data for users: what `help`, `which`, `plugins` and completion read (the SDK's CommandInfo, PluginInfo). */
import type { CommandInfo, PluginInfo } from '../../plugin-sdk/types.ts';
import { quote } from '../base/errors.ts';
import { pluginName, type Registry } from './registry.ts';
import { fieldsOf, typeWords } from './value-type.ts';

export function commandInfos(registry: Registry): CommandInfo[] {
  const out: CommandInfo[] = [];
  for (const record of registry.usable()) {
    for (const name of record.meta?.names ?? []) {
      const info = commandInfo(registry, `${pluginName(record)}:${name}`);
      if (info) out.push(info);
    }
  }
  return out.sort((a, b) => (a.plugin === b.plugin ? (a.name < b.name ? -1 : 1) : a.plugin < b.plugin ? -1 : 1));
}

export function commandInfo(registry: Registry, word: string): CommandInfo | undefined {
  const found = registry.resolve(word);
  if (!found) return undefined;
  const { spec } = found;
  return {
    name: found.name,
    plugin: found.meta.name,
    qualified: `${found.meta.name}:${found.name}`,
    shadowed: registry.isShadowed(found),
    description: spec.description,
    args: spec.args,
    flags: spec.flags,
    short: spec.short,
    examples: spec.examples,
    source: found.record.source.display,
    ...(spec.input ? { input: typeWords(spec.input) } : {}),
    ...(spec.output ? { output: spec.output === 'input' ? 'what it was given' : typeWords(spec.output) } : {}),
    ...(spec.output === 'input'
      ? { passesInput: true }
      : spec.output && fieldsOf(spec.output).length > 0
        ? { fields: fieldsOf(spec.output) }
        : {}),
  };
}

export function pluginInfos(registry: Registry): PluginInfo[] {
  return registry.all().map((record) => {
    const problem = registry.problem(record);
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

/**
 * An unknown word while plugins failed to load before saying what their commands are (no metadata):
 * `NAME` or `NAME:cmd` for one of them fails with why that plugin did not load; any other word, while one of
 * them ran out of time (CONTRACT §11), may be one of their commands (status 1 and why, not 127).
 * Undefined otherwise.
 */
export function unloadedHint(registry: Registry, word: string): string | undefined {
  // Refused plugins (trust, a taken name) are not among them: their refusal was said, and is meant.
  const unknown = registry.all().filter((r) => !r.meta && (r.loadFailure !== undefined || r.error?.startsWith('failed to load ')));
  const why = (r: (typeof unknown)[number]) => r.loadFailure ?? (r.error ?? '').replace(/^failed to load /, '');
  const named = unknown.find((r) => pluginName(r) === word.split(':')[0]);
  if (named) return `${pluginName(named)}: cannot load: ${why(named)}`;
  if (!unknown.some((r) => r.loadFailure !== undefined)) return undefined;
  const [only, ...more] = unknown;
  if (only && more.length === 0) return `unknown command ${quote(word)} (${why(only)}: it may be one of its commands)`;
  return `unknown command ${quote(word)} (it may be a command of a plugin that did not load: ${unknown.map((r) => r.source.display).join(', ')})`;
}
