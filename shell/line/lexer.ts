import { quote, UsageError } from '../base/errors.ts';

/**
 * A redirect as typed: `<` (standard input), `>` / `>>` (replace / append),
 * `>&1` / `>&2` (duplicate), each with an optional file descriptor in front
 * (`2>`, `2>>`, `2>&1`). The descriptor counts only at the start of a word:
 * `echo a2>f` is the word `a2` and `>f`, as in sh.
 */
export type RedirectOperator = `${'' | '0'}<` | `${'' | '1' | '2'}${'>' | '>>' | '>&1' | '>&2'}`;

/** The operators of a line. */
export type Operator = '|' | ';' | '&&' | '||' | RedirectOperator;

/**
 * How a piece of a word was written: `'single'` and `'double'` quotes,
 * `'escaped'` by a backslash, or `'none'`. Only `'none'` text may glob.
 */
export type Quoting = 'none' | 'single' | 'double' | 'escaped';

/** A piece of a word, in order; expansion (`expand.ts`) turns the pieces into text. */
export type WordPart =
  /** Text as written, quotes and escapes removed. */
  | { kind: 'literal'; text: string; quoted: Quoting }
  /** `$NAME` or `${NAME}`. */
  | { kind: 'var'; name: string; quoted: 'none' | 'double' }
  /** `$?` or `${?}`. */
  | { kind: 'status'; quoted: 'none' | 'double' }
  /** `$(line)`: `line` is the text between the parentheses, `start` its offset in the lexed text. */
  | { kind: 'subst'; line: string; start: number; quoted: 'none' | 'double' }
  /** An unquoted `~` that starts a word, alone or before `/`: the home directory. */
  | { kind: 'tilde' };

/** One word of a line, with where it is and what it is made of. */
export interface Word {
  /** The text as typed, quotes included: `line.slice(start, end)`. */
  raw: string;
  /** The text with quotes and escapes removed and nothing expanded (`"$A"b` is `$Ab`). */
  value: string;
  start: number;
  end: number;
  parts: WordPart[];
}

export interface WordToken extends Word {
  kind: 'word';
}

export interface OperatorToken {
  kind: 'op';
  value: Operator;
  start: number;
  end: number;
}

export type Token = WordToken | OperatorToken;

// Character classes of ASCII, looked up by code (lines from stdin go through here by the thousand).
const PLAIN = 0;
const SPACE = 1;
/** Starts a quote, escape, expansion or operator. */
const SPECIAL = 2;
const CLASS = new Uint8Array(128);
for (const c of ' \t\n\r\v\f') CLASS[c.charCodeAt(0)] = SPACE;
for (const c of `'"\\$|;&<>`) CLASS[c.charCodeAt(0)] = SPECIAL;
/** The class of the character at `i`; anything past ASCII is plain. */
const classAt = (line: string, i: number): number => {
  const code = line.charCodeAt(i);
  return code < 128 ? (CLASS[code] as number) : PLAIN;
};
const isSpace = (line: string, i: number): boolean => i < line.length && classAt(line, i) === SPACE;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAME_AT = /[A-Za-z_][A-Za-z0-9_]*/y;

/**
 * Split a line into words and operators like a POSIX shell: whitespace
 * separates words, single quotes are literal, double quotes allow `\"`, `\\`,
 * `\$` and expansions, a backslash escapes the next character, `#` at the
 * start of a word starts a comment. `$(…)` is part of its word up to the
 * matching `)`, quotes and nested `$(…)` included. An unclosed quote, `$(` or
 * `${`, or a trailing backslash throws an incomplete `UsageError` (the
 * interactive shell continues the line instead).
 */
export function lex(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    const c = line[i] as string;
    const kind = classAt(line, i);
    if (kind === SPACE) {
      i++;
      continue;
    }
    if (c === '#') break;
    const op = kind === SPECIAL || c === '0' || c === '1' || c === '2' ? operatorAt(line, i, true) : undefined;
    if (op) {
      tokens.push({ kind: 'op', value: op, start: i, end: i + op.length });
      i += op.length;
      continue;
    }
    const word = readWord(line, i);
    tokens.push(word);
    i = word.end;
  }
  return tokens;
}

/** Collects a word's parts (merging neighbouring literals quoted alike) and its unexpanded value. */
class WordBuilder {
  readonly parts: WordPart[] = [];
  value = '';

