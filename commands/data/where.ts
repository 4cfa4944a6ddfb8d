/**
 * The little language of `where`: `COL OP VALUE` joined by `and`/`or`, `not`
 * and parentheses. A hand-written tokenizer and a recursive-descent parser
 * turn the words into a tree, which is then tested against each row. It is
 * data all the way: nothing is ever evaluated as code, and column names are
 * looked up as own properties only (`constructor`, `__proto__` are no columns).
 */

import { parseDuration, parseNumber, parseSize } from './units.ts';
import { at, checkColumns, isRecord, type Row, scalarText, splitPath, usage } from './values.ts';

type TokenKind = 'word' | 'string' | 'op' | '(' | ')' | '[' | ']' | ',';

interface Token {
  kind: TokenKind;
  text: string;
  /** 1-based column in the expression as shown (words joined by spaces). */
  at: number;
}

const KEYWORDS = new Set(['and', 'or', 'not']);
const OPERATORS = ['==', '!=', '<', '<=', '>', '>=', '=~', '!~', 'in'] as const;
type Operator = (typeof OPERATORS)[number];
const OPERATOR_LIST = OPERATORS.join(' ');
const OP_CHARS = '=!<>';
const PUNCTUATION = '()[],';

/** Tokens after which a condition starts (so a word there is read as one, not as a value). */
const startsCondition = (t: Token | undefined) => t === undefined || t.kind === '(' || (t.kind === 'word' && KEYWORDS.has(t.text));

/**
 * The words of `where` → tokens. One word is the whole expression
 * (`where 'age > 30'`); with several, a word that holds spaces where a value
 * goes is one value (`where name == 'Ada Lovelace'`, after the shell removed
 * the quotes), and elsewhere a condition of its own (`where 'a > 1' and 'b < 2'`).
 * The value after `=~`/`!~` is read up to a space (parentheses balanced), so
 * a regular expression needs no second quoting.
 */
export function tokenize(words: readonly string[]): Token[] {
  const tokens: Token[] = [];
  let offset = 1;
  for (const word of words) {
    const quotedWhole = /^(['"]).*\1$/s.test(word);
    const value = words.length > 1 && /\s/.test(word) && !quotedWhole && !startsCondition(tokens[tokens.length - 1]);
    if (value) tokens.push({ kind: 'string', text: word, at: offset });
    else scan(word, offset, tokens);
    offset += word.length + 1;
  }
  return tokens;
}

function scan(text: string, offset: number, tokens: Token[]): void {
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    const start = offset + i;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const previous = tokens[tokens.length - 1];
    const regexNext = previous?.kind === 'op' && (previous.text === '=~' || previous.text === '!~');
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== ch) {
        // Double quotes take \" and \\ as the shell's do; single quotes are literal.
        if (ch === '"' && text[j] === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) j++;
        value += text[j];
        j++;
      }
      if (j >= text.length) throw usage(`where: unclosed ${ch} at column ${start}`);
      tokens.push({ kind: 'string', text: value, at: start });
      i = j + 1;
      continue;
    }
    if (regexNext) {
      // A pattern: up to a space or a ')' that closes a parenthesis opened before it.
      let depth = 0;
      let j = i;
      for (; j < text.length; j++) {
        const c = text[j] as string;
        if (/\s/.test(c)) break;
        if (c === '\\') {
          j++;
          continue;
        }
        if (c === '(') depth++;
        else if (c === ')') {
          if (depth === 0) break;
          depth--;
        }
      }
      tokens.push({ kind: 'string', text: text.slice(i, j), at: start });
      i = j;
      continue;
    }
    if (PUNCTUATION.includes(ch)) {
      tokens.push({ kind: ch as TokenKind, text: ch, at: start });
      i++;
      continue;
    }
    if (OP_CHARS.includes(ch)) {
      let j = i;
      while (j < text.length && (OP_CHARS.includes(text[j] as string) || text[j] === '~')) j++;
      tokens.push({ kind: 'op', text: text.slice(i, j), at: start });
      i = j;
      continue;
    }
    let j = i;
    while (
      j < text.length &&
      !/\s/.test(text[j] as string) &&
      !PUNCTUATION.includes(text[j] as string) &&
      !OP_CHARS.includes(text[j] as string) &&
      text[j] !== "'" &&
      text[j] !== '"'
    )
      j++;
    tokens.push({ kind: 'word', text: text.slice(i, j), at: start });
    i = j;
  }
}

/** A value as written: its text, and what else it can stand for. */
export interface Literal {
  kind: 'word' | 'string' | 'number' | 'size' | 'duration' | 'boolean' | 'null';
  text: string;
  /** The number of a number, the bytes of a size, the milliseconds of a duration. */
  number?: number;
  boolean?: boolean;
}

