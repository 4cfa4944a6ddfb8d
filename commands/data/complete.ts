/**
 * Tab for the verbs, from the type of what is piped in (`request.piped`, the
 * fields of the upstream command's output schema): columns after `where `,
 * `select `, `sort-by `, dotted paths after `get `, and an enum column's
 * values after `where COL == `.
 */
import type { CompletionRequest } from 'tosh/plugin-sdk';

/** Top-level columns (`nested`: every dotted path too) of the records piped in. */
export const columns =
  (nested: boolean) =>
  ({ piped, current }: CompletionRequest): string[] =>
    (piped ?? []).map((f) => f.path).filter((path) => (nested || !path.includes('.')) && path.startsWith(current));

const JOINERS = new Set(['and', 'or', 'not', '(']);
const EQUALS = new Set(['==', '!=', 'in']);

/** `where`: a column where a condition starts, an enum's values after `COL ==` (or `!=`, `in`). */
export function whereWords({ piped, words, current }: CompletionRequest): string[] {
  const fields = piped ?? [];
  const before = words.slice(0, -1);
  const last = before.at(-1);
  if (last === undefined || JOINERS.has(last)) return fields.map((f) => f.path).filter((path) => path.startsWith(current));
  const column = before.at(-2);
  if (EQUALS.has(last) && column !== undefined) {
    const values = fields.find((f) => f.path === column)?.values ?? [];
    return values.filter((value) => value.startsWith(current));
  }
  return [];
}
