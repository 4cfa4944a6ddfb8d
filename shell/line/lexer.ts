/**
 * The one tokeniser of tosh: source text → words (with their quoted and
 * expanded parts, and where they are) and operators, as POSIX's token
 * recognition says (XCU 2.3). The parser pulls tokens one at a time, so that
 * here-documents are read at the right newline and `$(…)` is parsed (a
 * `case` inside it included) by the parser itself. In tolerant mode nothing
 * throws: an unclosed quote or construct ends its word at the end of the
 * text, marked `open` (highlighting, completion, continuation lines).
 */
import { quote, UsageError } from '../base/errors.ts';
import type { Redirect, Script, Word } from './ast.ts';
import { ansiC, arithmeticEnd, literalWord, type Reader, readBackquote, readBraced, WordBuilder } from './braced.ts';

export { quote } from '../base/errors.ts';
export type { Quoting, Word, WordPart } from './ast.ts';
export { arithmeticEnd, shellQuote } from './braced.ts';

/** The operators of the language; redirects may carry a descriptor in front (`2>`, `3<&`). */
export type Operator =
  | '|'
  | '||'
  | '&'
  | '&&'
  | ';'
  | ';;'
  | '('
  | ')'
  | '<'
  | '>'
  | '>>'
  | '>|'
  | '<>'
  | '<&'
  | '>&'
  | '<<'
  | '<<-'
  | '<<<'
  | '&>'
  | '&>>';

export interface WordToken extends Word {
  kind: 'word';
  /** Tolerant mode: the word ends inside an open quote or construct. */
  open?: boolean;
}

export interface OperatorToken {
  kind: 'op';
  value: Operator;
  /** The descriptor written before a redirect (`2>`: 2), if any. */
  fd?: number;
  /** The operator as typed, its descriptor included. */
  raw: string;
  start: number;
  end: number;
}

export interface NewlineToken {
  kind: 'newline';
  start: number;
  end: number;
}

export interface EndToken {
  kind: 'end';
  start: number;
  end: number;
}

export type Token = WordToken | OperatorToken | NewlineToken | EndToken;

/** What the parser does for the lexer: parse `$(…)` from `pos`, up to its `)`. */
export type SubParser = (source: string, pos: number, tolerant: boolean, closing?: boolean) => { body: Script; end: number; open: boolean };

const OPERATORS: readonly Operator[] = [
  '<<<',
  '<<-',
  '&>>',
  '&&',
  '||',
  ';;',
  '>>',
  '>|',
  '<>',
  '<&',
  '>&',
  '<<',
  '&>',
  '|',
  '&',
  ';',
  '(',
  ')',
  '<',
  '>',
];

const isBlank = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\v' || c === '\f';
/** Characters that end an unquoted word. */
const isDelimiter = (c: string | undefined) => c === undefined || isBlank(c) || c === '\n' || '|&;<>()'.includes(c);
/** ASCII that is neither a delimiter nor starts a quote, escape or expansion: the bulk of most words, looked up by code. */
const PLAIN = new Uint8Array(128);
for (let code = 33; code < 127; code++) PLAIN[code] = 1;
for (const c of '|&;<>()\'"\\$`') PLAIN[c.charCodeAt(0)] = 0;
const plainAt = (src: string, i: number) => {
  const code = src.charCodeAt(i);
  return code >= 128 || PLAIN[code] === 1;
};
const NAME_AT = /[A-Za-z_][A-Za-z0-9_]*/y;
const USER_AT = /[A-Za-z0-9._-]*/y;

interface PendingHeredoc {
  redirect: Extract<Redirect, { kind: 'heredoc' }>;
  strip: boolean;
}

export class Lexer implements Reader {
  pos: number;
  private peeked: Token | undefined;
  private readonly heredocs: PendingHeredoc[] = [];
  /** Tolerant mode: where an unclosed here-document was left open, if one was. */
  openHeredoc: string | undefined;

