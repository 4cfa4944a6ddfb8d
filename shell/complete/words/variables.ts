/** Variable names after `$` (and `${`). */
import type { Candidate } from '../external/types.ts';

const NAME_SO_FAR = /^[A-Za-z_][A-Za-z0-9_]*$|^$/;
const DESCRIPTION_MAX = 60;

/**
 * The variables that complete the `$name` at the end of `word` (the word as
 * typed so far, unquoted): `$HO` → `$HOME`, `${HO` → `${HOME}`, `a/$HO` →
 * `a/$HOME`. `names` are the variable names, or name → value (the value is the
 * description). No `$` being typed: none.
 * @example variables('$HO', { HOME: '/root', HOSTNAME: 'box' }) // [{ word: '$HOME', description: '/root' }, …]
 */
export function variables(word: string, names: Iterable<string> | Record<string, string>): Candidate[] {
  const dollar = word.lastIndexOf('$');
  if (dollar < 0) return [];
  const braced = word[dollar + 1] === '{';
  const typed = word.slice(dollar + (braced ? 2 : 1));
  if (!NAME_SO_FAR.test(typed)) return [];
  const before = word.slice(0, dollar);
  const values: Record<string, string> | undefined = isIterable(names) ? undefined : names;
  const all = values ? Object.keys(values) : [...(names as Iterable<string>)];
  const found: Candidate[] = [];
  for (const name of new Set(all)) {
    if (!name.startsWith(typed) || !NAME_SO_FAR.test(name) || name === '') continue;
    const candidate: Candidate = { word: braced ? `${before}\${${name}}` : `${before}$${name}` };
    const value = values?.[name];
    if (value !== undefined && value !== '') candidate.description = oneLine(value);
    found.push(candidate);
  }
  return found.sort((a, b) => (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
}

function isIterable(value: unknown): value is Iterable<string> {
  return typeof (value as Iterable<string>)[Symbol.iterator] === 'function';
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > DESCRIPTION_MAX ? `${line.slice(0, DESCRIPTION_MAX - 1)}…` : line;
}
