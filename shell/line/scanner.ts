/**
 * The tolerant scanner: a line as typed, half-typed ones too (an open quote,
 * a trailing `|`, an unclosed `$(`), split into pieces that cover all of it.
 * Highlighting, completion and `!!` read these; `lex` refuses such lines.
 */
import { readDoubleQuoted, substitutionEnd } from './lexer.ts';

/** A piece of a line as typed, with what it means. */
export interface Piece {
  kind: 'word' | 'op' | 'space' | 'comment';
  /** The text as typed (quotes included). */
  raw: string;
  /** The word after quote removal. */
  value: string;
  start: number;
  end: number;
  /** The word is (or contains) a quoted part. */
  quoted: boolean;
  /** The word ends inside an open quote. */
  open: boolean;
  /** This word is the command name of its pipeline stage. */
  command: boolean;
}

const OPS = ['&&', '||', '|', ';', '>', '<'];
/** A redirect where a piece starts: `>`, `>>`, `<`, `2>`, `2>>`, `2>&1`, `>&2` (as the lexer reads them). */
const REDIRECT = /[12]?(?:>>|>&[12]|>)|0?</y;

/** Split a line into pieces without ever failing; the text of all pieces is the line. */
export function scan(line: string): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  let atCommand = true;
  let afterRedirect = false;
  const n = line.length;
  while (i < n) {
    const start = i;
    const c = line[i] as string;
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(line[i] as string)) i++;
      pieces.push({ kind: 'space', raw: line.slice(start, i), value: '', start, end: i, quoted: false, open: false, command: false });
      continue;
    }
    if (c === '#') {
      pieces.push({ kind: 'comment', raw: line.slice(i), value: '', start, end: n, quoted: false, open: false, command: false });
      break;
    }
    REDIRECT.lastIndex = i;
    const op = REDIRECT.exec(line)?.[0] ?? OPS.find((o) => line.startsWith(o, i));
    if (op) {
      i += op.length;
      pieces.push({ kind: 'op', raw: op, value: op, start, end: i, quoted: false, open: false, command: false });
      afterRedirect = isRedirect(op) && !op.includes('&');
      if (!isRedirect(op)) atCommand = true;
      continue;
    }
    let value = '';
    let quoted = false;
    let open = false;
    while (i < n) {
      const ch = line[i] as string;
      if (/\s/.test(ch) || OPS.some((o) => line.startsWith(o, i))) break;
      if (ch === "'") {
        quoted = true;
        const close = line.indexOf("'", i + 1);
        if (close < 0) {
          value += line.slice(i + 1);
          i = n;
          open = true;
          break;
        }
        value += line.slice(i + 1, close);
        i = close + 1;
      } else if (ch === '"') {
        quoted = true;
        const text = readDoubleQuoted(line, i);
        value += text.value;
        i = text.end;
        open = !text.closed;
        if (open) break;
      } else if (ch === '\\') {
        if (i + 1 < n && line[i + 1] !== '\n') value += line[i + 1];
        i += 2;
      } else if (ch === '$' && line[i + 1] === '(') {
        // `$(…)` is part of the word, operators and all.
        const end = substitutionEnd(line, i + 2);
        value += line.slice(i, end < 0 ? n : end);
        i = end < 0 ? n : end;
        open = end < 0;
        if (open) break;
      } else {
        value += ch;
        i++;
      }
    }
    i = Math.min(i, n);
    pieces.push({ kind: 'word', raw: line.slice(start, i), value, start, end: i, quoted, open, command: atCommand && !afterRedirect });
    if (afterRedirect) afterRedirect = false;
    else atCommand = false;
  }
  return pieces;
}

export function isRedirect(op: string): boolean {
  return op.includes('>') || op.includes('<');
}