  literal(text: string, quoted: Quoting): void {
    const last = this.parts.at(-1);
    if (last?.kind === 'literal' && last.quoted === quoted) last.text += text;
    else this.parts.push({ kind: 'literal', text, quoted });
    this.value += text;
  }

  special(part: WordPart, raw: string): void {
    this.parts.push(part);
    this.value += raw;
  }
}

function readWord(line: string, start: number): WordToken {
  const n = line.length;
  let i = start;
  // Most words are plain text: one slice, one part.
  while (i < n && classAt(line, i) === PLAIN) i++;
  if ((i === n || classAt(line, i) === SPACE) && line[start] !== '~') {
    const text = line.slice(start, i);
    return { kind: 'word', raw: text, value: text, start, end: i, parts: [{ kind: 'literal', text, quoted: 'none' }] };
  }
  i = start;
  const word = new WordBuilder();
  if (line[i] === '~' && (line[i + 1] === '/' || endsWord(line, i + 1))) {
    word.special({ kind: 'tilde' }, '~');
    i++;
  }
  while (i < n) {
    const ch = line[i] as string;
    const kind = classAt(line, i);
    if (kind === PLAIN) {
      const from = i;
      while (i < n && classAt(line, i) === PLAIN) i++;
      word.literal(line.slice(from, i), 'none');
      continue;
    }
    if (kind === SPACE || operatorAt(line, i, false)) break;
    if (ch === "'") {
      const close = line.indexOf("'", i + 1);
      if (close < 0) throw new UsageError("unbalanced quote: missing closing '", { incomplete: true });
      word.literal(line.slice(i + 1, close), 'single');
      i = close + 1;
    } else if (ch === '"') {
      const quoted = readDouble(line, i, word, true);
      if (!quoted.closed) throw new UsageError('unbalanced quote: missing closing "', { incomplete: true });
      i = quoted.end;
    } else if (ch === '\\') {
      if (i + 1 >= n) throw new UsageError('line ends with a lone backslash', { incomplete: true });
      // A backslash-newline joins lines, as in sh.
      if (line[i + 1] !== '\n') word.literal(line[i + 1] as string, 'escaped');
      i += 2;
    } else if (ch === '$') {
      const dollar = readDollar(line, i, 'none', true);
      if (dollar) {
        word.special(dollar.part, line.slice(i, dollar.end));
        i = dollar.end;
      } else {
        word.literal('$', 'none');
        i++;
      }
    } else {
      // A lone `&`.
      word.literal(ch, 'none');
      i++;
    }
  }
  return { kind: 'word', raw: line.slice(start, i), value: word.value, start, end: i, parts: word.parts };
}

function endsWord(line: string, i: number): boolean {
  return i >= line.length || isSpace(line, i) || operatorAt(line, i, false) !== undefined;
}

/**
 * Read a double-quoted string starting at `start` (the opening quote) into
 * `word`. Strict readers throw for a bad `${…}` or an unclosed `$(`/`${`;
 * tolerant ones (completion, highlighting) take such text as it is.
 */
function readDouble(line: string, start: number, word: WordBuilder, strict: boolean): { end: number; closed: boolean } {
  const n = line.length;
  let i = start + 1;
  let text = '';
  let pieces = 0;
  const flush = () => {
    if (text === '') return;
    word.literal(text, 'double');
    text = '';
    pieces++;
  };
  while (i < n) {
    const d = line[i] as string;
    if (d === '"') {
      if (text !== '' || pieces === 0) word.literal(text, 'double');
      return { end: i + 1, closed: true };
    }
    if (d === '\\') {
      const next = line[i + 1];
      if (next === '"' || next === '\\' || next === '$' || next === '`') {
        text += next;
        i += 2;
      } else if (next === '\n') {
        i += 2;
      } else {
        text += d;
        i++;
      }
    } else if (d === '$') {
      const dollar = readDollar(line, i, 'double', strict);
      if (dollar) {
        flush();
        word.special(dollar.part, line.slice(i, dollar.end));
        pieces++;
        i = dollar.end;
      } else {
        text += d;
        i++;
      }
    } else {
      text += d;
      i++;
    }
  }
  flush();
  return { end: n, closed: false };
}

