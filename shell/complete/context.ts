/**
 * What completing a line reads of a running shell, gathered from the few
 * parts of the session it needs (its state, the command table's completion
 * source, the plugins' contributed specs, the job table), all read-only.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../state/config.ts';
import type { CompletionSource } from './commands.ts';
import type { CompletionSpec } from './external/types.ts';
import type { LineContext } from './line.ts';

/** The parts of a session completion reads (the session has them all; a test may give fewer). */
export interface CompletingShell {
  readonly state: {
    readonly cwd: string;
    readonly env: Record<string, string>;
    shellVariables(): Record<string, string>;
    readonly functions: ReadonlyMap<string, unknown>;
    aliases(): Record<string, string>;
  };
  completion(): CompletionSource;
  /** The plugins loaded: their definitions' `completions` are specs for external programs. */
  readonly plugins?: { readonly registry: { all(): readonly { readonly instance?: { readonly definition: object } | undefined }[] } };
  /** The job table, for `%`. */
  readonly runner?: { readonly jobs: { readonly table: ReadonlyMap<number, { readonly id: number; readonly line: string }> } };
  /** config.json's `completion.disable` (as read at start; `home` has the file, read again when it changes) and `--debug`. */
  readonly options?: {
    readonly config: { readonly completion?: { readonly disable: readonly string[] } };
    readonly debug: boolean;
    readonly home?: string;
  };
}

/** A line context over a shell, for one Tab (or one `--complete`). */
export function lineContext(
  shell: CompletingShell,
  extra: { signal?: AbortSignal; debug?: (source: string, ms: number, outcome: string) => void } = {},
): LineContext {
  const state = shell.state;
  const context: LineContext = {
    source: shell.completion(),
    cwd: state.cwd,
    env: state.env,
    variables: () => state.shellVariables(),
    functions: () => state.functions.keys(),
    aliases: () => state.aliases(),
    jobs: () => [...(shell.runner?.jobs.table.values() ?? [])].map((job) => ({ spec: `%${job.id}`, line: job.line })),
    specFor: (program) => contributedSpec(shell, program),
    disabled: disabledSources(shell),
  };
  if (extra.signal) context.signal = extra.signal;
  if (extra.debug) context.debug = extra.debug;
  return context;
}

/** The spec a loaded plugin contributes for `program`, the first plugin in precedence order that has one. */
function contributedSpec(shell: CompletingShell, program: string): CompletionSpec | undefined {
  for (const record of shell.plugins?.registry.all() ?? []) {
    const completions = (record.instance?.definition as { completions?: unknown } | undefined)?.completions;
    if (typeof completions !== 'object' || completions === null || !Object.hasOwn(completions, program)) continue;
    const spec = (completions as Record<string, unknown>)[program];
    if (typeof spec === 'object' && spec !== null) return spec as CompletionSpec;
  }
  return undefined;
}

let lastRead: { file: string; stamp: string; disable: readonly string[] } | undefined;

/**
 * The sources config.json turns off: as read at start, and read again (one
 * `stat` a Tab) when the file has changed since, as the prompt and aliases are.
 */
function disabledSources(shell: CompletingShell): ReadonlySet<string> {
  const options = shell.options;
  const atStart = options?.config.completion?.disable ?? [];
  if (options?.home === undefined) return new Set(atStart);
  const file = join(options.home, 'config.json');
  let stamp = 'none';
  try {
    const stats = statSync(file);
    stamp = `${stats.size}:${stats.ctimeMs}:${stats.ino}`;
  } catch {}
  if (lastRead === undefined || lastRead.file !== file) lastRead = { file, stamp, disable: atStart };
  else if (lastRead.stamp !== stamp) lastRead = { file, stamp, disable: loadConfig(options.home).config.completion.disable };
  return new Set(lastRead.disable);
}
