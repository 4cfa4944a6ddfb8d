import { quote, UsageError } from './errors.ts';

/** The operators of a line. `>>` appends where `>` replaces. */
export type Operator = '|' | ';' | '&&' | '||' | '>' | '>>';

export type Token =
  | { kind: 'word'; value: string; start: number; end: number }
  | { kind: 'op'; value: Operator; start: number; end: number };

const SPACE = new Set([' ', '\t', '\n', '\r', '\v', '\f']);
/** Characters that neither end a word nor start a quote, escape or operator. */
const PLAIN = /[^\s'"\\|;&>]/;

/**
 * Split a line into words and operators like a POSIX shell: whitespace
 * separates words, single quotes are literal, double quotes allow `\"` and
 * `\\`, a backslash escapes the next character, `#` at the start of a word
 * starts a comment. An unclosed quote or a trailing backslash throws an
 * incomplete `UsageError` (the interactive shell continues the line instead).
 */
export function lex(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    const c = line[i] as string;
    if (SPACE.has(c)) {
      i++;
      continue;
    }
    if (c === '#') break;
    const op = operatorAt(line, i);
    if (op) {
      tokens.push({ kind: 'op', value: op, start: i, end: i + op.length });
      i += op.length;
      continue;
    }
    const start = i;
    let value = '';
    while (i < n) {
      const ch = line[i] as string;
      if (SPACE.has(ch) || operatorAt(line, i)) break;
      if (ch === "'") {
        const close = line.indexOf("'", i + 1);
        if (close < 0) throw new UsageError("unbalanced quote: missing closing '", { incomplete: true });
        value += line.slice(i + 1, close);
        i = close + 1;
      } else if (ch === '"') {
        const quoted = readDoubleQuoted(line, i);
        if (!quoted.closed) throw new UsageError('unbalanced quote: missing closing "', { incomplete: true });
        value += quoted.value;
        i = quoted.end;
      } else if (ch === '\\') {
        if (i + 1 >= n) throw new UsageError('line ends with a lone backslash', { incomplete: true });
        // A backslash-newline joins lines, as in sh.
        if (line[i + 1] !== '\n') value += line[i + 1];
        i += 2;
      } else {
        // A run of plain characters is taken in one slice (lines from stdin are mostly these).
        const from = i;
        while (i < n && PLAIN.test(line[i] as string)) i++;
        if (i === from) i++;
        value += line.slice(from, i);
      }
    }
    tokens.push({ kind: 'word', value, start, end: i });
  }
  return tokens;
}

/**
 * The text of a double-quoted string starting at `start` (the opening quote):
 * `\"` and `\\` are escapes, any other backslash is kept. `end` is just past
 * the closing quote, or the end of the line when it is not closed.
 */
export function readDoubleQuoted(line: string, start: number): { value: string; end: number; closed: boolean } {
  let value = '';
  let i = start + 1;
  while (i < line.length) {
    const d = line[i] as string;
    if (d === '"') return { value, end: i + 1, closed: true };
    if (d === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
      value += line[i + 1];
      i += 2;
    } else {
      value += d;
      i++;
    }
  }
  return { value, end: i, closed: false };
}

function operatorAt(line: string, i: number): Operator | undefined {
  const c = line[i];
  const next = line[i + 1];
  if (c === '|') return next === '|' ? '||' : '|';
  if (c === ';') return ';';
  if (c === '&' && next === '&') return '&&';
  if (c === '>') return next === '>' ? '>>' : '>';
  return undefined;
}

/** Quote a word so that `lex` gives it back unchanged (for completion and history). */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./~^-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export { quote };
