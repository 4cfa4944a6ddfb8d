/**
 * The verbs over lists and records: pick (`get`, `select`, `reject`), filter
 * (`where`, `find`, `first`, `last`, `uniq`), order (`sort-by`), reshape
 * (`flatten`, `group-by`, `update`, `parse`, `lines`) and count (`length`).
 * Each loops over its input; none recurses or spreads over its length.
 */
import { CommandError, defineCommand, z } from 'tosh/plugin-sdk';
import { columns, whereWords } from './complete.ts';
import { parseNumber } from './units.ts';
import {
  at,
  checkColumns,
  has,
  isIndex,
  isRecord,
  kindOf,
  listOf,
  nearest,
  preview,
  type Row,
  recordOf,
  scalarText,
  schemas,
  setOwn,
  splitPath,
  step,
  tableOf,
  textOf,
  usage,
  wrongInput,
} from './values.ts';
import { filterRows, parseWhere } from './where.ts';

const columnsArg = (what: string) => z.object({ columns: z.array(z.string()).min(1).describe(what) });

/**
 * A new row for each row of the input (a list of records, or one record, given back in the same
 * shape), once the columns are checked against the first row.
 */
function mapRows(
  command: string,
  input: unknown,
  columns: readonly string[],
  fn: (row: Row, paths: string[][], index: number) => Row,
): Row[] | Row {
  const single = isRecord(input);
  const rows = single ? [input] : tableOf(command, input);
  checkColumns(command, rows, columns);
  const paths = columns.map(splitPath);
  const out: Row[] = [];
  for (let i = 0; i < rows.length; i++) out.push(fn(rows[i] as Row, paths, i));
  return single ? (out[0] as Row) : out;
}

export const get = defineCommand({
  description: 'The value at a path: a column, an index, or a walk through both (items.0.name)',
  args: z.object({ path: z.string().describe('Column names and list indexes joined by dots') }),
  input: schemas.any,
  output: schemas.any,
  examples: ['open package.json | get scripts.test', 'open data.json | get items.0.name', 'files | get name'],
  complete: columns(true),
  run({ args, input }) {
    if (input === undefined) throw wrongInput('get', 'a record or a list', input);
    const parts = splitPath(args.path);
    let value: unknown = input;
    for (let depth = 0; depth < parts.length; depth++) {
      const key = parts[depth] as string;
      const here = depth === 0 ? 'the input' : `'${parts.slice(0, depth).join('.')}'`;
      if (Array.isArray(value) && !isIndex(key)) {
        // A column of a list of records: that column of every row, as `files | get name`.
        const column: unknown[] = [];
        for (let i = 0; i < value.length; i++) {
          const next = step(value[i], key);
          if (!next.found) throw new CommandError(`get: ${args.path}: row ${i} of ${here} has no column '${key}'`);
          column.push(next.value);
        }
        value = column;
        continue;
      }
      const next = step(value, key);
      if (next.found) {
        value = next.value;
        continue;
      }
      if (Array.isArray(value)) throw new CommandError(`get: ${args.path}: ${here} has no item ${key} (it has ${value.length})`);
      if (isRecord(value)) {
        const near = nearest(key, Object.keys(value));
        throw new CommandError(`get: ${args.path}: ${here} has no column '${key}'${near ? ` (did you mean '${near}'?)` : ''}`);
      }
      throw new CommandError(`get: ${args.path}: ${here} is ${kindOf(value)}, which has no '${key}'`);
    }
    return value;
  },
});

export const select = defineCommand({
  description: 'Keep only the named columns, in that order',
  args: columnsArg('Columns to keep (a.b for a nested one)'),
  input: schemas.rows,
  output: schemas.rows,
  examples: ['files | select name size', 'open people.csv | select name age'],
  complete: columns(false),
  run({ args, input }) {
    return mapRows('select', input, args.columns, (row, paths) => {
      const picked: Row = {};
      for (let c = 0; c < paths.length; c++) setOwn(picked, args.columns[c] as string, at(row, paths[c] as string[]) ?? null);
      return picked;
    });
  },
});

