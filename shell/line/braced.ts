/**
 * The parts of the lexer that read inside a word: `${…}` with its operators
 * and their words, `$'…'`, where `$((…))` ends. The lexer (lexer.ts) calls
 * these with itself as the `Reader`.
 */
import { quote, UsageError } from '../base/errors.ts';
import type { Quoting, Word, WordPart } from './ast.ts';

/** What these readers need of the lexer. */
export interface Reader {
  readonly source: string;
  pos: number;
  readonly tolerant: boolean;
  fail(message: string, incomplete?: boolean): never;
  readDouble(word: WordBuilder): boolean;
  readExpansion(word: WordBuilder, quoted: 'none' | 'double'): boolean;
  readTilde(word: WordBuilder, ends: (c: string | undefined) => boolean): void;
  /** The parser's way to read a line inside (a backquoted one here). */
  readonly subparse: (
    source: string,
    pos: number,
    tolerant: boolean,
    closing?: boolean,
  ) => { body: import('./ast.ts').Script; end: number; open: boolean };
}

const NAME_AT = /[A-Za-z_][A-Za-z0-9_]*/y;
const DIGITS_AT = /[0-9]+/y;

/** Collects a word's parts (merging neighbouring literals quoted alike) and its unexpanded value. */
export class WordBuilder {
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

/** `${…}`: a name, a length, or a name with an operator and its word. */
export function readBraced(r: Reader, word: WordBuilder, quoted: 'none' | 'double'): boolean {
  const src = r.source;
  const start = r.pos;
  let i = start + 2;
  const bad = (): boolean => {
    const close = src.indexOf('}', i);
    if (close < 0) return unclosed();
    // Tolerant readers (highlighting, completion) take the text as it is.
    if (r.tolerant) {
      word.literal(src.slice(start, close + 1), quoted);
      r.pos = close + 1;
      return true;
    }
    return r.fail(`bad substitution: ${quote(src.slice(start, close + 1))}`);
  };
  const unclosed = (): boolean => {
    if (!r.tolerant) r.fail(`unbalanced '$\{': missing closing '}'`, true);
    word.literal(src.slice(start), quoted);
    r.pos = src.length;
    return false;
  };
  let length = false;
  let indirect = false;
  // `${#x}` (and `${#-}`, `${#?}`: the length of `$-`, `$?`), but `${#}` and `${#:-w}` are `$#`.
  if (src[i] === '#' && src[i + 1] !== '}' && src[i + 1] !== undefined && (!':-=?+'.includes(src[i + 1] as string) || src[i + 2] === '}')) {
    length = true;
    i++;
  } else if (src[i] === '!' && src[i + 1] !== '}' && src[i + 1] !== undefined) {
    // `${!name}`: the variable whose name is name's value.
    indirect = true;
    i++;
  }
  const name = readParamName(src, i);
  if (name === undefined) {
    if (i >= src.length || src.indexOf('}', i) < 0) return unclosed();
    return bad();
  }
  i += name.length;
  if (src[i] === '}' || (length && src[i] !== undefined)) {
    if (src[i] !== '}') return bad();
    const part: WordPart = { kind: 'param', name, quoted };
    if (length) part.length = true;
    if (indirect) part.indirect = true;
    word.special(part, src.slice(start, i + 1));
    r.pos = i + 1;
    return true;
  }
  if (i >= src.length) return unclosed();
  const op = (['//', '/#', '/%', '/', ':-', ':=', ':?', ':+', '##', '%%', '-', '=', '?', '+', '#', '%', ':'] as const).find((o) =>
    src.startsWith(o, i),
  );
  if (!op) return bad();
  r.pos = i + op.length;
  const part: Extract<WordPart, { kind: 'param' }> = { kind: 'param', name, quoted, op };
  if (indirect) part.indirect = true;
  if (op === ':') {
    // `${x:offset}` and `${x:offset:length}`: arithmetic, as in bash.
    const offset = readParamWord(r, ':}', 'double');
    if (offset === undefined) return unclosed();
    part.arg = offset;
    if (src[r.pos] === ':') {
      r.pos++;
      const count = readParamWord(r, '}', 'double');
      if (count === undefined) return unclosed();
      part.replace = count;
    }
    if (src[r.pos] !== '}') return unclosed();
    r.pos++;
    word.special(part, src.slice(start, r.pos));
    return true;
  }
  const inner = quoted === 'double' ? 'double' : 'none';
  // A pattern (`#`, `%`, `/`) is a pattern inside double quotes too; only its own quotes make it literal.
  const patternOp = op.startsWith('#') || op.startsWith('%') || op.startsWith('/');
  const arg = readParamWord(r, op.startsWith('/') ? '/}' : '}', patternOp ? 'none' : inner);
  if (arg === undefined) return unclosed();
  part.arg = arg;
  if (op.startsWith('/') && src[r.pos] === '/') {
    r.pos++;
    const replace = readParamWord(r, '}', inner);
    if (replace === undefined) return unclosed();
    part.replace = replace;
  }
  if (src[r.pos] !== '}') return unclosed();
  r.pos++;
  word.special(part, src.slice(start, r.pos));
  return true;
}

/** The word inside `${NAME op …}`, up to one of `stops` outside quotes; undefined when the text ends first. */
function readParamWord(r: Reader, stops: string, quoted: 'none' | 'double'): Word | undefined {
  const src = r.source;
  const start = r.pos;
  const word = new WordBuilder();
  if (src[r.pos] === '~' && quoted === 'none') r.readTilde(word, (c) => c === '/' || c === '}' || c === undefined);
  while (r.pos < src.length && !stops.includes(src[r.pos] as string)) {
    const ch = src[r.pos] as string;
    if (ch === "'" && quoted === 'none') {
      const close = src.indexOf("'", r.pos + 1);
      if (close < 0) return undefined;
      word.literal(src.slice(r.pos + 1, close), 'single');
      r.pos = close + 1;
    } else if (ch === '"') {
      if (quoted === 'double') {
        // Inside "${x:-"a"}" the inner quotes only quote.
        r.pos++;
        continue;
      }
      if (!r.readDouble(word)) return undefined;
    } else if (ch === '\\') {
      const next = src[r.pos + 1];
      if (next === undefined) return undefined;
      if (next !== '\n') {
        if (quoted === 'double' && !'$`"\\}'.includes(next)) word.literal(`\\${next}`, 'double');
        else word.literal(next, 'escaped');
      }
      r.pos += 2;
    } else if (ch === '$' || ch === '`') {
      if (!r.readExpansion(word, quoted)) return undefined;
    } else {
      word.literal(ch, quoted);
      r.pos++;
    }
  }
  if (r.pos >= src.length) return undefined;
  return { raw: src.slice(start, r.pos), value: word.value, start, end: r.pos, parts: word.parts };
}

/** A parameter's name inside `${`: a name, digits, or one special character. */
function readParamName(src: string, i: number): string | undefined {
  NAME_AT.lastIndex = i;
  const name = NAME_AT.exec(src)?.[0];
  if (name) return name;
  DIGITS_AT.lastIndex = i;
  const digits = DIGITS_AT.exec(src)?.[0];
  if (digits) return digits;
  const c = src[i];
  return c !== undefined && '?#@*$!-'.includes(c) ? c : undefined;
}

/** Just past the `))` that closes a `$((` whose text starts at `from`, or -1 (then it is `$(` and a subshell). */
export function arithmeticEnd(src: string, from: number): number {
  let depth = 0;
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (c === '(') depth++;
    else if (c === ')') {
      if (depth === 0) return src[i + 1] === ')' ? i + 2 : -1;
      depth--;
    } else if (c === '\n' && depth === 0 && src[i - 1] !== '\\') {
      // Newlines are fine inside arithmetic; keep going.
    }
  }
  return -1;
}

