import { tmpdir } from 'node:os';
import { join } from 'node:path';
import echo from '../../commands/echo.ts';
import { type PluginDefinition, validatePlugin } from '../../plugin-sdk/index.ts';
import type { CommandOutcome, RunCommandOptions } from '../../plugin-sdk/testing-types.ts';
import { metaOf } from '../plugins/loader.ts';
import type { PluginSource } from '../plugins/source.ts';
import { loadInkWorld } from '../render/ink-world.ts';
import { captureSink } from '../run/sink.ts';
import { defaultConfig } from '../state/config.ts';
import { Session } from './session.ts';

/** A plugin held in memory, as if it had been loaded from `<name>`. */
function memorySource(name: string, rank: number): PluginSource {
  const path = join('/memory', name);
  return { path, entry: path, display: name, dir: { dir: '/memory', builtin: true }, rank, folder: false };
}

/** Run one line against in-memory plugins with a throwaway session (the SDK's `runCommand`). */
export async function runPluginLine(plugin: PluginDefinition, line: string, options: RunCommandOptions): Promise<CommandOutcome> {
  const columns = options.columns ?? 80;
  const sink = captureSink(false, columns);
  const session = new Session({
    dirs: [],
    home: join(tmpdir(), 'tosh-testing'),
    config: { ...defaultConfig(), historySize: 0 },
    trust: true,
    json: false,
    debug: false,
    interactive: options.interactive ?? false,
    longLived: false,
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? process.env,
    sink,
    host: { clear() {}, setPrompt() {}, notice: (message) => sink.err.write(`tosh: ${message}\n`) },
  });
  const plugins = [plugin, ...(options.with ?? []), echo as PluginDefinition];
  session.plugins.registry.put(
    ...plugins.map((definition, rank) => {
      validatePlugin(definition);
      const source = memorySource(definition.name, rank);
      const { meta, specs } = metaOf(definition);
      return {
        source,
        meta,
        instance: {
          source,
          definition,
          meta,
          specs,
          inputs: [],
          setupDone: undefined,
          ready: false,
          running: 0,
          retired: false,
          disposed: false,
        },
        loadedAt: Date.now(),
        reloads: 0,
      };
    }),
  );
  // A plugin's React elements can only be rendered once the ink world is loaded (the shell loads it when a plugin imports react/ink).
  await loadInkWorld();
  const controller = new AbortController();
  options.signal?.addEventListener('abort', () => controller.abort(options.signal?.reason), { once: true });
  const { status, value } = await session.execute(line, sink, controller.signal, false, options.input);
  await session.close();
  return { stdout: sink.text(), stderr: sink.errors(), exitCode: status, value };
}
