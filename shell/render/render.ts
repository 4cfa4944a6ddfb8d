import { loadedInkWorld } from './ink-world.ts';

/** Terminal escape sequences: CSI (colours, cursor) and OSC (titles, links). */
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007/g;

/** Text without terminal escape sequences, for wherever colour must not go. */
export const stripAnsi = (text: string): string => text.replace(ANSI, '');

/** How output should look where it goes. */
export interface RenderOptions {
  color: boolean;
  columns: number;
  /** Fit tables into `columns` (on a terminal), wrapping cells; text for a file or pipe keeps whole rows. @default false */
  fit?: boolean;
}

/** True for a React element (React 19 and earlier), checked without loading React. */
export function isElement(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const tag = (value as { $$typeof?: unknown }).$$typeof;
  return tag === Symbol.for('react.transitional.element') || tag === Symbol.for('react.element');
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/** A single value as text inside a table cell or after `key: `. */
export function scalarText(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof Error) return value.message;
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  if (typeof value === 'symbol') return value.toString();
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Printable ASCII only: one column a character (most cells; the loop below is for the rest). */
const ASCII = /^[\x20-\x7e]*$/;

const width = (text: string) => {
  if (ASCII.test(text)) return text.length;
  let w = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    // East Asian wide and emoji take two columns; combining marks none.
    if (code >= 0x300 && code <= 0x36f) continue;
    w +=
      code >= 0x1100 &&
      (code <= 0x115f ||
        (code >= 0x2e80 && code <= 0xa4cf) ||
        (code >= 0xac00 && code <= 0xd7a3) ||
        (code >= 0xf900 && code <= 0xfaff) ||
        (code >= 0xfe30 && code <= 0xfe4f) ||
        (code >= 0xff00 && code <= 0xff60) ||
        (code >= 0xffe0 && code <= 0xffe6) ||
        code >= 0x1f300)
        ? 2
        : 1;
  }
  return w;
};

const pad = (text: string, to: number) => text + ' '.repeat(Math.max(0, to - width(text)));

/**
 * Column widths that fit `room` (gaps included). Every column keeps at least
 * its longest word when that fits (so paths and names are not cut), then the
 * room left goes to the columns that want more, narrowest first (a water
 * level: no column is cut below the level unless it is narrower than it).
 */
function fitWidths(natural: number[], longestWord: number[], room: number, gap: number): number[] {
  const sum = (xs: number[]) => {
    let total = 0;
    for (const x of xs) total += x;
    return total;
  };
  const total = sum(natural) + gap * (natural.length - 1);
  if (total <= room) return natural;
  const space = Math.max(natural.length * 4, room - gap * (natural.length - 1));
  const floor = natural.map((n, i) => Math.min(n, longestWord[i] as number));
  const fill = (level: number, base: number[]) => natural.map((n, i) => Math.min(n, Math.max(base[i] as number, level)));
  // Words that do not fit side by side: no floor, cells are cut where they must be.
  const base = sum(floor) <= space ? floor : natural.map(() => 4);
  let low = 0;
  let high = 0;
  for (const n of natural) if (n > high) high = n;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (sum(fill(mid, base)) <= space) low = mid;
    else high = mid - 1;
  }
  return fill(low, base);
}