/** `$'…'` from `from` (just past the quote): bash's ANSI-C escapes decoded. */
export function ansiC(src: string, from: number): { text: string; end: number; closed: boolean } {
  let text = '';
  let i = from;
  const simple: Record<string, string> = {
    a: '\x07',
    b: '\b',
    e: '\x1b',
    E: '\x1b',
    f: '\f',
    n: '\n',
    r: '\r',
    t: '\t',
    v: '\v',
    '\\': '\\',
    "'": "'",
    '"': '"',
    '?': '?',
  };
  while (i < src.length && src[i] !== "'") {
    const c = src[i] as string;
    if (c !== '\\') {
      text += c;
      i++;
      continue;
    }
    const e = src[i + 1];
    if (e === undefined) {
      i++;
      break;
    }
    if (simple[e] !== undefined) {
      text += simple[e];
      i += 2;
    } else if (e >= '0' && e <= '7') {
      const m = /^[0-7]{1,3}/.exec(src.slice(i + 1, i + 4)) as RegExpExecArray;
      text += String.fromCharCode(Number.parseInt(m[0], 8) & 0xff);
      i += 1 + m[0].length;
    } else if (e === 'x' && /[0-9A-Fa-f]/.test(src[i + 2] ?? '')) {
      const m = /^[0-9A-Fa-f]{1,2}/.exec(src.slice(i + 2, i + 4)) as RegExpExecArray;
      text += String.fromCharCode(Number.parseInt(m[0], 16));
      i += 2 + m[0].length;
    } else if ((e === 'u' || e === 'U') && /[0-9A-Fa-f]/.test(src[i + 2] ?? '')) {
      const m = new RegExp(`^[0-9A-Fa-f]{1,${e === 'u' ? 4 : 8}}`).exec(src.slice(i + 2)) as RegExpExecArray;
      const code = Number.parseInt(m[0], 16);
      text += code <= 0x10ffff ? String.fromCodePoint(code) : '';
      i += 2 + m[0].length;
    } else if (e === 'c' && src[i + 2] !== undefined) {
      text += String.fromCharCode((src[i + 2] as string).toUpperCase().charCodeAt(0) ^ 0x40);
      i += 3;
    } else {
      text += `\\${e}`;
      i += 2;
    }
  }
  return { text, end: Math.min(i + 1, src.length), closed: i < src.length };
}

