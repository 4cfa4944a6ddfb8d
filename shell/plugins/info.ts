/** The registry as data for users: what `help`, `which`, `plugins` and completion read (the SDK's CommandInfo, PluginInfo). */
import type { CommandInfo, PluginInfo } from '../../plugin-sdk/types.ts';
import { quote } from '../base/errors.ts';
import { pluginName, type Registry } from './registry.ts';

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
 * An unknown word while a plugin's loading ran out of time: that plugin never said what its commands are,
 * so the word may be one of them (status 1 and why, not 127). Undefined when no plugin timed out.
 */
export function unloadedHint(registry: Registry, word: string): string | undefined {
  const late = registry.all().filter((r) => !r.meta && r.loadFailure !== undefined);
  const named = late.find((r) => pluginName(r) === word.split(':')[0]);
  if (named) return `${pluginName(named)}: cannot load: ${named.loadFailure}`;
  return late[0] && `unknown command ${quote(word)} (${late[0].loadFailure}: it may be one of its commands)`;
}