/** A copy of a record or list without what the path names (only the containers along the path are copied). */
function without(value: unknown, parts: readonly string[], depth = 0): unknown {
  const key = parts[depth] as string;
  const last = depth === parts.length - 1;
  if (isRecord(value)) {
    if (!Object.hasOwn(value, key)) return value;
    const copy: Row = {};
    for (const k of Object.keys(value)) {
      if (k !== key) setOwn(copy, k, value[k]);
      else if (!last) setOwn(copy, k, without(value[k], parts, depth + 1));
    }
    return copy;
  }
  if (Array.isArray(value) && isIndex(key) && Number(key) < value.length) {
    const copy = value.slice();
    if (last) copy.splice(Number(key), 1);
    else copy[Number(key)] = without(value[Number(key)], parts, depth + 1);
    return copy;
  }
  return value;
}

export const reject = defineCommand({
  description: 'Drop the named columns',
  args: columnsArg('Columns to drop (a.b for a nested one)'),
  input: schemas.rows,
  output: schemas.rows,
  examples: ['open people.csv | reject email', 'files | reject modified'],
  complete: columns(false),
  run({ args, input }) {
    return mapRows('reject', input, args.columns, (row, paths) => {
      let kept: unknown = row;
      for (const path of paths) kept = without(kept, path);
      return kept as Row;
    });
  },
});

export const where = defineCommand({
  description: "Keep the rows for which the condition holds: COL OP VALUE joined by 'and'/'or', 'not', parentheses",
  args: z.object({
    condition: z
      .array(z.string())
      .min(1)
      .describe(
        'COL OP VALUE (< and > need no quotes); ops == != < <= > >= =~ !~ in; values: numbers, text, true/false/null, sizes (10kb, 2GiB), durations (2h, 1wk)',
      ),
  }),
  input: schemas.table,
  output: 'input',
  comparisons: true,
  complete: whereWords,
  examples: [
    'open people.csv | where age > 30',
    "open people.csv | where name == 'Ada Lovelace' or city == London",
    "files | where size > 10kb and name =~ '\\.ts$'",
    'files | where modified > 2h',
    "open people.csv | where 'not (age < 18 or city in [Paris, Rome])'",
  ],
  run({ args, input }) {
    const expr = parseWhere(args.condition);
    return filterRows(tableOf('where', input), expr);
  },
});

type SortKind = 'number' | 'text' | 'boolean' | 'date';

const kindName: Record<SortKind, string> = { number: 'numbers', text: 'text', boolean: 'booleans', date: 'dates' };

function sortKind(value: unknown): SortKind | 'none' | 'other' {
  if (value === undefined || value === null) return 'none';
  if (typeof value === 'number' || typeof value === 'bigint') return 'number';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'boolean') return 'boolean';
  if (value instanceof Date) return 'date';
  return 'other';
}

export const sortBy = defineCommand({
  description: 'Sort rows by columns (the first decides, the next breaks ties); rows without a value go last',
  args: columnsArg('Columns to sort by'),
  flags: z.object({
    reverse: z.boolean().default(false).describe('Largest first'),
    ignoreCase: z.boolean().default(false).describe('Sort text without regard to case'),
  }),
  short: { r: 'reverse', i: 'ignoreCase' },
  input: schemas.table,
  output: 'input',
  examples: ['open people.csv | sort-by age', 'files | sort-by size -r | first 5', 'open people.csv | sort-by city name'],
  complete: columns(false),
  run({ args, flags, input }) {
    const rows = tableOf('sort-by', input);
    checkColumns('sort-by', rows, args.columns);
    const paths = args.columns.map(splitPath);
    // Decorate once: each row's sort keys, checked for one kind per column.
    const keyed: { row: Row; keys: unknown[] }[] = [];
    const kinds: (SortKind | undefined)[] = paths.map(() => undefined);
    const firstOf: number[] = paths.map(() => -1);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as Row;
      const keys: unknown[] = [];
      for (let c = 0; c < paths.length; c++) {
        let value = at(row, paths[c] as string[]);
        const kind = sortKind(value);
        const column = args.columns[c] as string;
        if (kind === 'other') throw new CommandError(`sort-by: column '${column}' holds ${kindOf(value)} in row ${i}: cannot sort by it`);
        if (kind !== 'none') {
          if (kinds[c] === undefined) {
            kinds[c] = kind;
            firstOf[c] = i;
          } else if (kinds[c] !== kind)
            throw new CommandError(
              `sort-by: column '${column}' mixes ${kindName[kinds[c] as SortKind]} (row ${firstOf[c]}) and ${kindName[kind]} (row ${i})`,
            );
          if (kind === 'text' && flags.ignoreCase) value = (value as string).toLowerCase();
          else if (kind === 'date') value = (value as Date).getTime();
          else if (kind === 'boolean') value = value ? 1 : 0;
        }
        keys.push(value);
      }
      keyed.push({ row, keys });
    }
    const direction = flags.reverse ? -1 : 1;
    keyed.sort((a, b) => {
      for (let c = 0; c < paths.length; c++) {
        const x = a.keys[c] as number | string | null | undefined;
        const y = b.keys[c] as number | string | null | undefined;
        const xNone = x === undefined || x === null;
        const yNone = y === undefined || y === null;
        if (xNone || yNone) {
          if (xNone && yNone) continue;
          return xNone ? 1 : -1;
        }
        if (x < y) return -direction;
        if (x > y) return direction;
      }
      return 0;
    });
    const out: Row[] = [];
    for (const { row } of keyed) out.push(row);
    return out;
  },
});

