/**
 * A command line as terminal text: highlighted by what it means, with the
 * cursor and the autosuggestion, cut to the lines that fit on the screen.
 * Plain strings with SGR codes, not React nodes, so that a 100 KB paste or a
 * line echoed above the prompt costs one string per screen line.
 */
import { scan } from '../line/scanner.ts';

/** Styles as raw SGR codes: they survive where ink's colours are turned off (the cursor must always show). */
export const sgr = (on: string, off: string, text: string) => (text === '' ? '' : `\u001b[${on}m${text}\u001b[${off}m`);
export const inverse = (text: string) => sgr('7', '27', text);
export const dim = (text: string) => sgr('2', '22', text);
export const red = (text: string) => sgr('31', '39', text);
export const bold = (text: string) => sgr('1', '22', text);

export type Style = 'plain' | 'known' | 'unknown' | 'keyword' | 'flag' | 'string' | 'op' | 'comment';
const CODES: Record<Style, string | undefined> = {
  plain: undefined,
  known: '32',
  unknown: '31',
  keyword: '34',
  flag: '36',
  string: '33',
  op: '35',
  comment: '90',
};

/** Past this size a line is drawn without highlighting (the scan is per character). */
const HIGHLIGHT_LIMIT = 20_000;

/** Each character's style: what the line means as typed so far. */
export function styles(line: string, known: (word: string) => boolean): Style[] {
  const out: Style[] = new Array(line.length).fill('plain');
  for (const piece of scan(line)) {
    let style: Style = 'plain';
    if (piece.kind === 'op') style = 'op';
    else if (piece.kind === 'comment') style = 'comment';
    else if (piece.kind === 'word') {
      if (piece.keyword) style = 'keyword';
      else if (piece.command) style = known(piece.value) ? 'known' : 'unknown';
      else if (piece.quoted) style = 'string';
      else if (piece.raw.startsWith('-')) style = 'flag';
    }
    out.fill(style, piece.start, piece.end);
  }
  return out;
}

export interface LineOptions {
  /** Where the cursor is drawn, if anywhere. */
  cursor?: number | undefined;
  suggestion?: string | undefined;
  color: boolean;
  known: (word: string) => boolean;
  /** Draw at most this many screen lines (the ones around the cursor); the rest is summed up in one line. */
  maxLines?: number;
}

/** The lines of `text` (split at newlines), highlighted, with cursor and suggestion; `first` is the index of the first one shown. */
export function highlightLines(text: string, options: LineOptions): { lines: string[]; first: number; total: number } {
  const { cursor, color } = options;
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const total = starts.length;
  const max = Math.max(1, options.maxLines ?? total);
  // The window of lines shown: the cursor's line and the ones before it, as an editor scrolls.
  let cursorLine = total - 1;
  if (cursor !== undefined) while (cursorLine > 0 && (starts[cursorLine] as number) > cursor) cursorLine--;
  const first = Math.max(0, Math.min(cursorLine - max + 1, total - max));
  const last = Math.min(total, first + max);
  const marks = color && text.length <= HIGHLIGHT_LIMIT ? styles(text, options.known) : undefined;
  // At the end of the line the cursor sits on the suggestion's first character, as in fish.
  const rest = options.suggestion && cursor === text.length ? options.suggestion : undefined;
  const lines: string[] = [];
  for (let l = first; l < last; l++) {
    const from = starts[l] as number;
    const to = l + 1 < total ? (starts[l + 1] as number) - 1 : text.length;
    let out = '';
    let run = '';
    let runStyle: Style = 'plain';
    const flush = () => {
      const code = CODES[runStyle];
      out += code ? sgr(code, '39', run) : run;
      run = '';
    };
    for (let i = from; i <= to; i++) {
      if (i === cursor) {
        flush();
        const ch = text[i];
        out += inverse(ch === undefined ? (rest?.[0] ?? ' ') : ch === '\n' ? ' ' : ch);
        continue;
      }
      if (i === to) break;
      const style = marks?.[i] ?? 'plain';
      if (style !== runStyle) flush();
      runStyle = style;
      run += text[i];
    }
    flush();
    if (l === total - 1 && rest) out += dim(cursor === text.length ? rest.slice(1) : rest);
    lines.push(out);
  }
  return { lines, first, total };
}

/** Width of the prompt as the terminal shows it. */
export const visibleLength = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '').length;

/**
 * A command line as it is shown: the prompt before the first line, a
 * continuation marker before the others, and one summary line for lines cut off.
 */
export function promptedLines(prompt: string, text: string, options: LineOptions): string[] {
  const { lines, first, total } = highlightLines(text, options);
  const width = visibleLength(prompt);
  const continuation = '> '.padStart(width > 2 ? Math.min(width, 8) : 2);
  const shown = lines.map((line, i) => (first + i === 0 ? prompt : continuation) + line);
  if (first > 0) shown.unshift(dim(`${continuation}… ${first} more line${first === 1 ? '' : 's'} above`));
  const below = total - first - lines.length;
  if (below > 0) shown.push(dim(`${continuation}… ${below} more line${below === 1 ? '' : 's'} below`));
  return shown;
}
