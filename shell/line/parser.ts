import { quote, UsageError } from '../base/errors.ts';
import { lex, type Operator, type RedirectOperator, type Token, type Word, type WordPart } from './lexer.ts';

/** `NAME=value` before a command's first word (`FOO=1 cmd`), or alone (`FOO=1`). */
export interface Assignment {
  name: string;
  /** The text after `=`; a `~` at its start or after `:` is the home directory, as in sh. */
  value: Word;
  /** Where the whole `NAME=value` word is. */
  start: number;
  end: number;
}

/**
 * One redirect of a command, in the order written (`cmd 2>&1 > f` differs
 * from `cmd > f 2>&1`, as in sh). `op` is the operator as typed; `start` and
 * `end` cover the operator and its target.
 */
export type Redirect =
  /** `< FILE`: standard input from FILE. */
  | { kind: 'read'; fd: 0; target: Word; op: RedirectOperator; start: number; end: number }
  /** `> FILE` / `2> FILE` (replace), `>> FILE` / `2>> FILE` (append). */
  | { kind: 'write' | 'append'; fd: 1 | 2; target: Word; op: RedirectOperator; start: number; end: number }
  /** `2>&1` (fd 2 becomes what fd 1 is now), `>&2`. */
  | { kind: 'dup'; fd: 1 | 2; target: 1 | 2; op: RedirectOperator; start: number; end: number };

/** One command of a pipeline. */
export interface CommandNode {
  /**
   * The command's words, its name first; empty when the command is only
   * assignments. A word written like an assignment (`export P=~/bin:~/lib`)
   * has its `~`s after `=` and `:` as `tilde` parts, as in bash.
   */
  words: Word[];
  assignments: Assignment[];
  redirects: Redirect[];
  /** Written `^name`: run the external program `name` even if a plugin owns the word (the `^` is not in `words`). */
  external: boolean;
}

/** Commands joined by `|`: each one's value is the next one's input. */
export interface PipelineNode {
  commands: CommandNode[];
}

/** How a pipeline is joined to the one before it. */
export type Connector = ';' | '&&' | '||';

/** A whole line: pipelines joined by `;`, `&&` and `||`, run left to right. */
export interface LineNode {
  items: { connector: Connector; pipeline: PipelineNode }[];
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;

/**
 * Parse a line into its pipelines. Throws `UsageError` for a bad line; a line
 * that only needs more text (`a |`, `a &&`, an open quote or `$(`) is `incomplete`.
 * The text inside every `$(…)` is checked the same way.
 */
export function parse(line: string): LineNode {
  return parseTokens(lex(line));
}

export function parseTokens(tokens: Token[]): LineNode {
  const items: LineNode['items'] = [];
  let connector: Connector = ';';
  let pipeline: CommandNode[] = [];
  let current: CommandNode | undefined;
  let pendingOp: string | undefined;

  const endCommand = () => {
    if (current) pipeline.push(finish(current));
    current = undefined;
  };
  const endPipeline = (op: Connector) => {
    endCommand();
    if (pipeline.length > 0) items.push({ connector, pipeline: { commands: pipeline } });
    pipeline = [];
    connector = op;
  };

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.kind === 'word') {
      current ??= { words: [], assignments: [], redirects: [], external: false };
      const assignment = current.words.length === 0 ? assignmentOf(token) : undefined;
      if (assignment) current.assignments.push(assignment);
      else current.words.push(argumentOf(token));
      pendingOp = undefined;
      continue;
    }
    const op = token.value;
    if (isRedirect(op)) {
      current ??= { words: [], assignments: [], redirects: [], external: false };
      const redirect = redirectOf(op, token.start, tokens[i + 1]);
      if (redirect.kind !== 'dup') i++;
      current.redirects.push(redirect);
      pendingOp = undefined;
      continue;
    }
    if (op === ';') {
      if (!current)
        throw new UsageError(pendingOp ? `syntax error: ${quote(pendingOp)} needs a command after it` : `syntax error near ${quote(';')}`);
      endPipeline(';');
      pendingOp = undefined;
      continue;
    }
    if (!current) throw new UsageError(`syntax error: ${quote(op)} needs a command before it`);
    if (op === '|') endCommand();
    else endPipeline(op);
    pendingOp = op;
  }
  if (pendingOp !== undefined) throw new UsageError(`syntax error: ${quote(pendingOp)} needs a command after it`, { incomplete: true });
  endPipeline(';');
  return { items };
}

/** True when the line, as typed so far, wants a continuation line (open quote or `$(`, trailing `|`, `&&`, `||`, `\`). */
export function isIncomplete(line: string): boolean {
  try {
    parse(line);
    return false;
  } catch (error) {
    return error instanceof UsageError && error.incomplete;
  }
}

function isRedirect(op: Operator): op is RedirectOperator {
  return op.includes('<') || op.includes('>');
}

