/**
 * The one parser: source text → the tree of `ast.ts`, after POSIX's grammar
 * (XCU 2.10): lists, and-or lists, pipelines, simple and compound commands,
 * function definitions, redirects and here-documents, with tosh's `^name`.
 * The runner, continuation lines, highlighting and completion all read it.
 * A syntax error is a `UsageError` (status 2); one that only needs more text
 * (an open `if`, a trailing `|`, an unclosed quote) is `incomplete`.
 */
import { quote, UsageError } from '../base/errors.ts';
import { argumentOf, assignmentOf } from './assignments.ts';
import type { AndOr, Command, FunctionDefinition, Pipeline, Redirect, Script, SimpleCommand, Word } from './ast.ts';
import { caseCommand, forCommand, functionBody, functionKeyword, group, ifCommand, loop, subshell } from './compound.ts';
import { Lexer, type OperatorToken, type Token } from './lexer.ts';

export type * from './ast.ts';

/** Reserved words that end a list (they close what opened it). */
const CLOSERS = new Set(['then', 'else', 'elif', 'fi', 'do', 'done', 'esac', '}']);
/** What a construct needs to be closed, for the message at the end of the text. */
const NEEDS = new Map<string, string>([
  ['if', 'fi'],
  ['while', 'done'],
  ['until', 'done'],
  ['for', 'done'],
  ['case', 'esac'],
  ['{', '}'],
  ['(', ')'],
]);

const isWord = (token: Token, text: string): boolean => token.kind === 'word' && token.raw === text;
const isOp = (token: Token, value: string): boolean => token.kind === 'op' && token.value === value;
const tokenText = (token: Token): string =>
  token.kind === 'word' ? token.raw : token.kind === 'op' ? token.raw : token.kind === 'newline' ? 'newline' : 'end of input';

class Parser {
  readonly lexer: Lexer;
  /** Constructs open around the current position (for the message when the text ends inside one). */
  readonly open: string[] = [];
  lastEnd = 0;

  constructor(
    readonly source: string,
    start: number,
    private readonly tolerant: boolean,
  ) {
    this.lexer = new Lexer(source, start, tolerant, subparse);
  }

  peek(): Token {
    return this.lexer.peek();
  }

  next(): Token {
    return this.lexer.next();
  }

  /** A syntax error at `token`: incomplete when the text ended there. */
  fail(token: Token, message?: string): never {
    if (token.kind === 'end') {
      const inside = this.open.at(-1);
      const text =
        message ?? (inside ? `${quote(inside)} is not closed (missing ${quote(NEEDS.get(inside) ?? inside)})` : 'unexpected end of input');
      throw new UsageError(`syntax error: ${text}`, { incomplete: true, offset: token.start });
    }
    throw new UsageError(message ? `syntax error: ${message}` : `syntax error near unexpected token ${quote(tokenText(token))}`, {
      offset: token.start,
    });
  }

  skipNewlines(): void {
    while (this.peek().kind === 'newline') this.next();
  }

  /** A list up to `stops` (reserved words in command position, or an operator such as `)` or `;;`), or the end. */
  list(stop: (token: Token) => boolean): Script {
    this.skipNewlines();
    const start = this.peek().start;
    const items: AndOr[] = [];
    for (;;) {
      const token = this.peek();
      if (token.kind === 'end' || stop(token)) break;
      const item = this.andOr();
      items.push(item);
      const sep = this.peek();
      if (isOp(sep, ';') || isOp(sep, '&')) {
        this.next();
        item.background = (sep as OperatorToken).value === '&';
        item.end = sep.end;
      } else if (sep.kind === 'newline') this.next();
      else if (!(sep.kind === 'end' || stop(sep))) this.fail(sep);
      this.skipNewlines();
    }
    const end = items.at(-1)?.end ?? start;
    return { items, start, end };
  }

  private andOr(): AndOr {
    const first = this.pipeline();
    const rest: AndOr['rest'] = [];
    for (;;) {
      const token = this.peek() as OperatorToken;
      if (!isOp(token, '&&') && !isOp(token, '||')) break;
      this.next();
      this.skipNewlines();
      const after = this.peek();
      if (after.kind === 'end') this.fail(after, `${quote(token.value)} needs a command after it`);
      if (this.endsCommand(after)) this.fail(after, `${quote(token.value)} needs a command after it`);
      rest.push({ op: token.value as '&&' | '||', pipeline: this.pipeline() });
    }
    const last = rest.at(-1)?.pipeline ?? first;
    return { first, rest, background: false, start: first.start, end: last.end };
  }