/** Classify a bare word: `true`, `null`, `42`, `10kb`, `2h`, or just a word. Quoted text is always text. */
export function literalOf(token: Token): Literal {
  const text = token.text;
  if (token.kind === 'string') return { kind: 'string', text };
  if (text === 'true' || text === 'false') return { kind: 'boolean', text, boolean: text === 'true' };
  if (text === 'null') return { kind: 'null', text };
  const number = parseNumber(text);
  if (number !== undefined) return { kind: 'number', text, number };
  const size = parseSize(text);
  if (size !== undefined) return { kind: 'size', text, number: size };
  const duration = parseDuration(text);
  if (duration !== undefined) return { kind: 'duration', text, number: duration };
  return { kind: 'word', text };
}

/** The parsed expression. `and`/`or` hold their terms in a list, so a long chain is not a deep tree. */
export type Expr =
  | { kind: 'and' | 'or'; items: Expr[] }
  | { kind: 'not'; item: Expr }
  | { kind: 'truthy'; column: string; path: string[] }
  | { kind: 'compare'; column: string; path: string[]; op: Operator; value: Literal; values: Literal[]; regex?: RegExp };

/** Parse the words of `where` into an expression; a usage error (status 2) says what is wrong and where. */
export function parseWhere(words: readonly string[]): Expr {
  const tokens = tokenize(words);
  let i = 0;
  const peek = () => tokens[i];
  const isWord = (t: Token | undefined, text: string) => t?.kind === 'word' && t.text === text;
  const where = (t: Token | undefined) => (t ? `'${t.text}' at column ${t.at}` : 'the end');

  const parseOr = (): Expr => {
    const items = [parseAnd()];
    while (isWord(peek(), 'or')) {
      i++;
      items.push(parseAnd());
    }
    return items.length === 1 ? (items[0] as Expr) : { kind: 'or', items };
  };
  const parseAnd = (): Expr => {
    const items = [parseNot()];
    while (isWord(peek(), 'and')) {
      i++;
      items.push(parseNot());
    }
    return items.length === 1 ? (items[0] as Expr) : { kind: 'and', items };
  };
  const parseNot = (): Expr => {
    let negations = 0;
    while (isWord(peek(), 'not')) {
      i++;
      negations++;
    }
    let expr = parsePrimary();
    for (; negations > 0; negations--) expr = { kind: 'not', item: expr };
    return expr;
  };
  const parseValue = (after: string): Literal => {
    const t = peek();
    if (!t || (t.kind !== 'word' && t.kind !== 'string') || (t.kind === 'word' && KEYWORDS.has(t.text)))
      throw usage(`where: expected a value after '${after}', found ${where(t)}`);
    i++;
    return literalOf(t);
  };
  const parseList = (): Literal[] => {
    const values: Literal[] = [];
    if (peek()?.kind === '[') {
      i++;
      if (peek()?.kind === ']') {
        i++;
        return values;
      }
      values.push(parseValue('['));
      while (peek()?.kind === ',') {
        i++;
        values.push(parseValue(','));
      }
      if (peek()?.kind !== ']') throw usage(`where: expected ',' or ']' in the list, found ${where(peek())}`);
      i++;
      return values;
    }
    values.push(parseValue('in'));
    while (peek()?.kind === ',') {
      i++;
      values.push(parseValue(','));
    }
    return values;
  };
  const parsePrimary = (): Expr => {
    const t = peek();
    if (t?.kind === '(') {
      i++;
      const inner = parseOr();
      if (peek()?.kind !== ')') throw usage(`where: expected ')' to close the '(' at column ${t.at}, found ${where(peek())}`);
      i++;
      return inner;
    }
    if (!t || (t.kind !== 'word' && t.kind !== 'string') || (t.kind === 'word' && KEYWORDS.has(t.text)))
      throw usage(`where: expected a column name, found ${where(t)}`);
    i++;
    const column = t.text;
    const path = splitPath(column);
    const next = peek();
    // `where active` alone: the rows whose column is true (or any value but false, null, 0 and '').
    if (!next || next.kind === ')' || isWord(next, 'and') || isWord(next, 'or')) return { kind: 'truthy', column, path };
    let op: Operator;
    if (next.kind === 'op') {
      if (!(OPERATORS as readonly string[]).includes(next.text)) {
        const hint =
          next.text === '='
            ? " (did you mean '=='?)"
            : next.text === '=>' || next.text === '=<'
              ? ` (did you mean '${next.text[1]}='?)`
              : '';
        throw usage(`where: unknown operator '${next.text}' at column ${next.at}${hint}; use one of ${OPERATOR_LIST}`);
      }
      op = next.text as Operator;
    } else if (isWord(next, 'in')) op = 'in';
    else throw usage(`where: expected an operator after '${column}', found ${where(next)}; use one of ${OPERATOR_LIST}`);
    i++;
    if (op === 'in') {
      const values = parseList();
      return { kind: 'compare', column, path, op, value: values[0] ?? { kind: 'null', text: 'null' }, values };
    }
    const value = parseValue(op);
    const compare: Expr = { kind: 'compare', column, path, op, value, values: [value] };
    if (op === '=~' || op === '!~') {
      try {
        compare.regex = new RegExp(value.text);
      } catch (error) {
        throw usage(
          `where: bad regular expression '${value.text}': ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`,
        );
      }
    }
    return compare;
  };

  if (tokens.length === 0) throw usage('where: expected an expression such as: age > 30');
  const expr = parseOr();
  if (i < tokens.length) {
    const t = tokens[i] as Token;
    throw usage(
      `where: unexpected ${where(t)}${t.kind === 'word' ? " (join conditions with 'and' or 'or'; quote a value with spaces)" : ''}`,
    );
  }
  return expr;
}

