/**
 * The tokens of a text without a tree: tolerantly for highlighting and
 * completion (nothing throws; here-document bodies come as one quoted word),
 * strictly for tools and tests; and text read as a here-document body is.
 */
import type { Redirect, Word } from './ast.ts';
import { heredocWord, Lexer, type Token } from './lexer.ts';
import { subparse } from './parser.ts';

/** Every token of a text, tolerantly (nothing throws): what highlighting and completion read. */
export function tokens(source: string): Token[] {
  const lexer = new Lexer(source, 0, true, subparse);
  const out: Token[] = [];
  const bodies: Extract<Redirect, { kind: 'heredoc' }>[] = [];
  let previous: Token | undefined;
  for (;;) {
    const token = lexer.next();
    if (token.kind === 'end') return out;
    out.push(token);
    // A here-document's body is read at the next newline: it is one piece of text, as a quoted word.
    if (token.kind === 'word' && previous?.kind === 'op' && (previous.value === '<<' || previous.value === '<<-')) {
      const redirect: Extract<Redirect, { kind: 'heredoc' }> = {
        kind: 'heredoc',
        fd: 0,
        body: { raw: '', value: '', start: token.end, end: token.end, parts: [] },
        literal: true,
        delimiter: token.value,
        op: previous.raw,
        start: previous.start,
        end: token.end,
      };
      lexer.addHeredoc(redirect, previous.value === '<<-');
      bodies.push(redirect);
    }
    if (token.kind === 'newline' && bodies.length > 0) {
      const read = bodies.splice(0);
      for (const [i, { body }] of read.entries()) {
        // Each body's stretch runs through its delimiter line, up to where the next one starts.
        const end = Math.min(source.length, read[i + 1]?.body.start ?? lexer.pos);
        if (body.start < token.end) continue;
        out.push({
          kind: 'word',
          raw: source.slice(body.start, end),
          value: body.value,
          start: body.start,
          end,
          parts: [{ kind: 'literal', text: body.value, quoted: 'single' }],
        });
      }
    }
    previous = token;
  }
}

/** Every token of a line, strictly (for tests and tools): throws what the lexer throws. */
export function lex(source: string): Token[] {
  const lexer = new Lexer(source, 0, false, subparse);
  const out: Token[] = [];
  for (;;) {
    const token = lexer.next();
    if (token.kind === 'end') return out;
    out.push(token);
  }
}

const textWords = new Map<string, Word>();

/**
 * A text read as a here-document's body is (`$…`, `$(…)` and backquotes
 * expand; quotes are characters): the inside of `$((…))`. Kept per text.
 */
export function textWord(text: string, start = 0): Word {
  let word = textWords.get(text);
  if (!word) {
    word = heredocWord(text, start, subparse, false);
    if (textWords.size > 2000) textWords.clear();
    textWords.set(text, word);
  }
  return word;
}
