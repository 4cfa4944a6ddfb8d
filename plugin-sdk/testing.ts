/**
 * `tosh/plugin-sdk/testing`: run a plugin's commands in a test, without a shell.
 *
 * ```ts
 * import { runCommand } from 'tosh/plugin-sdk/testing';
 * import greet from './greet.ts';
 * const { stdout, exitCode } = await runCommand(greet, 'hello Ada --loud');
 * ```
 */

import { runPluginLine } from '../shell/main/harness.ts';
import type { CommandOutcome, RunCommandOptions } from './testing-types.ts';
import type { PluginDefinition } from './types.ts';

export type { CommandOutcome, RunCommandOptions } from './testing-types.ts';

/**
 * Run a command line against a plugin (and the built-in `echo`), exactly as
 * the shell would: parsing, validation, exit codes and rendering included.
 * @example expect((await runCommand(greet, 'hello Ada')).stdout).toBe('Hello Ada\n')
 */
export function runCommand(plugin: PluginDefinition, line: string, options: RunCommandOptions = {}): Promise<CommandOutcome> {
  return runPluginLine(plugin, line, options);
}
