/** Words made from text the parser handed over as text: the inside of `$((…))`. */
import type { Word } from './ast.ts';
import { textWord } from './tokens.ts';

/** The expression of `$((expr))` as a word whose `$x`, `$(…)` and backquotes expand before it is evaluated. */
export function arithmeticWord(expr: string, start: number): Word {
  return textWord(expr, start);
}
