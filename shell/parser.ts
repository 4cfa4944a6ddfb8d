import { quote, UsageError } from './errors.ts';
import { lex, type Token } from './lexer.ts';

/** One command of a pipeline: its words and where its output goes. */
export interface CommandNode {
  words: string[];
  redirect?: { path: string; append: boolean };
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

/**
 * Parse a line into its pipelines. Throws `UsageError` for a bad line; a line
 * that only needs more text (`a |`, `a &&`, an open quote) is `incomplete`.
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

  const endPipeline = (op: Connector) => {
    if (current) pipeline.push(current);
    if (pipeline.length > 0) items.push({ connector, pipeline: { commands: pipeline } });
    pipeline = [];
    current = undefined;
    connector = op;
  };

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.kind === 'word') {
      current ??= { words: [] };
      current.words.push(token.value);
      pendingOp = undefined;
      continue;
    }
    const op = token.value;
    if (op === '>' || op === '>>') {
      const target = tokens[i + 1];
      if (!current) throw new UsageError(`syntax error: ${quote(op)} needs a command before it`);
      if (target?.kind !== 'word') throw new UsageError(`syntax error: ${quote(op)} needs a file name after it`);
      if (current.redirect) throw new UsageError('syntax error: a command can only be redirected once');
      current.redirect = { path: target.value, append: op === '>>' };
      i++;
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
    if (op === '|') {
      pipeline.push(current);
      current = undefined;
    } else {
      endPipeline(op);
    }
    pendingOp = op;
  }
  if (pendingOp !== undefined) throw new UsageError(`syntax error: ${quote(pendingOp)} needs a command after it`, { incomplete: true });
  endPipeline(';');
  return { items };
}

/** True when the line, as typed so far, wants a continuation line (open quote, trailing `|`, `&&`, `||`, `\`). */
export function isIncomplete(line: string): boolean {
  try {
    parse(line);
    return false;
  } catch (error) {
    return error instanceof UsageError && error.incomplete;
  }
}
