/**
 * The compound commands of the grammar (XCU 2.9.4) and function definitions:
 * `if`, `while`/`until`, `for`, `case`, `{ }`, `( )`, `name() …`. The core of
 * the parser (parser.ts) calls these with itself.
 */
import { quote, UsageError } from '../base/errors.ts';
import { argumentOf } from './assignments.ts';
import type { CaseCommand, Command, ForCommand, FunctionDefinition, GroupCommand, IfCommand, LoopCommand, Script, Word } from './ast.ts';
import type { Token, WordToken } from './lexer.ts';

/** What the compound commands need of the parser's core. */
export interface Core {
  readonly source: string;
  /** Constructs open around the current position. */
  readonly open: string[];
  lastEnd: number;
  peek(): Token;
  next(): Token;
  fail(token: Token, message?: string): never;
  skipNewlines(): void;
  list(stop: (token: Token) => boolean): Script;
  command(): Command;
}

/** Words that mean something in command position (the parser's keywords; `type` names them). */
export const RESERVED: ReadonlySet<string> = new Set([
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'do',
  'done',
  'case',
  'esac',
  'while',
  'until',
  'for',
  'in',
  '{',
  '}',
  '!',
  'function',
]);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const isWord = (token: Token, text: string): boolean => token.kind === 'word' && token.raw === text;
const isOp = (token: Token, value: string): boolean => token.kind === 'op' && token.value === value;
const tokenText = (token: Token): string =>
  token.kind === 'word' ? token.raw : token.kind === 'op' ? token.raw : token.kind === 'newline' ? 'newline' : 'end of input';

/** A list inside a construct, which `stops` close. */
export function inside(p: Core, opened: string, stops: string[]): Script {
  p.open.push(opened);
  const body = p.list((t) => t.kind === 'word' && stops.includes(t.raw));
  // An empty body is a syntax error; at the end of the text it says what is still open.
  if (body.items.length === 0) p.fail(p.peek());
  p.open.pop();
  return body;
}

export function ifCommand(p: Core): IfCommand {
  const start = p.next().start;
  const clauses: IfCommand['clauses'] = [];
  let otherwise: Script | undefined;
  for (;;) {
    const condition = inside(p, 'if', ['then']);
    expectOrFail(p, 'then', 'if');
    const body = inside(p, 'if', ['elif', 'else', 'fi']);
    clauses.push({ condition, body });
    const token = p.next();
    if (isWord(token, 'elif')) continue;
    if (isWord(token, 'else')) {
      otherwise = inside(p, 'if', ['fi']);
      expectOrFail(p, 'fi', 'if');
    } else if (!isWord(token, 'fi')) {
      p.open.push('if');
      p.fail(token);
    }
    const end = isWord(token, 'fi') ? token.end : p.lastEnd;
    const node: IfCommand = { kind: 'if', clauses, redirects: [], start, end };
    if (otherwise) node.otherwise = otherwise;
    return node;
  }
}

/** The next token must be `word` (a list just ended there), else the construct `opened` is not closed. */
export function expectOrFail(p: Core, word: string, opened: string): WordToken {
  const token = p.next();
  if (isWord(token, word)) {
    p.lastEnd = token.end;
    return token as WordToken;
  }
  p.open.push(opened);
  return p.fail(token);
}

export function loop(p: Core, kind: 'while' | 'until'): LoopCommand {
  const start = p.next().start;
  const condition = inside(p, kind, ['do']);
  expectOrFail(p, 'do', kind);
  const body = inside(p, kind, ['done']);
  const done = expectOrFail(p, 'done', kind);
  return { kind, condition, body, redirects: [], start, end: done.end };
}

export function forCommand(p: Core): ForCommand {
  const start = p.next().start;
  const nameToken = p.next();
  if (nameToken.kind !== 'word' || !NAME.test(nameToken.raw)) {
    p.open.push('for');
    p.fail(nameToken, nameToken.kind === 'end' ? undefined : `${quote(tokenText(nameToken))} is not a valid name for a for loop`);
  }
  let words: Word[] | undefined;
  p.skipNewlines();
  if (isWord(p.peek(), 'in')) {
    p.next();
    words = [];
    for (;;) {
      const token = p.peek();
      if (token.kind !== 'word') break;
      p.next();
      words.push(argumentOf(token));
    }
    const sep = p.peek();
    if (isOp(sep, ';') || sep.kind === 'newline') p.next();
    else if (sep.kind === 'end') {
      p.open.push('for');
      p.fail(sep);
    } else p.fail(sep);
  } else if (isOp(p.peek(), ';')) p.next();
  p.skipNewlines();
  expectOrFail(p, 'do', 'for');
  const body = inside(p, 'for', ['done']);
  const done = expectOrFail(p, 'done', 'for');
  return { kind: 'for', name: nameToken.raw, words, body, redirects: [], start, end: done.end };
}