const countArg = z.object({ n: z.number().int().min(0).default(1).describe('How many items') });

export const first = defineCommand({
  description: 'The first N items of a list (a list, even of one)',
  args: countArg,
  input: schemas.list,
  output: 'input',
  examples: ['open people.csv | sort-by age | first 3', 'files | first'],
  run({ args, input }) {
    return listOf('first', input).slice(0, args.n);
  },
});

export const last = defineCommand({
  description: 'The last N items of a list (a list, even of one)',
  args: countArg,
  input: schemas.list,
  output: 'input',
  examples: ['open people.csv | sort-by age | last 3', 'files | last'],
  run({ args, input }) {
    const list = listOf('last', input);
    return args.n === 0 ? [] : list.slice(Math.max(0, list.length - args.n));
  },
});

export const length = defineCommand({
  description: 'How many items a list has',
  input: schemas.list,
  output: z.number(),
  examples: ["open people.csv | where 'age > 30' | length", 'files | length'],
  run({ input }) {
    return listOf('length', input).length;
  },
});

export const lines = defineCommand({
  description: 'Split text into a list of lines (the newline at the end adds no empty line)',
  input: schemas.text,
  output: z.array(z.string()),
  examples: ['^git log --oneline | lines | length', 'open notes.txt | lines | find TODO'],
  run({ input }) {
    const text = textOf('lines', input);
    if (text === '') return [];
    const out = text.split(/\r?\n/);
    if (out[out.length - 1] === '') out.pop();
    return out;
  },
});

/** A key equal for equal values (records equal whatever their key order), different across types. */
function identity(value: unknown): string {
  if (value === undefined) return 'u';
  if (value instanceof Date) return `d:${value.getTime()}`;
  if (typeof value !== 'object' || value === null) return `${typeof value}:${String(value)}`;
  return `o:${JSON.stringify(value, (_key, v) =>
    isRecord(v)
      ? recordOf(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]] as const),
        )
      : v,
  )}`;
}

export const uniq = defineCommand({
  description: 'Drop repeated items, keeping the first of each (rows are equal when all their columns are)',
  flags: z.object({ count: z.boolean().default(false).describe('Give each distinct value with how many times it appears') }),
  short: { c: 'count' },
  input: schemas.list,
  // Not 'input': with --count the items become { value, count } records.
  output: schemas.list,
  examples: ['open people.csv | get city | uniq', 'open people.csv | get city | uniq --count'],
  run({ flags, input }) {
    const list = listOf('uniq', input);
    const seen = new Map<string, { value: unknown; count: number }>();
    for (const item of list) {
      const key = identity(item);
      const entry = seen.get(key);
      if (entry) entry.count++;
      else seen.set(key, { value: item, count: 1 });
    }
    const out: unknown[] = [];
    for (const entry of seen.values()) out.push(flags.count ? { value: entry.value, count: entry.count } : entry.value);
    return out;
  },
});