  constructor(
    readonly source: string,
    start: number,
    readonly tolerant: boolean,
    readonly subparse: SubParser,
  ) {
    this.pos = start;
  }

  /** The next token, without taking it. */
  peek(): Token {
    this.peeked ??= this.read();
    return this.peeked;
  }

  next(): Token {
    const token = this.peek();
    this.peeked = undefined;
    return token;
  }

  /** A here-document to read at the next newline (its redirect's `body` is filled in then). */
  addHeredoc(redirect: Extract<Redirect, { kind: 'heredoc' }>, strip: boolean): void {
    this.heredocs.push({ redirect, strip });
  }

  /** The word of a here-document still waiting for its newline (an error at the end of the text). */
  get pendingDelimiter(): string | undefined {
    return this.heredocs[0]?.redirect.delimiter;
  }

  fail(message: string, incomplete = false): never {
    throw new UsageError(message, { incomplete, offset: this.pos });
  }

  private read(): Token {
    const src = this.source;
    for (;;) {
      while (isBlank(src[this.pos])) this.pos++;
      if (src[this.pos] === '\\' && src[this.pos + 1] === '\n') {
        this.pos += 2;
        continue;
      }
      if (src[this.pos] === '#') {
        while (this.pos < src.length && src[this.pos] !== '\n') this.pos++;
        continue;
      }
      break;
    }
    const start = this.pos;
    const c = src[start];
    if (c === undefined) return { kind: 'end', start, end: start };
    if (c === '\n') {
      this.pos++;
      if (this.heredocs.length > 0) this.readHeredocs();
      return { kind: 'newline', start, end: start + 1 };
    }
    const op = this.operatorAt(start);
    if (op) return op;
    return this.readWord();
  }

  /** An operator at `i`, with a descriptor digit in front when one is written there (`2>`, but `a2>` is a word). */
  private operatorAt(i: number): OperatorToken | undefined {
    const src = this.source;
    let fd: number | undefined;
    let at = i;
    const digit = src[i];
    if (digit !== undefined && digit >= '0' && digit <= '9' && (src[i + 1] === '<' || src[i + 1] === '>')) {
      fd = Number(digit);
      at = i + 1;
    }
    const first = src.charCodeAt(at);
    // Not an operator character: a word starts here (most tokens).
    if (first < 128 && PLAIN[first] === 1) return undefined;
    for (const op of OPERATORS) {
      if (!src.startsWith(op, at)) continue;
      const isRedirect = op.includes('<') || op.includes('>');
      if (fd !== undefined && (!isRedirect || op.startsWith('&'))) return undefined;
      this.pos = at + op.length;
      const token: OperatorToken = { kind: 'op', value: op, raw: src.slice(i, this.pos), start: i, end: this.pos };
      if (fd !== undefined) token.fd = fd;
      return token;
    }
    return undefined;
  }

  /** A word: unquoted text up to a blank or an operator, with quotes, escapes and expansions inside. */
  private readWord(): WordToken {
    const src = this.source;
    const start = this.pos;
    // Most words are plain text: one scan, one part.
    if (src[start] !== '~') {
      let i = start;
      while (i < src.length && plainAt(src, i)) i++;
      if (i > start && isDelimiter(src[i])) {
        this.pos = i;
        const text = src.slice(start, i);
        return { kind: 'word', raw: text, value: text, start, end: i, parts: [{ kind: 'literal', text, quoted: 'none' }] };
      }
    }
    const word = new WordBuilder();
    let open = false;
    if (src[this.pos] === '~') this.readTilde(word, (c) => c === '/' || isDelimiter(c));
    while (!isDelimiter(src[this.pos])) {
      const ch = src[this.pos] as string;
      if (ch === "'") {
        const close = src.indexOf("'", this.pos + 1);
        if (close < 0) {
          if (!this.tolerant) this.fail("unbalanced quote: missing closing '", true);
          word.literal(src.slice(this.pos + 1), 'single');
          this.pos = src.length;
          open = true;
          break;
        }
        word.literal(src.slice(this.pos + 1, close), 'single');
        this.pos = close + 1;
      } else if (ch === '"') {
        if (!this.readDouble(word)) {
          open = true;
          break;
        }
      } else if (ch === '\\') {
        if (this.pos + 1 >= src.length) {
          if (!this.tolerant) this.fail('line ends with a lone backslash', true);
          this.pos++;
          open = true;
          break;
        }
        // A backslash-newline joins lines, as in sh.
        if (src[this.pos + 1] !== '\n') word.literal(src[this.pos + 1] as string, 'escaped');
        this.pos += 2;
      } else if (ch === '$' || ch === '`') {
        if (!this.readExpansion(word, 'none')) {
          open = true;
          break;
        }
      } else {
        const from = this.pos;
        while (!isDelimiter(src[this.pos]) && !'\'"\\$`'.includes(src[this.pos] as string)) this.pos++;
        word.literal(src.slice(from, this.pos), 'none');
      }
    }
    const token: WordToken = { kind: 'word', raw: src.slice(start, this.pos), value: word.value, start, end: this.pos, parts: word.parts };
    if (open) token.open = true;
    return token;
  }

