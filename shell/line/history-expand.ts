/** `!!`, the previous history line (as in bash and zsh), and a text of several lines split into the lines to run. */
import { isIncomplete } from './parser.ts';
import { scan } from './scanner.ts';

/** Replace `!!` outside single quotes with `previous`. */
export function expandBang(text: string, previous: string | undefined): string {
  if (!text.includes('!!') || previous === undefined) return text;
  let out = '';
  let last = 0;
  for (const piece of scan(text)) {
    if (piece.kind !== 'word' || !piece.raw.includes('!!')) continue;
    // Replace only where no single quote opened before the `!!` in this word.
    let i = piece.start;
    let inSingle = false;
    for (; i < piece.end; i++) {
      const ch = text[i];
      if (ch === "'") inSingle = !inSingle;
      else if (ch === '\\') i++;
      else if (!inSingle && ch === '!' && text[i + 1] === '!') {
        out += text.slice(last, i) + previous;
        last = i + 2;
        i++;
      }
    }
  }
  return out + text.slice(last);
}

/** A text of several lines (a paste) as the lines to run, in order; a line continued by an open quote or a `|` stays whole. */
export function splitLines(text: string): string[] {
  const out: string[] = [];
  let current: string | undefined;
  for (const line of text.split('\n')) {
    current = current === undefined ? line : `${current}\n${line}`;
    if (!isIncomplete(current)) {
      if (current.trim() !== '') out.push(current);
      current = undefined;
    }
  }
  if (current !== undefined && current.trim() !== '') out.push(current);
  return out;
}
