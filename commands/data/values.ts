/**
 * What every verb needs to know about values: records and lists, their names
 * in messages, paths into them, and the schemas that describe them. Nothing
 * here recurses or spreads over the length of an input.
 */
import { CommandError, z } from 'tosh/plugin-sdk';

/** A record: a plain object, as JSON, YAML and TOML give them. */
export type Row = Record<string, unknown>;

/** The schemas the verbs declare as their `input` and `output`. */
export const schemas = {
  any: z.unknown().describe('any value'),
  text: z.string().describe('text'),
  list: z.array(z.unknown()).describe('a list'),
  row: z.record(z.string(), z.unknown()).describe('a record'),
  table: z.array(z.record(z.string(), z.unknown())).describe('a list of records'),
  rows: z.union([z.array(z.record(z.string(), z.unknown())), z.record(z.string(), z.unknown())]).describe('a list of records, or a record'),
  nothing: z.undefined().describe('nothing'),
};

/** True for a plain object (not an array, Date, Map or class instance). */
export function isRecord(value: unknown): value is Row {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A value's kind as a person names it: `text`, `a number`, `a list of records`… */
export function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number' || typeof value === 'bigint') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  if (value instanceof Date) return 'a date';
  if (isRecord(value)) return 'a record';
  if (Array.isArray(value)) {
    if (value.length === 0) return 'an empty list';
    const first = value[0];
    if (isRecord(first)) return 'a list of records';
    if (typeof first === 'string') return 'a list of text';
    if (typeof first === 'number') return 'a list of numbers';
    return 'a list';
  }
  return typeof value === 'function' ? 'a function' : 'an object';
}

/**
 * A one-line usage error about the piped input (status 2, as the shell's own
 * pipeline check will give): `where: takes a list of records, but got text`.
 */
export function wrongInput(command: string, wanted: string, value: unknown): CommandError {
  const got = value === undefined ? 'nothing (pipe a value in)' : kindOf(value);
  // Text from a program is the usual surprise: say how to make it a list.
  const hint =
    typeof value === 'string' && wanted.includes('list') ? " (split text into a list with 'lines', or parse it with 'from json')" : '';
  return new CommandError(`${command}: takes ${wanted}, but got ${got}${hint}`, { exitCode: 2 });
}

/** A usage error (status 2) of a verb: a bad column, operator or pattern. */
export const usage = (message: string): CommandError => new CommandError(message, { exitCode: 2 });

/** The input as a list of records, or a usage error naming the command. Every item is checked (no early surprise later). */
export function tableOf(command: string, value: unknown): Row[] {
  if (!Array.isArray(value)) throw wrongInput(command, 'a list of records', value);
  for (let i = 0; i < value.length; i++) {
    if (!isRecord(value[i])) throw usage(`${command}: takes a list of records, but item ${i} is ${kindOf(value[i])}`);
  }
  return value as Row[];
}

/** The input as a list (any items), or a usage error. */
export function listOf(command: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) throw wrongInput(command, 'a list', value);
  return value;
}

/** The input as text, or a usage error. */
export function textOf(command: string, value: unknown): string {
  if (typeof value !== 'string') throw wrongInput(command, 'text', value);
  return value;
}

/** Set a key as an own property, even `__proto__` (plain assignment would change the prototype instead). */
export function setOwn(row: Row, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(row, key, { value, enumerable: true, writable: true, configurable: true });
  else row[key] = value;
}

/** A record built from keys and values, safe for any key. */
export function recordOf<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const row: Record<string, T> = {};
  for (const [key, value] of entries) setOwn(row, key, value);
  return row;
}

/** `a.b.0` → ['a', 'b', '0']; a path is a column or a dotted walk into one. */
export const splitPath = (path: string): string[] => path.split('.');

/** True for a path segment that indexes a list: `0`, `12` (not `01`, not `-1`). */
export const isIndex = (key: string): boolean => /^(0|[1-9][0-9]*)$/.test(key);

/** Step into a value by one path segment: own keys of records, indexes of lists. `found` is false where there is nothing. */
export function step(value: unknown, key: string): { found: boolean; value: unknown } {
  if (isRecord(value)) return Object.hasOwn(value, key) ? { found: true, value: value[key] } : { found: false, value: undefined };
  if (Array.isArray(value) && isIndex(key)) {
    const index = Number(key);
    return index < value.length ? { found: true, value: value[index] } : { found: false, value: undefined };
  }
  return { found: false, value: undefined };
}

/** Walk a dotted path into a value: what is there, and whether anything is. */
export function walk(row: unknown, path: readonly string[]): { found: boolean; value: unknown } {
  let here = { found: true, value: row };
  for (const key of path) {
    here = step(here.value, key);
    if (!here.found) break;
  }
  return here;
}

/** The value at a dotted path in a row (`undefined` where the path leads nowhere). */
export const at = (row: unknown, path: readonly string[]): unknown => walk(row, path).value;

/** True when the dotted path leads somewhere in the row. */
export const has = (row: unknown, path: readonly string[]): boolean => walk(row, path).found;

/** Edit distance, for did-you-mean (names are short: the quadratic table is nothing). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The closest of `names` to `word`, when it is close enough to be a typo. */
export function nearest(word: string, names: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const name of names) {
    const d = distance(word.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Check that each dotted column path exists in the first row (the schema of a
 * table, as far as the verbs can tell); a usage error names the first that
 * does not, with did-you-mean.
 */
export function checkColumns(command: string, rows: readonly Row[], paths: readonly string[]): void {
  const first = rows[0];
  if (first === undefined) return;
  for (const path of paths) {
    const parts = splitPath(path);
    if (has(first, parts)) continue;
    // Suggest among the keys at the depth where the path stopped.
    let value: unknown = first;
    let depth = 0;
    for (; depth < parts.length; depth++) {
      const next = step(value, parts[depth] as string);
      if (!next.found) break;
      value = next.value;
    }
    const keys = isRecord(value) ? Object.keys(value) : [];
    const near = nearest(parts[depth] as string, keys);
    const prefix = parts.slice(0, depth).join('.');
    const guess = near === undefined ? '' : ` (did you mean '${prefix ? `${prefix}.` : ''}${near}'?)`;
    throw usage(`${command}: unknown column '${path}'${guess}`);
  }
}

/** A value as one piece of text: strings as they are, dates in ISO form, records and lists as compact JSON. */
export function scalarText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value) ?? '';
  return String(value);
}

/** A short form of a value for a message: at most 40 characters. */
export function preview(value: unknown): string {
  const text = value === null ? 'null' : scalarText(value).replace(/\s+/g, ' ');
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}