  /** `~` or `~user` at the start of a word, when `ends(next)` says the name ends there; else nothing is read. */
  readTilde(word: WordBuilder, ends: (c: string | undefined) => boolean): void {
    USER_AT.lastIndex = this.pos + 1;
    const user = USER_AT.exec(this.source)?.[0] ?? '';
    const after = this.pos + 1 + user.length;
    if (!ends(this.source[after])) return;
    word.special({ kind: 'tilde', user }, `~${user}`);
    this.pos = after;
  }

  /** A double-quoted string at `pos` into `word`; false when it is not closed (tolerant mode). */
  readDouble(word: WordBuilder): boolean {
    const src = this.source;
    this.pos++;
    let text = '';
    let pieces = 0;
    const flush = () => {
      if (text === '') return;
      word.literal(text, 'double');
      text = '';
      pieces++;
    };
    while (this.pos < src.length) {
      const d = src[this.pos] as string;
      if (d === '"') {
        if (text !== '' || pieces === 0) word.literal(text, 'double');
        this.pos++;
        return true;
      }
      if (d === '\\') {
        const next = src[this.pos + 1];
        if (next === '"' || next === '\\' || next === '$' || next === '`') {
          text += next;
          this.pos += 2;
        } else if (next === '\n') this.pos += 2;
        else {
          text += d;
          this.pos++;
        }
      } else if (d === '$' || d === '`') {
        flush();
        const before = word.parts.length;
        if (!this.readExpansion(word, 'double')) return false;
        if (word.parts.length > before) pieces++;
      } else {
        text += d;
        this.pos++;
      }
    }
    flush();
    if (!this.tolerant) this.fail('unbalanced quote: missing closing "', true);
    return false;
  }

