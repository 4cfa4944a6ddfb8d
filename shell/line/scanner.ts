/**
 * A line as typed, half-typed ones too (an open quote, a trailing `|`, an
 * unclosed `$(` or `if`), as pieces that cover all of it: the lexer's own
 * tokens in its tolerant mode, the gaps between them as spaces and comments,
 * and which words are in command position. Highlighting, completion and `!!`
 * read these, so they split the line exactly as the parser does.
 */
import { tokens } from './tokens.ts';

/** A piece of a line as typed, with what it means. */
export interface Piece {
  kind: 'word' | 'op' | 'space' | 'comment';
  /** The text as typed (quotes included). */
  raw: string;
  /** The word after quote removal. */
  value: string;
  start: number;
  end: number;
  /** The word is (or contains) a quoted part. */
  quoted: boolean;
  /** The word ends inside an open quote or construct. */
  open: boolean;
  /** This word is the command name of its pipeline stage. */
  command: boolean;
  /** A reserved word of the language in command position (`if`, `do`, `done`…). */
  keyword?: boolean;
}

/** Reserved words after which a command comes. */
const OPENERS = new Set(['if', 'then', 'else', 'elif', 'while', 'until', 'do', '{', '!']);
/** Reserved words that close a construct. */
const CLOSERS = new Set(['fi', 'done', 'esac', '}']);

export function isRedirect(op: string): boolean {
  return op.includes('>') || op.includes('<');
}

/** Where the scanner is, for what the next word means. */
type Place =
  /** A command (or a reserved word) may start here. */
  | 'command'
  /** An argument of a command. */
  | 'argument'
  /** `for NAME`, `case WORD`, `function NAME`: a word that is no command. */
  | 'name'
  /** After `for NAME`: `in` (or `do`). */
  | 'for-in'
  /** The words of `for NAME in …`, up to `;` or a newline. */
  | 'for-words'
  /** After `case WORD`: `in`. */
  | 'case-in'
  /** A `case` pattern (after `in`, `;;`, `|` or `(`). */
  | 'pattern';

/** Split a line into pieces without ever failing; the text of all pieces is the line. */
export function scan(line: string): Piece[] {
  const pieces: Piece[] = [];
  let at = 0;
  let place: Place = 'command';
  let afterRedirect = false;
  /** What `name` leads to: `for` goes on to `in`, `case` to `in`, `function` to its body. */
  let naming: 'for' | 'case' | 'function' | undefined;
  /** Inside a case, past `in`: `;;` goes back to a pattern and `esac` closes it. */
  let cases = 0;
  const space = (start: number, end: number) =>
    pieces.push({ kind: 'space', raw: line.slice(start, end), value: '', start, end, quoted: false, open: false, command: false });
  const gap = (end: number) => {
    while (at < end) {
      const hash = line.indexOf('#', at);
      if (hash < 0 || hash >= end) {
        space(at, end);
        at = end;
        return;
      }
      if (hash > at) space(at, hash);
      const newline = line.indexOf('\n', hash);
      const stop = newline < 0 || newline > end ? end : newline;
      pieces.push({
        kind: 'comment',
        raw: line.slice(hash, stop),
        value: '',
        start: hash,
        end: stop,
        quoted: false,
        open: false,
        command: false,
      });
      at = stop;
    }
  };
  for (const token of tokens(line)) {
    if (token.start < at) continue;
    gap(token.start);
    at = token.end;
    if (token.kind === 'newline') {
      space(token.start, token.end);
      if (place === 'for-words' || place === 'for-in') place = 'command';
      else if (place !== 'pattern' && place !== 'case-in') place = 'command';
      continue;
    }
    if (token.kind === 'op') {
      pieces.push({
        kind: 'op',
        raw: token.raw,
        value: token.raw,
        start: token.start,
        end: token.end,
        quoted: false,
        open: false,
        command: false,
      });
      if (isRedirect(token.value)) afterRedirect = true;
      else if (place === 'pattern' && (token.value === '|' || token.value === '(')) place = 'pattern';
      else if (place === 'pattern' && token.value === ')') place = 'command';
      else if (token.value === ';;') place = 'pattern';
      else place = 'command';
      continue;
    }
    if (token.kind !== 'word') continue;
    const quoted = token.parts.some((p) => p.kind === 'literal' && p.quoted !== 'none') || /['"\\]/.test(token.raw);
    const piece: Piece = {
      kind: 'word',
      raw: token.raw,
      value: token.value,
      start: token.start,
      end: token.end,
      quoted,
      open: token.open === true,
      command: false,
    };
    pieces.push(piece);
    if (afterRedirect) {
      afterRedirect = false;
      continue;
    }
    const word = token.raw;
    switch (place) {
      case 'command':
        if (OPENERS.has(word) || CLOSERS.has(word)) {
          piece.keyword = true;
          if (word === '}' || word === 'fi' || word === 'done' || word === 'esac') {
            if (word === 'esac') cases = Math.max(0, cases - 1);
            place = 'argument';
          }
          continue;
        }
        if (word === 'for' || word === 'case' || word === 'function') {
          piece.keyword = true;
          naming = word;
          place = 'name';
          continue;
        }
        // `A=1 cmd`: the command is the word after the assignments.
        if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) continue;
        piece.command = true;
        place = 'argument';
        continue;
      case 'name':
        place = naming === 'for' ? 'for-in' : naming === 'case' ? 'case-in' : 'command';
        continue;
      case 'for-in':
        piece.keyword = word === 'in' || word === 'do';
        place = word === 'in' ? 'for-words' : word === 'do' ? 'command' : 'for-words';
        continue;
      case 'case-in':
        if (word === 'in') {
          piece.keyword = true;
          cases++;
          place = 'pattern';
        }
        continue;
      case 'pattern':
        if (word === 'esac') {
          piece.keyword = true;
          cases = Math.max(0, cases - 1);
          place = 'argument';
        }
        continue;
      default:
        continue;
    }
  }
  gap(line.length);
  return pieces;
}