function redirectOf(op: RedirectOperator, start: number, next: Token | undefined): Redirect {
  const digit = /^[012]/.test(op) ? (Number(op[0]) as 0 | 1 | 2) : undefined;
  if (op.includes('&')) {
    const fd = (digit ?? 1) as 1 | 2;
    return { kind: 'dup', fd, target: Number(op.at(-1)) as 1 | 2, op, start, end: start + op.length };
  }
  if (next?.kind !== 'word') throw new UsageError(`syntax error: ${quote(op)} needs a file name after it`);
  const target = wordOf(next);
  checkSubstitutions(target);
  if (op.endsWith('<')) return { kind: 'read', fd: 0, target, op, start, end: next.end };
  return { kind: op.endsWith('>>') ? 'append' : 'write', fd: (digit ?? 1) as 1 | 2, target, op, start, end: next.end };
}

/** Checks a finished command and takes the `^` off a forced program name. */
function finish(command: CommandNode): CommandNode {
  const first = command.words[0];
  if (!first && command.assignments.length === 0) {
    const op = command.redirects[0]?.op ?? '';
    throw new UsageError(`syntax error: ${quote(op)} needs a command to apply to`);
  }
  for (const word of command.words) checkSubstitutions(word);
  for (const assignment of command.assignments) checkSubstitutions(assignment.value);
  const head = first?.parts[0];
  if (first && head?.kind === 'literal' && head.quoted === 'none' && head.text.startsWith('^')) {
    const parts = first.parts.slice(1);
    if (head.text.length > 1) parts.unshift({ ...head, text: head.text.slice(1) });
    if (parts.length === 0) throw new UsageError(`syntax error: ${quote('^')} needs a program name after it`);
    command.words[0] = { raw: first.raw.slice(1), value: first.value.slice(1), start: first.start + 1, end: first.end, parts };
    command.external = true;
  }
  return command;
}

/** A `$(…)` whose text is not a good line is a syntax error of the whole line (never incomplete: its `)` was found). */
function checkSubstitutions(word: Word): void {
  for (const part of word.parts) {
    if (part.kind !== 'subst') continue;
    try {
      parse(part.line);
    } catch (error) {
      if (error instanceof UsageError) throw new UsageError(error.message);
      throw error;
    }
  }
}

function wordOf(token: Word): Word {
  return { raw: token.raw, value: token.value, start: token.start, end: token.end, parts: token.parts };
}

function assignmentOf(token: Word): Assignment | undefined {
  const split = splitAssignment(token);
  if (!split) return undefined;
  const skip = split.name.length + 1;
  const value: Word = {
    raw: token.raw.slice(skip),
    value: token.value.slice(skip),
    start: token.start + skip,
    end: token.end,
    parts: split.parts,
  };
  return { name: split.name, value, start: token.start, end: token.end };
}

/** An argument that looks like an assignment (`export P=~/bin:~/lib`) gets home for `~` after `=` and `:` too, as in bash. */
function argumentOf(token: Word): Word {
  const split = splitAssignment(token);
  const word = wordOf(token);
  if (split?.parts.some((p) => p.kind === 'tilde'))
    word.parts = [{ kind: 'literal', text: `${split.name}=`, quoted: 'none' }, ...split.parts];
  return word;
}

/** `NAME=` written plainly at the start of a word: the name and the parts of the value (with its `~`s). */
function splitAssignment(token: Word): { name: string; parts: WordPart[] } | undefined {
  const head = token.parts[0];
  if (head?.kind !== 'literal' || head.quoted !== 'none') return undefined;
  const name = ASSIGNMENT.exec(head.text)?.[1];
  if (name === undefined || !token.raw.startsWith(`${name}=`)) return undefined;
  const parts = token.parts.slice(1);
  if (head.text.length > name.length + 1) parts.unshift({ ...head, text: head.text.slice(name.length + 1) });
  return { name, parts: assignmentTildes(parts) };
}

/** In an assignment's value, an unquoted `~` at the start or after `:`, before `/`, `:` or the end, is home (`PATH=$PATH:~/bin`). */
function assignmentTildes(parts: WordPart[]): WordPart[] {
  const out: WordPart[] = [];
  parts.forEach((part, index) => {
    if (part.kind !== 'literal' || part.quoted !== 'none' || !part.text.includes('~')) {
      out.push(part);
      return;
    }
    const last = index === parts.length - 1;
    let text = '';
    const { text: t } = part;
    for (let k = 0; k < t.length; k++) {
      const after = t[k + 1];
      const before = k === 0 ? (index === 0 ? ':' : undefined) : t[k - 1];
      const ends = after === '/' || after === ':' || (after === undefined && last);
      if (t[k] === '~' && before === ':' && ends) {
        if (text !== '') out.push({ kind: 'literal', text, quoted: 'none' });
        text = '';
        out.push({ kind: 'tilde' });
      } else text += t[k];
    }
    if (text !== '') out.push({ kind: 'literal', text, quoted: 'none' });
  });
  return out;
}