  /** A token that cannot start a command here. */
  private endsCommand(token: Token): boolean {
    return (
      (token.kind === 'op' && ['|', '||', '&&', ';', '&', ';;', ')'].includes(token.value)) ||
      (token.kind === 'word' && CLOSERS.has(token.raw))
    );
  }

  private pipeline(): Pipeline {
    let token = this.peek();
    const start = token.start;
    let bang = false;
    if (isWord(token, '!')) {
      this.next();
      bang = true;
      token = this.peek();
    }
    const commands: Command[] = [this.command()];
    for (;;) {
      const op = this.peek();
      if (!isOp(op, '|')) break;
      this.next();
      this.skipNewlines();
      const after = this.peek();
      if (after.kind === 'end' || this.endsCommand(after)) this.fail(after, `${quote('|')} needs a command after it`);
      commands.push(this.command());
    }
    return { bang, commands, start, end: (commands.at(-1) as Command).end };
  }

  command(): Command {
    const token = this.peek();
    if (token.kind === 'word') {
      switch (token.raw) {
        case 'if':
          return this.withRedirects(ifCommand(this));
        case 'while':
        case 'until':
          return this.withRedirects(loop(this, token.raw));
        case 'for':
          return this.withRedirects(forCommand(this));
        case 'case':
          return this.withRedirects(caseCommand(this));
        case '{':
          return this.withRedirects(group(this));
        case 'function':
          return functionKeyword(this);
      }
      if (CLOSERS.has(token.raw) || token.raw === 'in' || token.raw === '!') this.fail(token);
    }
    if (isOp(token, '(')) return this.withRedirects(subshell(this));
    if (token.kind === 'op' && !isRedirectOp(token)) {
      if (token.value === '|' || token.value === '&&' || token.value === '||')
        this.fail(token, `${quote(token.value)} needs a command before it`);
      this.fail(token);
    }
    if (token.kind !== 'word' && token.kind !== 'op') this.fail(token);
    return this.simple();
  }

  private simple(): SimpleCommand | FunctionDefinition {
    const start = this.peek().start;
    const command: SimpleCommand = { kind: 'simple', words: [], assignments: [], redirects: [], external: false, start, end: start };
    for (;;) {
      const token = this.peek();
      if (token.kind === 'word') {
        this.next();
        const assignment = command.words.length === 0 ? assignmentOf(token) : undefined;
        if (assignment) command.assignments.push(assignment);
        else command.words.push(argumentOf(token));
        command.end = token.end;
        // `name() { …; }`: a function definition.
        if (command.words.length === 1 && command.assignments.length === 0 && command.redirects.length === 0 && isOp(this.peek(), '('))
          return functionBody(this, token, start);
        continue;
      }
      if (token.kind === 'op' && isRedirectOp(token)) {
        const redirect = this.redirect();
        command.redirects.push(redirect);
        command.end = redirect.end;
        continue;
      }
      break;
    }
    // Redirects alone (`> file`) are a command too: the files are opened (and emptied), as in sh.
    if (command.words.length === 0 && command.assignments.length === 0 && command.redirects.length === 0) this.fail(this.peek());
    return external(command);
  }

  private redirect(): Redirect {
    const op = this.next() as OperatorToken;
    const target = this.peek();
    if (target.kind !== 'word') this.fail(target, `${quote(op.raw)} needs a file name after it`);
    this.next();
    const start = op.start;
    const end = target.end;
    const value = op.value;
    const word: Word = { raw: target.raw, value: target.value, start: target.start, end: target.end, parts: target.parts };
    if (value === '<<' || value === '<<-') {
      const literal = target.parts.some((p) => p.kind === 'literal' && p.quoted !== 'none');
      const redirect: Extract<Redirect, { kind: 'heredoc' }> = {
        kind: 'heredoc',
        fd: op.fd ?? 0,
        body: { raw: '', value: '', start: end, end, parts: [] },
        literal,
        delimiter: target.value,
        op: op.raw,
        start,
        end,
      };
      this.lexer.addHeredoc(redirect, value === '<<-');
      return redirect;
    }
    if (value === '<<<') return { kind: 'heredoc', fd: op.fd ?? 0, body: word, literal: false, delimiter: '', op: op.raw, start, end };
    if (value === '<&' || value === '>&')
      return { kind: 'dup', fd: op.fd ?? (value === '<&' ? 0 : 1), target: word, op: op.raw, start, end };
    if (value === '<' || value === '<>')
      return { kind: value === '<' ? 'read' : 'readwrite', fd: op.fd ?? 0, target: word, op: op.raw, start, end };
    if (value === '&>' || value === '&>>')
      return { kind: value === '&>' ? 'write' : 'append', fd: 1, both: true, target: word, op: op.raw, start, end };
    return { kind: value === '>>' ? 'append' : 'write', fd: op.fd ?? 1, target: word, op: op.raw, start, end };
  }