/** A cell's text in lines of at most `max` columns (words kept whole where they fit). */
function cellLines(text: string, max: number): string[] {
  if (width(text) <= max) return [text];
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    let rest = word;
    if (line !== '' && width(line) + 1 + width(rest) > max) {
      lines.push(line);
      line = '';
    }
    while (width(line) + (line === '' ? 0 : 1) + width(rest) > max) {
      // A word longer than the column: cut it.
      let cut = '';
      for (const ch of rest) {
        if (width(line) + (line === '' ? 0 : 1) + width(cut + ch) > max) break;
        cut += ch;
      }
      if (cut === '') {
        lines.push(line);
        line = '';
        continue;
      }
      lines.push(line === '' ? cut : `${line} ${cut}`);
      line = '';
      rest = rest.slice(cut.length);
    }
    line = line === '' ? rest : `${line} ${rest}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** Text is handed on in pieces of about this size: a table of a million rows is never one string. */
const CHUNK = 64 * 1024;

const cellText = (value: unknown) => {
  const text = typeof value === 'string' ? value : scalarText(value);
  return text.includes('\n') ? text.replace(/\n/g, ' ') : text;
};

/** The widest word of a text (words split at spaces). */
function longestWord(text: string): number {
  let best = 0;
  for (const word of text.split(' ')) {
    const w = width(word);
    if (w > best) best = w;
  }
  return best;
}

/**
 * An array of plain objects as aligned columns under a header row, in
 * pieces: one pass measures the columns, a second renders each row as it
 * goes (memory for a row, not for the table; no spread or recursion over
 * the rows). With `fit`, a table wider than the terminal gets narrower
 * columns whose cells wrap, instead of lines the terminal would break anywhere.
 */
export function* tableChunks(rows: readonly Record<string, unknown>[], options: RenderOptions): Generator<string> {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (seen.has(key)) continue;
      seen.add(key);
      keys.push(key);
    }
  }
  const natural = keys.map((key) => width(key));
  const longest = keys.map((key) => longestWord(key));
  for (const row of rows) {
    for (let i = 0; i < keys.length; i++) {
      const text = cellText(row[keys[i] as string]);
      const w = width(text);
      if (w > (natural[i] as number)) natural[i] = w;
      if (options.fit && w > (longest[i] as number)) {
        const word = longestWord(text);
        if (word > (longest[i] as number)) longest[i] = word;
      }
    }
  }
  const widths = options.fit ? fitWidths(natural, longest, options.columns, 2) : natural;
  // Bold as chalk makes it (chalk itself is loaded only for plugins that import it: it costs start-up).
  const bold = (text: string) => (options.color && text !== '' ? `\u001b[1m${text}\u001b[22m` : text);
  const last = keys.length - 1;
  const line = (values: string[], style?: (s: string) => string) => {
    if (!options.fit) {
      let out = '';
      for (let i = 0; i < values.length; i++) {
        const v = i === last ? (values[i] as string) : pad(values[i] as string, widths[i] as number);
        out += `${i === 0 ? '' : '  '}${style && v.trim() !== '' ? style(v) : v}`;
      }
      return out.trimEnd();
    }
    const split = values.map((v, i) => cellLines(v, widths[i] as number));
    let height = 1;
    for (const c of split) if (c.length > height) height = c.length;
    const out: string[] = [];
    for (let l = 0; l < height; l++) {
      out.push(
        split
          .map((c, i) => (i === last ? (c[l] ?? '') : pad(c[l] ?? '', widths[i] as number)))
          .map((v) => (v.trim() === '' || !style ? v : style(v)))
          .join('  ')
          .trimEnd(),
      );
    }
    return out.join('\n');
  };
  // A row without wrapping, built without arrays: a million rows make little garbage.
  const plain = (row: Record<string, unknown>) => {
    let out = '';
    for (let i = 0; i < last; i++) {
      const v = cellText(row[keys[i] as string]);
      out += `${v}${' '.repeat(Math.max(0, (widths[i] as number) - width(v)))}  `;
    }
    return (last >= 0 ? out + cellText(row[keys[last] as string]) : out).trimEnd();
  };
  let chunk = line(keys, bold);
  for (const row of rows) {
    chunk += `\n${options.fit ? line(keys.map((key) => cellText(row[key]))) : plain(row)}`;
    if (chunk.length >= CHUNK) {
      yield chunk;
      chunk = '';
    }
  }
  yield `${chunk}\n`;
}

/** An array of plain objects as a table (see `tableChunks`), as one string. */
export function renderTable(rows: Record<string, unknown>[], options: RenderOptions): string {
  return joined(tableChunks(rows, options)).replace(/\n$/, '');
}

/** The pieces as one string (for the callers that need one). */
function joined(chunks: Iterable<string>): string {
  const parts: string[] = [];
  for (const chunk of chunks) parts.push(chunk);
  return parts.join('');
}

/** A plain object as `key: value` lines. */
export function renderObject(object: Record<string, unknown>): string {
  return Object.entries(object)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${scalarText(v)}`)
    .join('\n');
}

/**
 * A command's value as text, as the contract says: a string as is, numbers
 * and booleans as text, arrays of plain objects as tables, plain objects as
 * `key: value` lines, `undefined` as nothing. Returns '' for nothing, and text
 * ending in a newline otherwise. React elements go through `renderElement`.
 */
export function renderValue(value: unknown, options: RenderOptions): string {
  return joined(renderChunks(value, options));
}

/**
 * `renderValue` in pieces of about 64 KB, made as they are asked for: a
 * writer that awaits each piece (and stops when Ctrl-C comes) renders a
 * list of any length in memory for a piece, not the whole text.
 */
/**
 * Write a value's text piece by piece, each write awaited (backpressure) and
 * the event loop given a turn now and then so that Ctrl-C is heard; stops
 * when `signal` aborts. In memory: a piece, never the whole text.
 */
export async function writeChunks(
  value: unknown,
  options: RenderOptions,
  write: (text: string) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let n = 0;
  for (const chunk of renderChunks(value, options)) {
    if (signal?.aborted) return;
    await write(chunk);
    if (++n % 16 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

export function* renderChunks(value: unknown, options: RenderOptions): Generator<string> {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    if (value.length === 0) return;
    if (value.every(isPlainObject)) {
      yield* tableChunks(value as Record<string, unknown>[], options);
      return;
    }
    let chunk = '';
    let text = '';
    for (let i = 0; i < value.length; i++) {
      text = scalarText(value[i]);
      chunk += i === 0 ? text : `\n${text}`;
      if (chunk.length >= CHUNK) {
        yield chunk;
        chunk = '';
      }
    }
    yield text.endsWith('\n') && chunk.endsWith('\n') ? chunk : `${chunk}\n`;
    return;
  }
  let text: string;
  const element = isElement(value);
  if (element || isPlainObject(value)) {
    const world = element ? loadedInkWorld() : undefined;
    text = !element ? renderObject(value as Record<string, unknown>) : world ? world.renderToString(value, options) : '';
    // An element or record that shows nothing is nothing; an empty string is an empty line.
    if (text === '') return;
  } else text = scalarText(value);
  yield text.endsWith('\n') ? text : `${text}\n`;
}

/** Values given to `ctx.print`, as one line of text. */
export function printText(values: unknown[], options: RenderOptions): string {
  if (values.length === 1 && typeof values[0] !== 'string') {
    const text = renderValue(values[0], options);
    return text === '' ? '\n' : text;
  }
  return `${values.map(scalarText).join(' ')}\n`;
}

/** Value as one line of JSON for `--json` (`null` for nothing). Throws for a value JSON cannot hold (a cycle). */
export function jsonLine(value: unknown): string {
  if (value === undefined || isElement(value)) return 'null\n';
  return `${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null'}\n`;
}

/**
 * Text word-wrapped to `columns`: continuation lines start with `indent`
 * spaces (a hanging indent); a word longer than a line is cut. Escape
 * sequences take no room.
 */
export function wrapWords(text: string, columns: number, indent = 0): string {
  const max = Math.max(10, columns);
  const hang = ' '.repeat(Math.min(indent, Math.floor(max / 2)));
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (width(stripAnsi(line)) <= max) {
      out.push(line);
      continue;
    }
    const lead = /^ */.exec(line)?.[0] ?? '';
    let current = lead;
    let used = lead.length;
    let fresh = true;
    const newLine = () => {
      out.push(current);
      current = hang;
      used = hang.length;
      fresh = true;
    };
    for (const word of line.slice(lead.length).split(/ +/)) {
      if (word === '') continue;
      let w = width(stripAnsi(word));
      if (!fresh && used + 1 + w > max) newLine();
      let piece = word;
      // A word longer than a whole line is cut where the line ends.
      while (used + w > max) {
        const plain = stripAnsi(piece);
        const room = Math.max(1, max - used);
        current += plain.slice(0, room);
        newLine();
        piece = plain.slice(room);
        w = width(piece);
      }
      current += (fresh ? '' : ' ') + piece;
      used += (fresh ? 0 : 1) + w;
      fresh = false;
    }
    if (!fresh) out.push(current);
  }
  return out.join('\n');
}
