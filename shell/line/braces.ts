/**
 * Brace expansion, as bash does it before any other expansion: `a{b,c}d` →
 * `abd acd`, `{1..10}`, `{a..e}`, `{01..10..3}`, nested. Only braces written
 * unquoted count; `{a}` and `{}` stay as they are.
 */
import type { WordPart } from './ast.ts';

type Atom = { c: string } | { part: WordPart };

const SEQUENCE = /^(-?\d+|[A-Za-z])\.\.(-?\d+|[A-Za-z])(?:\.\.(-?\d+))?$/;
/** More words than this from one word is a mistake, not a wish. */
const LIMIT = 100_000;

/** The part lists a word's parts become; the word itself when it has no brace expression. */
export function braceExpand(parts: readonly WordPart[]): WordPart[][] {
  if (!parts.some((p) => p.kind === 'literal' && p.quoted === 'none' && p.text.includes('{'))) return [parts as WordPart[]];
  const atoms: Atom[] = [];
  for (const part of parts) {
    if (part.kind === 'literal' && part.quoted === 'none') for (const c of part.text) atoms.push({ c });
    else atoms.push({ part });
  }
  return expand(atoms).map(toParts);
}

function toParts(atoms: Atom[]): WordPart[] {
  const out: WordPart[] = [];
  for (const atom of atoms) {
    if ('part' in atom) out.push(atom.part);
    else {
      const last = out.at(-1);
      if (last?.kind === 'literal' && last.quoted === 'none') last.text += atom.c;
      else out.push({ kind: 'literal', text: atom.c, quoted: 'none' });
    }
  }
  return out;
}

const isChar = (atom: Atom | undefined, c: string) => atom !== undefined && 'c' in atom && atom.c === c;

function expand(atoms: Atom[]): Atom[][] {
  for (let i = 0; i < atoms.length; i++) {
    if (!isChar(atoms[i], '{')) continue;
    // A `$` before `{` is a parameter written with literal braces (`\${a,b}` aside): not a brace expression.
    let depth = 0;
    const commas: number[] = [];
    let close = -1;
    for (let j = i + 1; j < atoms.length; j++) {
      if (isChar(atoms[j], '{')) depth++;
      else if (isChar(atoms[j], '}')) {
        if (depth === 0) {
          close = j;
          break;
        }
        depth--;
      } else if (depth === 0 && isChar(atoms[j], ',')) commas.push(j);
    }
    // An unmatched `{` is itself; a later one may still open an expression (`{{a,b}` is `{a {b`).
    if (close < 0) continue;
    const prefix = atoms.slice(0, i);
    const suffix = atoms.slice(close + 1);
    let alternatives: Atom[][];
    if (commas.length > 0) {
      alternatives = [];
      let from = i + 1;
      for (const comma of [...commas, close]) {
        alternatives.push(atoms.slice(from, comma));
        from = comma + 1;
      }
    } else {
      const inner = atoms.slice(i + 1, close);
      const text = inner.every((a) => 'c' in a) ? inner.map((a) => (a as { c: string }).c).join('') : undefined;
      const words = text === undefined ? undefined : sequence(text);
      if (!words) continue;
      alternatives = words.map((w) => [...w].map((c) => ({ c })));
    }
    const out: Atom[][] = [];
    for (const alternative of alternatives) {
      for (const word of expand([...prefix, ...alternative, ...suffix])) {
        out.push(word);
        if (out.length > LIMIT) return out;
      }
    }
    return out;
  }
  return [atoms];
}

/** `1..5`, `a..e`, `10..1..3`, `01..10` (zero-padded as written): the words, or undefined when it is no sequence. */
function sequence(text: string): string[] | undefined {
  const m = SEQUENCE.exec(text);
  if (!m) return undefined;
  const [, from, to, by] = m as unknown as [string, string, string, string | undefined];
  const numeric = /\d/.test(from) && /\d/.test(to);
  if (!numeric && (/\d/.test(from) || /\d/.test(to))) return undefined;
  const step = Math.abs(Number(by ?? 1)) || 1;
  const a = numeric ? Number(from) : from.charCodeAt(0);
  const b = numeric ? Number(to) : to.charCodeAt(0);
  const width =
    numeric && (/^-?0\d/.test(from) || /^-?0\d/.test(to)) ? Math.max(from.replace('-', '').length, to.replace('-', '').length) : 0;
  const out: string[] = [];
  for (let v = a; a <= b ? v <= b : v >= b; v += a <= b ? step : -step) {
    if (numeric) {
      const digits = String(Math.abs(v)).padStart(width, '0');
      out.push(v < 0 ? `-${digits}` : digits);
    } else out.push(String.fromCharCode(v));
    if (out.length > LIMIT) break;
  }
  return out;
}