/** `` `line` ``: the text with `\\`, `` \` `` and `\$` unescaped, parsed as a line of its own. */
export function readBackquote(r: Reader, word: WordBuilder, quoted: 'none' | 'double'): boolean {
  const src = r.source;
  const start = r.pos;
  let i = start + 1;
  let text = '';
  while (i < src.length && src[i] !== '`') {
    if (
      src[i] === '\\' &&
      (src[i + 1] === '`' || src[i + 1] === '\\' || src[i + 1] === '$' || (quoted === 'double' && src[i + 1] === '"'))
    ) {
      text += src[i + 1];
      i += 2;
    } else {
      text += src[i];
      i++;
    }
  }
  const closed = i < src.length;
  if (!closed && !r.tolerant) r.fail('unbalanced quote: missing closing `', true);
  // The backquoted line is a whole script: a lone backslash at its end is a character (`echo \`echo \\\\\``
  // prints `\`), and one that is unfinished inside closed backquotes is an error, not a wait for more lines.
  const line = closed && /(^|[^\\])(\\\\)*\\$/.test(text) ? `${text}\\` : text;
  let sub: ReturnType<Reader['subparse']>;
  try {
    sub = r.subparse(line, 0, r.tolerant, false);
  } catch (error) {
    if (!closed || !(error instanceof UsageError) || !error.incomplete) throw error;
    throw new UsageError(`${error.message.replace(/^(syntax error: )?/, 'syntax error in `…`: ')}`, { offset: start });
  }
  word.special({ kind: 'subst', line, start: start + 1, quoted, body: sub.body, backquote: true }, src.slice(start, closed ? i + 1 : i));
  r.pos = closed ? i + 1 : src.length;
  return closed;
}

/** Quote a word so that the lexer gives it back unchanged, unexpanded (for completion and history). */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-][A-Za-z0-9_@%+=:,./~^-]*$/.test(word) && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A here-document body that is not expanded (`<<'EOF'`). */
export function literalWord(text: string, start: number): Word {
  return { raw: text, value: text, start, end: start + text.length, parts: [{ kind: 'literal', text, quoted: 'single' }] };
}
