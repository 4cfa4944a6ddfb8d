/**
 * The built-ins of the shell language (CONTRACT §14): the ones that change
 * the interpreter itself (`break`, `return`, `local`, `set`, `shift`, `read`,
 * `eval`, `source`, `exec`, `trap`) and the small utilities every script
 * calls in its loops (`test`, `[`, `true`, `false`, `:`, `printf`), which
 * must not cost a plugin call. `type` and `command` read the one lookup
 * order. The commands a user thinks of as tosh's own (`cd`, `echo`, `help`…)
 * are plugins in `commands/`.
 */

import { RESERVED } from '../../line/compound.ts';
import { controlBuiltins } from './control.ts';
import { jobBuiltins } from './jobs.ts';
import { stateBuiltins } from './state.ts';
import type { Builtin } from './types.ts';
import { utilityBuiltins } from './utility.ts';

export type { Builtin, BuiltinCall, Description } from './types.ts';

/** The built-ins whose assignments before them stay (POSIX's special built-ins: `X=1 :` sets X). */
export const SPECIAL = new Set([':', '.', 'source', 'eval', 'exec', 'return', 'set', 'shift', 'trap', 'break', 'continue', 'local']);

export const BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ...utilityBuiltins,
  ...controlBuiltins,
  ...stateBuiltins,
  ...jobBuiltins,
]);

/** Names the shell language reserves (the parser's keywords), for `type`. */
export const KEYWORDS = RESERVED;