  /** Redirects after a compound command apply to all of it. */
  private withRedirects<T extends Exclude<Command, SimpleCommand | FunctionDefinition>>(command: T): T {
    for (;;) {
      const token = this.peek();
      if (token.kind !== 'op' || !isRedirectOp(token)) return command;
      const redirect = this.redirect();
      command.redirects.push(redirect);
      command.end = redirect.end;
    }
  }

  /** The whole text as a script; `closing` is `)` for the inside of `$(…)`. */
  script(closing?: ')'): Script {
    const body = this.list((t) => closing !== undefined && isOp(t, ')'));
    const token = this.peek();
    if (token.kind !== 'end' && !(closing && isOp(token, ')'))) this.fail(token);
    const open = this.lexer.pendingDelimiter;
    if (open !== undefined && !this.tolerant) {
      throw new UsageError(`here-document ${quote(open)} is not closed (no line ${quote(open)} before the end)`, {
        incomplete: true,
        offset: this.source.length,
      });
    }
    return body;
  }
}

function isRedirectOp(token: OperatorToken): boolean {
  return token.value.includes('<') || token.value.includes('>');
}

/** Takes the `^` off a forced program name. */
function external(command: SimpleCommand): SimpleCommand {
  const first = command.words[0];
  const head = first?.parts[0];
  if (first && head?.kind === 'literal' && head.quoted === 'none' && head.text.startsWith('^')) {
    const parts = first.parts.slice(1);
    if (head.text.length > 1) parts.unshift({ ...head, text: head.text.slice(1) });
    if (parts.length === 0) throw new UsageError(`syntax error: ${quote('^')} needs a program name after it`, { offset: first.start });
    command.words[0] = { raw: first.raw.slice(1), value: first.value.slice(1), start: first.start + 1, end: first.end, parts };
    command.external = true;
  }
  return command;
}

/** The lexer's way into the parser for `$(…)`: a script up to its `)`. */
export function subparse(source: string, pos: number, tolerant: boolean, closing = true): { body: Script; end: number; open: boolean } {
  const parser = new Parser(source, pos, tolerant);
  if (!closing) {
    // A backquoted line is a whole script of its own.
    try {
      return { body: parser.script(), end: source.length, open: false };
    } catch (error) {
      if (tolerant) return { body: { items: [], start: 0, end: source.length }, end: source.length, open: false };
      throw error;
    }
  }
  try {
    const body = parser.script(')');
    const close = parser.lexer.next();
    if (close.kind === 'end') {
      if (!tolerant) throw new UsageError("unbalanced '$(': missing closing ')'", { incomplete: true });
      return { body, end: source.length, open: true };
    }
    return { body, end: close.end, open: false };
  } catch (error) {
    if (tolerant) {
      const end = parenEnd(source, pos);
      return { body: { items: [], start: pos, end: end < 0 ? source.length : end }, end: end < 0 ? source.length : end, open: end < 0 };
    }
    if (error instanceof UsageError && error.incomplete && !error.message.startsWith('unbalanced')) {
      throw new UsageError("unbalanced '$(': missing closing ')'", { incomplete: true });
    }
    throw error;
  }
}

/**
 * Where a `$(` region ends when its inside does not parse (tolerant mode
 * only): just past the `)` that balances it, quotes skipped, or -1.
 */
function parenEnd(source: string, from: number): number {
  let depth = 1;
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (c === "'") {
      const close = source.indexOf("'", i + 1);
      if (close < 0) return -1;
      i = close;
    } else if (c === '"') {
      for (i++; i < source.length && source[i] !== '"'; i++) if (source[i] === '\\') i++;
      if (i >= source.length) return -1;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

/** Parse a line or a whole script. Throws `UsageError` for a bad one (`incomplete` when it only needs more text). */
export function parse(source: string): Script {
  return new Parser(source, 0, false).script();
}

/** True when the text, as typed so far, wants a continuation line (an open construct or quote, a trailing `|`, `&&`, `||`, `\`). */
export function isIncomplete(source: string): boolean {
  try {
    parse(source);
    return false;
  } catch (error) {
    return error instanceof UsageError && error.incomplete;
  }
}

/** The 1-based line of `offset` in `source`. */
export function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let i = source.indexOf('\n'); i >= 0 && i < offset; i = source.indexOf('\n', i + 1)) line++;
  return line;
}