/** A record whose record-valued columns are lifted into it (`{a: {b: 1}}` → `{b: 1}`; a clash keeps the path: `a.b`). */
function flattenRecord(row: Row): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) {
    if (!isRecord(value)) setOwn(out, key, value);
  }
  for (const [key, value] of Object.entries(row)) {
    if (!isRecord(value)) continue;
    for (const [inner, v] of Object.entries(value)) setOwn(out, Object.hasOwn(out, inner) ? `${key}.${inner}` : inner, v);
  }
  return out;
}

export const flatten = defineCommand({
  description: "One level less nesting: a list's inner lists are spliced in, a record's inner records lifted into it",
  input: z.union([schemas.list, schemas.row]),
  output: z.union([schemas.list, schemas.row]),
  examples: ['open data.json | get groups | flatten', 'open package.json | select name repository | flatten'],
  run({ input }) {
    if (isRecord(input)) return flattenRecord(input);
    const list = listOf('flatten', input);
    const out: unknown[] = [];
    for (const item of list) {
      if (Array.isArray(item)) for (const inner of item) out.push(inner);
      else out.push(isRecord(item) ? flattenRecord(item) : item);
    }
    return out;
  },
});

export const groupBy = defineCommand({
  description: "A record of lists: the rows grouped by a column's value (as text), in the order the values first appear",
  args: z.object({ column: z.string().describe('The column to group by') }),
  input: schemas.table,
  output: z.record(z.string(), schemas.table),
  examples: ['open people.csv | group-by city', 'files | group-by type | get dir'],
  complete: columns(false),
  run({ args, input }) {
    const rows = tableOf('group-by', input);
    checkColumns('group-by', rows, [args.column]);
    const path = splitPath(args.column);
    const groups = new Map<string, Row[]>();
    for (const row of rows) {
      const value = at(row, path);
      const key = value === undefined || value === null ? 'null' : scalarText(value);
      const group = groups.get(key);
      if (group) group.push(row);
      else groups.set(key, [row]);
    }
    return recordOf(groups);
  },
});

export const find = defineCommand({
  description: 'Keep the items (or lines of text) that contain TEXT; a row matches when any of its values does',
  args: z.object({ text: z.string().describe('What to look for') }),
  flags: z.object({
    ignoreCase: z.boolean().default(false).describe('Match without regard to case'),
    regex: z.boolean().default(false).describe('TEXT is a regular expression'),
  }),
  short: { i: 'ignoreCase', r: 'regex' },
  input: z.union([schemas.text, schemas.list]),
  output: 'input',
  examples: ['open notes.txt | find TODO', 'open people.csv | find -i paris', "^ps aux | find -r 'node|npm'"],
  run({ args, flags, input }) {
    let matches: (text: string) => boolean;
    if (flags.regex) {
      let pattern: RegExp;
      try {
        pattern = new RegExp(args.text, flags.ignoreCase ? 'i' : '');
      } catch (error) {
        throw usage(
          `find: bad regular expression '${args.text}': ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`,
        );
      }
      matches = (text) => pattern.test(text);
    } else if (flags.ignoreCase) {
      const needle = args.text.toLowerCase();
      matches = (text) => text.toLowerCase().includes(needle);
    } else matches = (text) => text.includes(args.text);
    if (typeof input === 'string') {
      const kept: string[] = [];
      for (const line of input.split(/\r?\n/)) if (matches(line)) kept.push(line);
      return kept.join('\n');
    }
    if (!Array.isArray(input)) throw wrongInput('find', 'text or a list', input);
    const out: unknown[] = [];
    for (const item of input) {
      const hit = isRecord(item) ? Object.values(item).some((v) => matches(scalarText(v))) : matches(scalarText(item));
      if (hit) out.push(item);
    }
    return out;
  },
});

/** A copy of a record or list with the value at the path replaced (only the containers along the path are copied). */
function replaced(value: unknown, parts: readonly string[], next: unknown, depth = 0): unknown {
  const key = parts[depth] as string;
  const inner = depth === parts.length - 1 ? next : replaced(step(value, key).value, parts, next, depth + 1);
  if (Array.isArray(value)) {
    const copy = value.slice();
    copy[Number(key)] = inner;
    return copy;
  }
  const copy: Row = {};
  for (const k of Object.keys(value as Row)) setOwn(copy, k, (value as Row)[k]);
  setOwn(copy, key, inner);
  return copy;
}