export function caseCommand(p: Core): CaseCommand {
  const start = p.next().start;
  p.open.push('case');
  const subject = p.next();
  if (subject.kind !== 'word') p.fail(subject);
  p.skipNewlines();
  const inWord = p.next();
  if (!isWord(inWord, 'in')) p.fail(inWord, inWord.kind === 'end' ? undefined : `expected 'in', found ${quote(tokenText(inWord))}`);
  const items: CaseCommand['items'] = [];
  for (;;) {
    p.skipNewlines();
    let token = p.peek();
    if (isWord(token, 'esac')) break;
    if (token.kind === 'end') p.fail(token);
    const itemStart = token.start;
    if (isOp(token, '(')) {
      p.next();
      token = p.peek();
    }
    const patterns: Word[] = [];
    for (;;) {
      const pattern = p.next();
      if (pattern.kind !== 'word') p.fail(pattern);
      patterns.push({ raw: pattern.raw, value: pattern.value, start: pattern.start, end: pattern.end, parts: pattern.parts });
      const sep = p.next();
      if (isOp(sep, ')')) break;
      if (!isOp(sep, '|')) p.fail(sep);
    }
    const body = p.list((t) => isOp(t, ';;') || isWord(t, 'esac'));
    const end = p.peek();
    items.push({ patterns, body, start: itemStart, end: end.start });
    if (isOp(end, ';;')) {
      p.next();
      continue;
    }
    if (!isWord(end, 'esac')) p.fail(end);
  }
  const esac = p.next();
  p.open.pop();
  return {
    kind: 'case',
    word: { raw: subject.raw, value: subject.value, start: subject.start, end: subject.end, parts: subject.parts },
    items,
    redirects: [],
    start,
    end: esac.end,
  };
}

export function group(p: Core): GroupCommand {
  const start = p.next().start;
  const body = inside(p, '{', ['}']);
  const close = expectOrFail(p, '}', '{');
  return { kind: 'group', body, redirects: [], start, end: close.end } as GroupCommand;
}

export function subshell(p: Core): GroupCommand {
  const start = p.next().start;
  p.open.push('(');
  const body = p.list((t) => isOp(t, ')'));
  if (body.items.length === 0) p.fail(p.peek());
  const close = p.next();
  if (!isOp(close, ')')) p.fail(close);
  p.open.pop();
  return { kind: 'subshell', body, redirects: [], start, end: close.end } as GroupCommand;
}

/** `NAME ( ) BODY` once `NAME` has been read. */
export function functionBody(p: Core, name: WordToken, start: number): FunctionDefinition {
  p.next(); // (
  const close = p.next();
  // `echo (` is not an unfinished definition: as in bash, the line's end is the unexpected token.
  if (close.kind === 'end') throw new UsageError("syntax error near unexpected token 'newline'", { offset: close.start });
  if (!isOp(close, ')')) p.fail(close);
  return definition(p, name, start);
}

/** `function NAME [()] BODY`. */
export function functionKeyword(p: Core): FunctionDefinition {
  const start = p.next().start;
  const name = p.next();
  if (name.kind !== 'word') p.fail(name);
  if (isOp(p.peek(), '(')) {
    p.next();
    const close = p.next();
    if (!isOp(close, ')')) p.fail(close);
  }
  return definition(p, name, start);
}

export function definition(p: Core, name: WordToken, start: number): FunctionDefinition {
  if (!/^[^\s'"\\|;&<>()$`=]+$/.test(name.raw) || RESERVED.has(name.raw)) p.fail(name, `${quote(name.raw)} is not a valid function name`);
  p.skipNewlines();
  const token = p.peek();
  if (token.kind === 'end') {
    p.open.push('{');
    p.fail(token);
  }
  const body = p.command();
  if (body.kind === 'simple' || body.kind === 'function')
    p.fail(token, `the body of function ${quote(name.raw)} must be a compound command such as { …; }`);
  return { kind: 'function', name: name.raw, body, source: p.source.slice(start, body.end), start, end: body.end };
}
