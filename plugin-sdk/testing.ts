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
import type { PluginDefinition } from './types.ts';

/** Options of `runCommand`. */
export interface RunCommandOptions {
  /** Plugins loaded beside the one under test (their commands can be piped to). @default [] */
  with?: PluginDefinition[];
  /** Text piped in as the first command's `input`. */
  input?: unknown;
  /** `ctx.env`. @default process.env */
  env?: Record<string, string | undefined>;
  /** `ctx.cwd`. @default process.cwd() */
  cwd?: string;
  /** `ctx.interactive`. @default false */
  interactive?: boolean;
  /** Terminal width used to render tables and elements. @default 80 */
  columns?: number;
  /** Abort the command (as Ctrl-C would) when this signal fires. */
  signal?: AbortSignal;
}

/** What a command line did: as the shell would have shown it, and its value. */
export interface CommandOutcome {
  /** Everything printed and the rendered value, as plain text. */
  stdout: string;
  /** Error lines (`tosh: …`) and progress lines. */
  stderr: string;
  exitCode: number;
  /** The value the last command returned (undefined if it failed). */
  value: unknown;
}

/**
 * Run a command line against a plugin (and the built-in `echo`), exactly as
 * the shell would: parsing, validation, exit codes and rendering included.
 * @example expect((await runCommand(greet, 'hello Ada')).stdout).toBe('Hello Ada\n')
 */
export function runCommand(plugin: PluginDefinition, line: string, options: RunCommandOptions = {}): Promise<CommandOutcome> {
  return runPluginLine(plugin, line, options);
}
