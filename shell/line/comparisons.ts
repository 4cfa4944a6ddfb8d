/**
 * `where size > 10kb`: for a command whose words are an expression with
 * comparisons (it says so in its schema, CONTRACT §17), a plain `<` or `>`
 * among its words is text, not a redirect. The parser reads them as
 * redirects; this gives them back as words, joined to the words they touch
 * (`size>10kb` stays one word, `>=` one operator), in place.
 */
import type { Redirect, Script, SimpleCommand, Word } from './ast.ts';

/** Turn the `<` and `>` redirects of the simple commands in `script` that `compares(name)` names back into words. */
export function comparisonWords(script: Script, compares: (name: string) => boolean): void {
  visit(script, compares, 0);
}

function visit(node: unknown, compares: (name: string) => boolean, depth: number): void {
  if (typeof node !== 'object' || node === null || depth > 200) return;
  if (Array.isArray(node)) {
    for (const item of node) visit(item, compares, depth + 1);
    return;
  }
  const record = node as Record<string, unknown>;
  if (record.kind === 'simple') {
    const command = node as SimpleCommand;
    const name = command.words[0];
    if (name && command.redirects.some(isComparison) && name.parts.every((p) => p.kind === 'literal') && compares(name.value))
      rewrite(command);
  }
  for (const value of Object.values(record)) if (typeof value === 'object') visit(value, compares, depth + 1);
}

/** `<` or `>` with no descriptor and a plain target: what a comparison looks like to the parser. */
const isComparison = (r: Redirect): boolean => (r.op === '<' || r.op === '>') && (r.kind === 'read' || r.kind === 'write');

function rewrite(command: SimpleCommand): void {
  const words: Word[] = [...command.words];
  const kept: Redirect[] = [];
  for (const r of command.redirects) {
    if (!isComparison(r) || r.kind === 'heredoc') {
      kept.push(r);
      continue;
    }
    const op = r.op;
    words.push({ raw: op, value: op, start: r.start, end: r.start + op.length, parts: [{ kind: 'literal', text: op, quoted: 'none' }] });
    words.push(r.target);
  }
  words.sort((a, b) => a.start - b.start);
  const joined: Word[] = [];
  for (const word of words) {
    const last = joined[joined.length - 1];
    // Words that touch were one word as typed (`size>10kb`, `>=`): the first word, the name, stays apart.
    if (last && joined.length > 1 && last.end === word.start) {
      joined[joined.length - 1] = {
        raw: last.raw + word.raw,
        value: last.value + word.value,
        start: last.start,
        end: word.end,
        parts: [...last.parts, ...word.parts],
      };
    } else joined.push(word);
  }
  command.words = joined;
  command.redirects = kept;
}