/** A value typed on the command line: `42`, `true`, `null`, or text (`007` stays text). */
function typedValue(text: string): unknown {
  const number = parseNumber(text);
  if (number !== undefined) return number;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  return text;
}

export const update = defineCommand({
  description: 'Set a column to VALUE in every row (the column must exist; numbers, true/false and null are typed)',
  args: z.object({
    column: z.string().describe('The column to set (a.b for a nested one)'),
    value: z.string().describe('The new value'),
  }),
  flags: z.object({ string: z.boolean().default(false).describe('Keep VALUE as text, even 42 or true') }),
  short: { s: 'string' },
  input: schemas.rows,
  output: 'input',
  examples: ['open people.csv | update city Paris', 'open package.json | update version 2.0.0 | save -f package.json'],
  run({ args, flags, input }) {
    const value = flags.string ? args.value : typedValue(args.value);
    return mapRows('update', input, [args.column], (row, [path], i) => {
      if (!has(row, path as string[])) throw new CommandError(`update: row ${i} has no column '${args.column}'`);
      return replaced(row, path as string[], value) as Row;
    });
  },
});

/** `{name}: {value}` → a regular expression anchored to the line, and the names of its captures. */
function patternOf(pattern: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  let source = '^';
  let rest = pattern;
  for (let open = rest.indexOf('{'); open !== -1; open = rest.indexOf('{')) {
    const close = rest.indexOf('}', open);
    if (close === -1) throw usage(`parse: unclosed '{' in '${pattern}'`);
    const name = rest.slice(open + 1, close);
    if (name === '') throw usage(`parse: an empty {} in '${pattern}': name each part, as {name}`);
    if (names.includes(name)) throw usage(`parse: {${name}} appears twice in '${pattern}'`);
    names.push(name);
    source += `${rest.slice(0, open).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(.*?)`;
    rest = rest.slice(close + 1);
  }
  if (names.length === 0) throw usage(`parse: '${pattern}' has no {name} to capture`);
  source += `${rest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
  return { regex: new RegExp(source, 's'), names };
}

export const parse = defineCommand({
  description: 'Records from text by a pattern: each {name} captures a part of a line (lines that do not fit are skipped)',
  args: z.object({
    pattern: z.string().describe("Text with {name} parts, as '{key}={value}'; with --regex, a regular expression with (?<name>…) groups"),
  }),
  flags: z.object({ regex: z.boolean().default(false).describe('PATTERN is a regular expression') }),
  short: { r: 'regex' },
  input: z.union([schemas.text, z.array(z.string())]),
  output: schemas.table,
  examples: ["open /etc/passwd | parse '{user}:{x}:{uid}:{gid}:{rest}' | select user uid", "^git log --oneline | parse '{hash} {subject}'"],
  run({ args, flags, input }) {
    let items: readonly unknown[];
    if (typeof input === 'string') {
      const split = input.split(/\r?\n/);
      if (split[split.length - 1] === '') split.pop();
      items = split;
    } else if (Array.isArray(input)) items = input;
    else throw wrongInput('parse', 'text or a list of text', input);
    let regex: RegExp;
    let names: string[] | undefined;
    if (flags.regex) {
      try {
        regex = new RegExp(args.pattern);
      } catch (error) {
        throw usage(
          `parse: bad regular expression '${args.pattern}': ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`,
        );
      }
    } else ({ regex, names } = patternOf(args.pattern));
    const out: Row[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (typeof item !== 'string') throw usage(`parse: takes text or a list of text, but item ${i} is ${kindOf(item)} (${preview(item)})`);
      const match = regex.exec(item);
      if (!match) continue;
      const row: Row = {};
      if (names) for (let g = 0; g < names.length; g++) setOwn(row, names[g] as string, match[g + 1] ?? '');
      else if (match.groups) for (const [name, value] of Object.entries(match.groups)) setOwn(row, name, value ?? '');
      else for (let g = 1; g < match.length; g++) setOwn(row, `capture${g - 1}`, match[g] ?? '');
      out.push(row);
    }
    return out;
  },
});
