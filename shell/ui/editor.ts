/**
 * The line editor as plain data: a key name from a raw terminal sequence, and
 * what each editing key does to `{ text, cursor }`. No React here, so every
 * key is tested without a screen.
 */

/** The text being edited and the cursor (a UTF-16 index into it). */
export interface EditState {
  text: string;
  cursor: number;
}

export const empty: EditState = { text: '', cursor: 0 };

/**
 * Raw sequences to key names. ink's own parser reports Backspace (DEL, 0x7f)
 * and Delete (`ESC [3~`) both as `delete`, so the shell reads the raw input.
 */
const SEQUENCES: Record<string, string> = {
  '\r': 'enter',
  '\n': 'enter',
  '\t': 'tab',
  '\x7f': 'backspace',
  '\b': 'backspace',
  '\x1b\x7f': 'alt-backspace',
  '\x1b\b': 'alt-backspace',
  '\x1b': 'escape',
  '\x1b[3~': 'delete',
  '\x1b[A': 'up',
  '\x1bOA': 'up',
  '\x1b[B': 'down',
  '\x1bOB': 'down',
  '\x1b[C': 'right',
  '\x1bOC': 'right',
  '\x1b[D': 'left',
  '\x1bOD': 'left',
  '\x1b[H': 'home',
  '\x1bOH': 'home',
  '\x1b[1~': 'home',
  '\x1b[7~': 'home',
  '\x1b[F': 'end',
  '\x1bOF': 'end',
  '\x1b[4~': 'end',
  '\x1b[8~': 'end',
  '\x1bb': 'alt-b',
  '\x1bf': 'alt-f',
  '\x1bd': 'alt-d',
  '\x1b[1;3D': 'alt-b',
  '\x1b[1;5D': 'alt-b',
  '\x1b[1;3C': 'alt-f',
  '\x1b[1;5C': 'alt-f',
  '\x1b[Z': 'shift-tab',
};

/** One input event: a named key, or text to insert (`pasted`: from a bracketed paste, newlines included). */
export type KeyEvent = { key: string } | { text: string; pasted?: boolean };

/**
 * Split one raw input chunk into key events. Terminals and tmux may send
 * several keys in one chunk (`echo hi\r`), so control characters inside plain
 * text are keys of their own.
 */
export function keysOf(chunk: string): KeyEvent[] {
  if (chunk.startsWith('\x1b')) {
    const name = SEQUENCES[chunk];
    if (name) return [{ key: name }];
    // Alt with a letter the shell does not bind, or an unknown sequence: ignore it.
    return [];
  }
  const events: KeyEvent[] = [];
  let text = '';
  for (const ch of chunk) {
    const code = ch.codePointAt(0) ?? 0;
    const name = SEQUENCES[ch] ?? (code < 0x20 ? `ctrl-${String.fromCharCode(code + 96)}` : undefined);
    if (name === undefined) {
      text += ch;
      continue;
    }
    if (text) events.push({ text });
    text = '';
    events.push({ key: name });
  }
  if (text) events.push({ text });
  return events;
}

const isWordChar = (ch: string | undefined) => ch !== undefined && /[\p{L}\p{N}_]/u.test(ch);
const isSpace = (ch: string | undefined) => ch !== undefined && /\s/.test(ch);

/** The index one code point before / after `i`. */
const prevIndex = (text: string, i: number) => (i >= 2 && /[\udc00-\udfff]/.test(text[i - 1] ?? '') ? i - 2 : Math.max(0, i - 1));
const nextIndex = (text: string, i: number) =>
  /[\ud800-\udbff]/.test(text[i] ?? '') && i + 2 <= text.length ? i + 2 : Math.min(text.length, i + 1);

/** Start of the word before the cursor (Alt-B). */
export function wordLeft(text: string, cursor: number): number {
  let i = cursor;
  while (i > 0 && !isWordChar(text[i - 1])) i--;
  while (i > 0 && isWordChar(text[i - 1])) i--;
  return i;
}

/** End of the word after the cursor (Alt-F). */
export function wordRight(text: string, cursor: number): number {
  let i = cursor;
  while (i < text.length && !isWordChar(text[i])) i++;
  while (i < text.length && isWordChar(text[i])) i++;
  return i;
}

/** Start of the line (of a multi-line text) the cursor is on. */
const lineStart = (text: string, cursor: number) => text.lastIndexOf('\n', cursor - 1) + 1;
const lineEnd = (text: string, cursor: number) => {
  const i = text.indexOf('\n', cursor);
  return i < 0 ? text.length : i;
};

/** Insert text at the cursor (one copy of the line, whatever the size of the text: a 100 KB paste is one insert). */
export function insert(state: EditState, text: string): EditState {
  if (text === '') return state;
  if (state.cursor === state.text.length) return { text: state.text + text, cursor: state.cursor + text.length };
  return { text: state.text.slice(0, state.cursor) + text + state.text.slice(state.cursor), cursor: state.cursor + text.length };
}

/**
 * Apply an editing key. Returns the new state, or undefined when the key is
 * not an editing key (the caller handles Enter, Tab, history and the rest).
 */
export function edit(state: EditState, key: string): EditState | undefined {
  const { text, cursor } = state;
  const cut = (from: number, to: number): EditState => ({ text: text.slice(0, from) + text.slice(to), cursor: from });
  switch (key) {
    case 'left':
    case 'ctrl-b':
      return { text, cursor: prevIndex(text, cursor) };
    case 'right':
    case 'ctrl-f':
      return { text, cursor: nextIndex(text, cursor) };
    case 'home':
    case 'ctrl-a':
      return { text, cursor: lineStart(text, cursor) };
    case 'end':
    case 'ctrl-e':
      return { text, cursor: lineEnd(text, cursor) };
    case 'alt-b':
      return { text, cursor: wordLeft(text, cursor) };
    case 'alt-f':
      return { text, cursor: wordRight(text, cursor) };
    case 'backspace':
      return cursor === 0 ? state : cut(prevIndex(text, cursor), cursor);
    case 'delete':
      return cursor >= text.length ? state : cut(cursor, nextIndex(text, cursor));
    case 'ctrl-u':
      return cut(lineStart(text, cursor), cursor);
    case 'ctrl-k':
      return cut(cursor, lineEnd(text, cursor));
    case 'ctrl-w': {
      // Like readline's unix-word-rubout: back over spaces, then to the previous space.
      let i = cursor;
      while (i > 0 && isSpace(text[i - 1])) i--;
      while (i > 0 && !isSpace(text[i - 1])) i--;
      return cut(i, cursor);
    }
    case 'alt-backspace':
      return cut(wordLeft(text, cursor), cursor);
    case 'alt-d':
      return cut(cursor, wordRight(text, cursor));
    case 'ctrl-t': {
      if (cursor === 0 || text.length < 2) return state;
      const at = cursor === text.length ? cursor - 1 : cursor;
      const a = text[at - 1] ?? '';
      const b = text[at] ?? '';
      return { text: text.slice(0, at - 1) + b + a + text.slice(at + 1), cursor: at + 1 };
    }
    default:
      return undefined;
  }
}

/** Text typed or pasted, made safe to insert: no control characters, `\r\n` as a newline (a pasted tab as a space). */
export function cleanInput(text: string, pasted = false): string {
  const lines = text.replace(/\r\n?/g, '\n');
  return (pasted ? lines.replace(/\t/g, ' ') : lines).replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, '');
}
