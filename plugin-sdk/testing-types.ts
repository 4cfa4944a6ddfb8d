/** The types of `tosh/plugin-sdk/testing` (the shell's harness implements them; nothing here imports the shell). */
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