/** Every column path the expression names, for checking against the first row. */
function columnsOf(expr: Expr, out: string[] = []): string[] {
  const pending: Expr[] = [expr];
  for (let e = pending.pop(); e !== undefined; e = pending.pop()) {
    if ('items' in e) for (const item of e.items) pending.push(item);
    else if (e.kind === 'not') pending.push(e.item);
    else if (!out.includes(e.column)) out.push(e.column);
  }
  return out;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const describeLiteral: Record<Literal['kind'], string> = {
  word: 'text',
  string: 'text',
  number: 'a number',
  size: 'a size',
  duration: 'a duration',
  boolean: 'a boolean',
  null: 'null',
};

function typeName(value: unknown): string {
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number' || typeof value === 'bigint') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  if (value instanceof Date) return 'a date';
  if (Array.isArray(value)) return 'a list';
  return isRecord(value) ? 'a record' : typeof value;
}

function mismatch(column: string, value: unknown, literal: Literal, op: string): never {
  throw usage(
    `where: '${column}' is ${typeName(value)}, but '${literal.text}' is ${describeLiteral[literal.kind]}: cannot compare them with ${op}`,
  );
}

function order(a: number | string, b: number | string, op: Operator): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default:
      return false;
  }
}

/** Compare one cell with one literal; a usage error when their types cannot be compared. */
function compareOne(column: string, value: unknown, op: Operator, literal: Literal, now: number): boolean {
  if (value === undefined || value === null) {
    if (literal.kind === 'null') return op === '==' ? true : op === '!=' ? false : mismatch(column, null, literal, op);
    // A missing or null cell matches nothing but `!=`.
    return op === '!=';
  }
  if (literal.kind === 'null') return op === '==' ? false : op === '!=' ? true : mismatch(column, value, literal, op);
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (literal.kind !== 'number' && literal.kind !== 'size') mismatch(column, value, literal, op);
    return order(Number(value), literal.number as number, op);
  }
  if (typeof value === 'boolean') {
    if (literal.kind !== 'boolean') mismatch(column, value, literal, op);
    if (op !== '==' && op !== '!=') throw usage(`where: '${column}' is a boolean: compare it with == or !=, not ${op}`);
    return op === '==' ? value === literal.boolean : value !== literal.boolean;
  }
  if (value instanceof Date || (literal.kind === 'duration' && typeof value === 'string' && ISO_DATE.test(value))) {
    const time = value instanceof Date ? value.getTime() : Date.parse(value);
    // `modified > 2h`: later than two hours ago, that is within the last two hours.
    if (literal.kind === 'duration') return order(time, now - (literal.number as number), op);
    const other = literal.kind === 'string' || literal.kind === 'word' || literal.kind === 'number' ? Date.parse(literal.text) : Number.NaN;
    if (Number.isNaN(other)) mismatch(column, value, literal, op);
    return order(time, other, op);
  }
  if (typeof value === 'string') {
    const ordering = op !== '==' && op !== '!=';
    if (ordering && (literal.kind === 'size' || literal.kind === 'duration' || literal.kind === 'boolean'))
      mismatch(column, value, literal, op);
    return order(value, literal.text, op);
  }
  return mismatch(column, value, literal, op);
}

function test(expr: Expr, row: Row, now: number): boolean {
  switch (expr.kind) {
    case 'and':
      return expr.items.every((item) => test(item, row, now));
    case 'or':
      return expr.items.some((item) => test(item, row, now));
    case 'not':
      return !test(expr.item, row, now);
    case 'truthy': {
      const value = at(row, expr.path);
      return !(value === undefined || value === null || value === false || value === 0 || value === '');
    }
    case 'compare': {
      const value = at(row, expr.path);
      if (expr.regex) {
        const matched = value !== undefined && value !== null && expr.regex.test(scalarText(value));
        return expr.op === '=~' ? matched : !matched;
      }
      if (expr.op === 'in') return expr.values.some((literal) => compareOne(expr.column, value, '==', literal, now));
      return compareOne(expr.column, value, expr.op, expr.value, now);
    }
  }
}

/** The rows the expression holds for, in their order. Columns are checked against the first row. */
export function filterRows(rows: readonly Row[], expr: Expr, now = Date.now()): Row[] {
  checkColumns('where', rows, columnsOf(expr));
  const kept: Row[] = [];
  for (const row of rows) if (test(expr, row, now)) kept.push(row);
  return kept;
}
