/** What the interactive UI needs of the shell (the session provides it). */
import type { CompletionSource } from '../complete/commands.ts';
import type { CompletingShell } from '../complete/context.ts';
import type { LookupScope } from '../resolve/lookup.ts';
import type { Sink } from '../run/sink.ts';
import type { History } from '../state/history.ts';
import type { Origin, ShellState } from '../state/state.ts';

/** Besides what it needs itself, what Tab reads: the plugins' completion specs, the job table, config.json and `--debug`. */
export interface UiShell extends Pick<CompletingShell, 'plugins' | 'runner' | 'options'> {
  readonly state: ShellState;
  readonly history: History;
  /** The configured prompt (`tosh> `, or what `ctx.shell.setPrompt` set). */
  readonly prompt: string;
  /** Where command words are looked up now (highlighting, suggestions). */
  readonly scope: LookupScope;
  /** Run one line (or a script: `origin` names its file) into `sink`; resolves to its status. */
  runLine(line: string, sink: Sink, origin?: Origin): Promise<number>;
  /** Ctrl-C: cancel the running line. */
  interrupt(): boolean;
  /** What Tab completes from: commands, their schemas and `complete` hooks. */
  completion(): CompletionSource;
}