/** The `$` construct at `i`, or undefined when this `$` is just a dollar sign. */
function readDollar(line: string, i: number, quoted: 'none' | 'double', strict: boolean): { part: WordPart; end: number } | undefined {
  const next = line[i + 1];
  if (next === '(') {
    let end = substitutionEnd(line, i + 2);
    if (end < 0) {
      if (strict) throw new UsageError("unbalanced '$(': missing closing ')'", { incomplete: true });
      end = line.length + 1;
    }
    return { part: { kind: 'subst', line: line.slice(i + 2, end - 1), start: i + 2, quoted }, end: Math.min(end, line.length) };
  }
  if (next === '{') {
    const close = line.indexOf('}', i + 2);
    if (close < 0) {
      if (strict) throw new UsageError(`unbalanced '$\{': missing closing '}'`, { incomplete: true });
      return undefined;
    }
    const name = line.slice(i + 2, close);
    if (name === '?') return { part: { kind: 'status', quoted }, end: close + 1 };
    if (NAME.test(name)) return { part: { kind: 'var', name, quoted }, end: close + 1 };
    if (strict) throw new UsageError(`bad substitution: ${quote(line.slice(i, close + 1))}`);
    return undefined;
  }
  if (next === '?') return { part: { kind: 'status', quoted }, end: i + 2 };
  NAME_AT.lastIndex = i + 1;
  const name = NAME_AT.exec(line)?.[0];
  if (name) return { part: { kind: 'var', name, quoted }, end: i + 1 + name.length };
  return undefined;
}

/**
 * Where a `$(` region ends: `from` is just past the `$(`; the result is just
 * past its matching `)`, or -1 when the text ends first. Quotes, escapes and
 * nested parentheses (`$(…)` included) inside are skipped over.
 */
export function substitutionEnd(line: string, from: number): number {
  let depth = 1;
  let i = from;
  while (i < line.length) {
    const c = line[i];
    if (c === '\\') i += 2;
    else if (c === "'") {
      const close = line.indexOf("'", i + 1);
      if (close < 0) return -1;
      i = close + 1;
    } else if (c === '"') {
      i = doubleQuoteEnd(line, i);
      if (i < 0) return -1;
    } else if (c === '(') {
      depth++;
      i++;
    } else if (c === ')') {
      if (--depth === 0) return i + 1;
      i++;
    } else i++;
  }
  return -1;
}

/** Just past the `"` closing the one at `start`, or -1. */
function doubleQuoteEnd(line: string, start: number): number {
  let i = start + 1;
  while (i < line.length) {
    const c = line[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else if (c === '$' && line[i + 1] === '(') {
      i = substitutionEnd(line, i + 2);
      if (i < 0) return -1;
    } else i++;
  }
  return -1;
}

/**
 * The text of a double-quoted string starting at `start` (the opening quote),
 * unexpanded (`"$(echo ")")"` is one string): `\"`, `\\`, `\$` and
 * `` \` `` are escapes, any other backslash is kept. `end` is just past the
 * closing quote, or the end of the line when it is not closed. Never throws.
 */
export function readDoubleQuoted(line: string, start: number): { value: string; end: number; closed: boolean } {
  const word = new WordBuilder();
  const { end, closed } = readDouble(line, start, word, false);
  return { value: word.value, end, closed };
}

/**
 * The operator at `i`, if any. A descriptor digit counts only where a word
 * would start (`wordStart`), as in sh: `2>f` redirects, `a2>f` does not.
 */
function operatorAt(line: string, i: number, wordStart: boolean): Operator | undefined {
  const c = line[i];
  const next = line[i + 1];
  if (c === '|') return next === '|' ? '||' : '|';
  if (c === ';') return ';';
  if (c === '&') return next === '&' ? '&&' : undefined;
  let fd = '';
  let j = i;
  if (wordStart && (c === '0' || c === '1' || c === '2') && (next === '<' || next === '>')) {
    fd = c;
    j++;
  }
  const r = line[j];
  if (r === '<') return fd === '' || fd === '0' ? (`${fd}<` as RedirectOperator) : undefined;
  if (r !== '>' || fd === '0') return undefined;
  const after = line[j + 1];
  if (after === '>') return `${fd}>>` as RedirectOperator;
  if (after !== '&') return `${fd}>` as RedirectOperator;
  const to = line[j + 2];
  const rest = line[j + 3];
  if ((to === '1' || to === '2') && (rest === undefined || isSpace(line, j + 3) || '|;&<>'.includes(rest))) {
    return `${fd}>&${to}` as RedirectOperator;
  }
  throw new UsageError(`syntax error: ${quote(`${fd}>&`)} needs 1 or 2 after it`);
}

/** Quote a word so that `lex` and `parse` give it back unchanged, unexpanded (for completion and history). */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-][A-Za-z0-9_@%+=:,./~^-]*$/.test(word) && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export { quote };