  /**
   * `$…` or `` `…` `` at `pos`: a parameter, `$(…)`, `$((…))`, `$'…'`, or a
   * plain `$`. False when it runs to the end of the text unclosed (tolerant mode).
   */
  readExpansion(word: WordBuilder, quoted: 'none' | 'double'): boolean {
    const src = this.source;
    const start = this.pos;
    if (src[start] === '`') return readBackquote(this, word, quoted);
    const next = src[start + 1];
    if (next === '(' && src[start + 2] === '(') {
      const end = arithmeticEnd(src, start + 3);
      if (end >= 0) {
        word.special({ kind: 'arith', expr: src.slice(start + 3, end - 2), start: start + 3, quoted }, src.slice(start, end));
        this.pos = end;
        return true;
      }
    }
    if (next === '(') {
      const sub = this.subparse(src, start + 2, this.tolerant);
      const close = sub.open ? src.length : sub.end - 1;
      word.special(
        { kind: 'subst', line: src.slice(start + 2, close), start: start + 2, quoted, body: sub.body },
        src.slice(start, sub.open ? src.length : sub.end),
      );
      this.pos = sub.open ? src.length : sub.end;
      return !sub.open;
    }
    if (next === '{') return readBraced(this, word, quoted);
    if (next === "'" && quoted === 'none') {
      const { text, end, closed } = ansiC(src, start + 2);
      if (!closed && !this.tolerant) this.fail("unbalanced quote: missing closing '", true);
      word.literal(text, 'single');
      this.pos = end;
      return closed;
    }
    if (next === '"' && quoted === 'none') {
      // $"…" (a translated string): as "…".
      this.pos++;
      return this.readDouble(word);
    }
    if (next !== undefined && '?#@*$!-'.includes(next)) {
      word.special({ kind: 'param', name: next, quoted }, src.slice(start, start + 2));
      this.pos = start + 2;
      return true;
    }
    if (next !== undefined && next >= '0' && next <= '9') {
      word.special({ kind: 'param', name: next, quoted }, src.slice(start, start + 2));
      this.pos = start + 2;
      return true;
    }
    NAME_AT.lastIndex = start + 1;
    const name = NAME_AT.exec(src)?.[0];
    if (name) {
      word.special({ kind: 'param', name, quoted }, `$${name}`);
      this.pos = start + 1 + name.length;
      return true;
    }
    if (quoted === 'double') word.literal('$', 'double');
    else word.literal('$', 'none');
    this.pos = start + 1;
    return true;
  }

  /** The bodies of the here-documents begun on the line just ended, each up to its delimiter line. */
  private readHeredocs(): void {
    const src = this.source;
    for (const pending of this.heredocs.splice(0)) {
      const { redirect, strip } = pending;
      const bodyStart = this.pos;
      let body = '';
      let bodyEnd = -1; // where the body's text ends in the source (its tabs included), before the delimiter line
      while (this.pos < src.length) {
        const newline = src.indexOf('\n', this.pos);
        const lineEnd = newline < 0 ? src.length : newline;
        let line = src.slice(this.pos, lineEnd);
        if (strip) line = line.replace(/^\t+/, '');
        const lineStart = this.pos;
        this.pos = newline < 0 ? src.length : newline + 1;
        if (line === redirect.delimiter || line === `${redirect.delimiter}\r`) {
          bodyEnd = lineStart;
          break;
        }
        body += `${line}\n`;
      }
      if (bodyEnd < 0) {
        if (!this.tolerant)
          this.fail(`here-document ${quote(redirect.delimiter)} is not closed (no line ${quote(redirect.delimiter)} before the end)`, true);
        this.openHeredoc = redirect.delimiter;
      }
      redirect.body = redirect.literal ? literalWord(body, bodyStart) : heredocWord(body, bodyStart, this.subparse, this.tolerant);
      redirect.body.end = bodyEnd < 0 ? src.length : bodyEnd;
    }
  }
}

/** An expanded here-document body: `$…`, `` `…` `` and `\$ \` \\ \⏎` work, quotes are plain characters. */
export function heredocWord(text: string, start: number, subparse: SubParser, tolerant: boolean): Word {
  const lexer = new Lexer(text, 0, tolerant, subparse);
  const word = new WordBuilder();
  let chunk = '';
  const flush = () => {
    if (chunk !== '') word.literal(chunk, 'double');
    chunk = '';
  };
  while (lexer.pos < text.length) {
    const c = text[lexer.pos] as string;
    if (c === '\\' && '$`\\\n'.includes(text[lexer.pos + 1] ?? '')) {
      if (text[lexer.pos + 1] !== '\n') chunk += text[lexer.pos + 1];
      lexer.pos += 2;
    } else if (c === '$' || c === '`') {
      flush();
      lexer.readExpansion(word, 'double');
    } else {
      chunk += c;
      lexer.pos++;
    }
  }
  flush();
  const parts = word.parts.map((p) => (p.kind === 'subst' || p.kind === 'arith' ? { ...p, start: p.start + start } : p));
  return { raw: text, value: word.value, start, end: start + text.length, parts };
}
