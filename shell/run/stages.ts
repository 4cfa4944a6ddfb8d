/** The pieces a pipeline is run as, after expansion and lookup. */
import type { ExpandedCommand } from '../line/expand.ts';
import type { Resolved } from '../plugins/registry.ts';

export interface StageResult {
  status: number;
  value: unknown;
}

/** One command of a pipeline after expansion and resolution. */
export type Stage =
  | { kind: 'assign'; command: ExpandedCommand }
  | { kind: 'plugin'; command: ExpandedCommand; resolved: Resolved; name: string; args: string[]; json: boolean }
  | { kind: 'program'; command: ExpandedCommand; path: string }
  /** A word that names nothing that can run: its message goes where its errors go, as in sh. */
  | { kind: 'missing'; command: ExpandedCommand; status: number; message: string };

export type PluginStage = Extract<Stage, { kind: 'plugin' }>;
export type ProgramStage = Extract<Stage, { kind: 'program' }>;

export interface PipelineResult {
  status: number;
  value: unknown;
  /** What a plugin in the middle of a pipeline printed (a program after it reads this, then the value). */
  printed?: string;
  /** What the caller should display (the last command's value, not already shown). */
  shown?: unknown;
  /** The output went to a file. */
  redirected?: boolean;
  /** The last command's own `--json`. */
  json?: boolean;
  command?: string;
}

/** A plugin command's stage: its words after the name, without its own `--json` (before `--`), which it records. */
export function pluginStage(command: ExpandedCommand, resolved: Resolved, name: string): PluginStage {
  const rest = command.argv.slice(1);
  const dashes = rest.indexOf('--');
  const options = dashes < 0 ? rest : rest.slice(0, dashes);
  const json = options.includes('--json');
  const args = json ? rest.filter((word, i) => word !== '--json' || (dashes >= 0 && i > dashes)) : rest;
  return { kind: 'plugin', command, resolved, name, args, json };
}

/** The environment one command runs with: the exported variables and its own `NAME=value` words. */
export function commandEnv(exported: Readonly<Record<string, string>>, command: ExpandedCommand): Readonly<Record<string, string>> {
  if (command.assignments.length === 0) return exported;
  const own = { ...exported };
  for (const { name, value } of command.assignments) own[name] = value;
  return own;
}
