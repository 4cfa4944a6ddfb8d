/**
 * What the runner needs from the rest of the shell, and nothing more: the
 * shell's state, the command table, calls into plugin code, the fault
 * machinery and where reports go. The session provides it; the SDK's test
 * harness provides one too.
 */
import type { ShellApi } from '../../plugin-sdk/types.ts';
import type { Faults } from '../base/faults.ts';
import type { PluginInstance } from '../plugins/loader.ts';
import type { PluginRecord } from '../plugins/registry.ts';
import type { CommandTable } from '../resolve/lookup.ts';
import type { ShellState } from '../state/state.ts';
import type { Sink } from './sink.ts';

/** Calls into plugin code (the plugin host). */
export interface PluginCalls {
  /** The evaluated code of a plugin, its `setup` done (throws why it cannot be had). */
  activate(record: PluginRecord): Promise<PluginInstance>;
  /** Dispose a retired version once its last command has ended. */
  dispose(instance: PluginInstance): Promise<void>;
  /** Run plugin code so that Ctrl-C stops even a loop that never yields. */
  pluginCode<T>(fn: () => T, timeoutMs?: number): T;
  /** The per-plugin map that survives reloads (`ctx.store`). */
  store(plugin: string): Map<string, unknown>;
  /** Every plugin's bundle file and name, to blame an error on the plugin whose code threw it. */
  bundles(): { entry: string; name: string }[];
}

export interface RunOptions {
  /** `--json`: each pipeline's value as one line of JSON. */
  json: boolean;
  interactive: boolean;
  /** `--debug`: stack traces after error lines. */
  debug: boolean;
}

export interface RunHost {
  readonly state: ShellState;
  readonly table: CommandTable;
  readonly plugins: PluginCalls;
  readonly faults: Faults;
  readonly options: RunOptions;
  /** The shell's own output: where `$(…)`'s errors go, whatever the line's sink is. */
  readonly sink: Sink;
  /** A one-line notice (a plugin's error from a timer), without `tosh: `. */
  notice(message: string): void;
  /** A stack with plugin frames pointed at the authors' sources (`--debug`). */
  mapStacks(stack: string): string;
  /** What commands see as `ctx.shell`: the SDK's `ShellApi` over `state` (a subshell's own), nothing more. */
  shell(state: ShellState): ShellApi;
}

/** `tosh: message` on the sink's errors, with the stack under `--debug`. */
export function errorLine(host: RunHost, sink: Sink, message: string, error?: unknown): void {
  sink.err.write(`tosh: ${sink.where ?? ''}${message}\n`);
  if (host.options.debug && error instanceof Error && error.stack) sink.err.write(`${host.mapStacks(error.stack)}\n`);
}
