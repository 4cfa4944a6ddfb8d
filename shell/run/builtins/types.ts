/** What a built-in of the shell language is, and what it is given. */
import type { ExpandedRedirect } from '../../line/expand.ts';
import type { Engine, Exec } from '../exec.ts';

/** What a built-in is given besides its words. */
export interface BuiltinCall {
  engine: Engine;
  /** Write to descriptor 1. */
  out(text: string): void;
  /** An error line (`tosh: FILE:LINE: name: …`) on descriptor 2. */
  error(message: string): void;
  /** The command's own redirects (for `exec` without a command). */
  redirects: readonly ExpandedRedirect[];
  /** Run a command by its words without looking at functions (`command`, `exec`); resolves to its status. */
  run(argv: string[], options: { functions: boolean }): Promise<number>;
  /** What a word runs, as `type` and `command -v` say it. */
  describe(name: string): Description | undefined;
}

/** How a name resolves, for `type` and `command -v`. */
export type Description =
  | { kind: 'alias'; value: string }
  | { kind: 'keyword' }
  | { kind: 'function'; source: string }
  | { kind: 'builtin' }
  | { kind: 'plugin'; plugin: string }
  | { kind: 'file'; path: string };

export type Builtin = (args: string[], x: Exec, call: BuiltinCall) => number | Promise<number>;
