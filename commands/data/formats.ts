/**
 * Text ↔ values for each format, with maintained parsers: JSON (the engine's
 * own, with jsonc-parser to locate the errors it leaves unplaced), CSV/TSV
 * (csv-parse, csv-stringify), YAML (yaml), TOML (smol-toml). A parse error is
 * one line with the line and column the parser reports.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parse as parseCsvRows } from 'csv-parse/sync';
import { stringify as stringifyCsvRows } from 'csv-stringify/sync';
import { parse as locateJson, type ParseError, printParseErrorCode } from 'jsonc-parser';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { CommandError, defineCommand, z } from 'tosh/plugin-sdk';
import YAML from 'yaml';
import { parseNumber } from './units.ts';
import { isRecord, kindOf, type Row, scalarText, schemas, setOwn, usage, wrongInput } from './values.ts';

export const FORMATS = ['json', 'csv', 'tsv', 'yaml', 'toml'] as const;
export type Format = (typeof FORMATS)[number];

const BY_EXTENSION: Record<string, Format> = {
  '.json': 'json',
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.toml': 'toml',
};

/** The format a file name says (`.yml` is YAML), or undefined for any other file. */
export const formatOf = (file: string): Format | undefined => BY_EXTENSION[extname(file).toLowerCase()];

/** Options of the CSV/TSV reader. */
export interface ReadOptions {
  /** Turn cells that are numbers or true/false into numbers and booleans. */
  infer: boolean;
  /** The first row names the columns (else they are column0, column1…). */
  headers: boolean;
}

/** A parse failure: what the parser said and where. */
class ParseFailure extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

/** Line and column (1-based) of a character offset. */
function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let nl = text.indexOf('\n'); nl !== -1 && nl < offset; nl = text.indexOf('\n', nl + 1)) {
    line++;
    start = nl + 1;
  }
  return { line, column: offset - start + 1 };
}

const JSON_WORDS: Record<string, string> = {
  InvalidSymbol: 'Unexpected token',
  InvalidNumberFormat: 'Bad number',
  PropertyNameExpected: "Expected property name or '}'",
  ValueExpected: 'Expected a value',
  ColonExpected: "Expected ':'",
  CommaExpected: "Expected ','",
  CloseBraceExpected: "Expected '}'",
  CloseBracketExpected: "Expected ']'",
  EndOfFileExpected: 'Unexpected text after the JSON value',
  InvalidCommentToken: 'Comments are not JSON',
  UnexpectedEndOfComment: 'Unclosed comment',
  UnexpectedEndOfString: 'Unterminated string',
  UnexpectedEndOfNumber: 'Unterminated number',
  InvalidUnicode: 'Bad unicode escape',
  InvalidEscapeCharacter: 'Bad escaped character',
  InvalidCharacter: 'Bad control character in string',
};

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const placed = / in JSON at position (\d+)/.exec(message);
    const words = message
      .replace(/ in JSON at position \d+.*$/, '')
      .replace(/, ".*" is not valid JSON$/s, '')
      .replace(/ \(line \d+ column \d+\)$/, '');
    if (placed) {
      const { line, column } = position(text, Number(placed[1]));
      throw new ParseFailure(words, line, column);
    }
    // V8 leaves some errors unplaced ("Unexpected token ']', "[1,]" is not valid JSON"): a strict
    // jsonc-parser pass finds where.
    const errors: ParseError[] = [];
    locateJson(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    if (!first) throw new ParseFailure(words);
    const { line, column } = position(text, first.offset);
    const what = words.startsWith('Unexpected') ? words : (JSON_WORDS[printParseErrorCode(first.error)] ?? words);
    throw new ParseFailure(what, line, column);
  }
}

/** A CSV cell as a value: `42` and `-1.5` are numbers, `true`/`false` booleans; `007` stays text. */
function inferCell(cell: string): unknown {
  const number = parseNumber(cell);
  if (number !== undefined) return number;
  if (cell === 'true') return true;
  if (cell === 'false') return false;
  return cell;
}

function parseDelimited(text: string, delimiter: string, options: ReadOptions): Row[] {
  let rows: string[][];
  try {
    rows = parseCsvRows(text, { delimiter, bom: true, skip_empty_lines: true }) as string[][];
  } catch (error) {
    const e = error as Error & { lines?: number; code?: string };
    // csv-parse says the line itself ("… on line 3"); it also counts fields, not characters, so the line is the place.
    const words = e.message.replace(/ (?:on|at) line \d+/, '').split('\n')[0] as string;
    throw new ParseFailure(words, e.lines);
  }
  const first = rows[0];
  if (first === undefined) return [];
  const names = options.headers ? first.map((name, i) => (name === '' ? `column${i}` : name)) : first.map((_, i) => `column${i}`);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new ParseFailure(`column '${name}' appears twice in the header`, 1);
    seen.add(name);
  }
  const out: Row[] = [];
  for (let r = options.headers ? 1 : 0; r < rows.length; r++) {
    const cells = rows[r] as string[];
    const row: Row = {};
    for (let c = 0; c < names.length; c++) {
      const cell = cells[c] ?? '';
      setOwn(row, names[c] as string, options.infer ? inferCell(cell) : cell);
    }
    out.push(row);
  }
  return out;
}

function parseYaml(text: string): unknown {
  const docs = YAML.parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  const values: unknown[] = [];
  for (const doc of list) {
    const error = doc.errors[0];
    if (error) {
      const words = (error.message.split('\n')[0] as string).replace(/ at line \d+, column \d+:?$/, '');
      throw new ParseFailure(words, error.linePos?.[0].line, error.linePos?.[0].col);
    }
    values.push(doc.toJS());
  }
  // Several documents (`---`) are a list of them; none is null, as yaml.parse('') gives.
  return values.length === 0 ? null : values.length === 1 ? values[0] : values;
}

function parseTomlText(text: string): unknown {
  try {
    return parseToml(text);
  } catch (error) {
    const e = error as Error & { line?: number; column?: number };
    const words = (e.message.split('\n')[0] as string).replace(/^Invalid TOML document: /, '');
    throw new ParseFailure(words, e.line, e.column);
  }
}

/**
 * Parse text in a format. A parse error becomes one line naming where it
 * came from: `open: data.json: Unexpected token at line 3 column 5`.
 */
export function parseText(text: string, format: Format, options: ReadOptions, where: string): unknown {
  try {
    switch (format) {
      case 'json':
        return parseJson(text);
      case 'csv':
        return parseDelimited(text, ',', options);
      case 'tsv':
        return parseDelimited(text, '\t', options);
      case 'yaml':
        return parseYaml(text);
      case 'toml':
        return parseTomlText(text);
    }
  } catch (error) {
    if (!(error instanceof ParseFailure)) throw error;
    const place =
      error.line === undefined
        ? ''
        : error.column === undefined
          ? ` at line ${error.line}`
          : ` at line ${error.line} column ${error.column}`;
    throw new CommandError(`${where}: ${error.message}${place}`, { exitCode: 1 });
  }
}

/** The columns of a table: every key, in the order they first appear. */
function columnsOf(rows: readonly Row[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

function delimited(value: unknown, delimiter: string, where: string): string {
  const rows = isRecord(value) ? [value] : value;
  if (!Array.isArray(rows)) throw usage(`${where}: needs a list of records or a record, but got ${kindOf(value)}`);
  for (let i = 0; i < rows.length; i++)
    if (!isRecord(rows[i])) throw usage(`${where}: needs a list of records, but item ${i} is ${kindOf(rows[i])}`);
  const table = rows as Row[];
  const columns = columnsOf(table);
  const records: string[][] = [columns];
  for (const row of table) records.push(columns.map((c) => scalarText(row[c])));
  return stringifyCsvRows(records, { delimiter });
}

/** A value as plain text: each list item on a line, a record as `key: value` lines, a record in a list as `key: value, …`. */
export function plainText(value: unknown): string {
  const line = (item: unknown) =>
    isRecord(item)
      ? Object.entries(item)
          .map(([k, v]) => `${k}: ${scalarText(v)}`)
          .join(', ')
      : item === null
        ? 'null'
        : scalarText(item);
  if (Array.isArray(value)) {
    const lines: string[] = [];
    for (const item of value) lines.push(line(item));
    return lines.join('\n');
  }
  if (isRecord(value))
    return Object.entries(value)
      .map(([k, v]) => `${k}: ${scalarText(v)}`)
      .join('\n');
  return line(value);
}

/** Text ending in exactly one newline (empty stays empty), as a file or jq's output ends. */
const ended = (text: string) => (text === '' || text.endsWith('\n') ? text : `${text}\n`);

/** A value as text in a format: JSON pretty with 2 spaces unless `compact` (as jq and `jq -c`). */
export function formatValue(value: unknown, format: Format | 'text', where: string, compact = false): string {
  switch (format) {
    case 'json': {
      let text: string | undefined;
      try {
        text = JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v), compact ? undefined : 2);
      } catch (error) {
        throw new CommandError(`${where}: ${(error as Error).message.split('\n')[0]}`);
      }
      return ended(text ?? 'null');
    }
    case 'csv':
      return delimited(value, ',', where);
    case 'tsv':
      return delimited(value, '\t', where);
    case 'yaml':
      return YAML.stringify(value === undefined ? null : value);
    case 'toml':
      if (!isRecord(value)) throw usage(`${where}: TOML needs a record at the top, but got ${kindOf(value)}`);
      try {
        return ended(stringifyToml(value));
      } catch (error) {
        throw new CommandError(`${where}: ${(error as Error).message.split('\n')[0]}`);
      }
    case 'text':
      return ended(plainText(value));
  }
}

/** Read a file the user named, relative to the working directory; a failure is one line. */
function readText(command: string, file: string, cwd: string): string {
  try {
    return readFileSync(resolve(cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CommandError(`${command}: ${file}: no such file`);
    if (code === 'EISDIR') throw new CommandError(`${command}: ${file}: is a directory (list it with 'files ${file}')`);
    if (code === 'EACCES') throw new CommandError(`${command}: ${file}: permission denied`);
    throw new CommandError(`${command}: ${file}: ${(error as Error).message}`);
  }
}

const csvFlags = {
  infer: z.boolean().default(true).describe('CSV/TSV: turn cells such as 42 and true into numbers and booleans (--no-infer keeps text)'),
  headers: z.boolean().default(true).describe('CSV/TSV: the first row names the columns (--no-headers: column0, column1…)'),
};

export const open = defineCommand({
  description: 'Read a file as a value, by its extension (.json .csv .tsv .yaml .yml .toml; other files as text)',
  args: z.object({ file: z.string().describe('The file to read') }),
  flags: z.object({ raw: z.boolean().default(false).describe('Give the text, not parsed'), ...csvFlags }),
  short: { r: 'raw' },
  output: schemas.any,
  examples: ['open package.json | get version', "open people.csv | where 'age > 30' | sort-by name", 'open config.toml --raw'],
  run({ args, flags }, ctx) {
    const text = readText('open', args.file, ctx.cwd);
    const format = formatOf(args.file);
    if (flags.raw || format === undefined) return text;
    return parseText(text, format, flags, `open: ${args.file}`);
  },
});

export const from = defineCommand({
  description: 'Parse text (from a program or a file) as json, csv, tsv, yaml or toml',
  args: z.object({ format: z.enum(FORMATS).describe('The format of the text') }),
  flags: z.object(csvFlags),
  input: schemas.text,
  output: schemas.any,
  examples: ['^curl -s https://api.github.com/repos/nodejs/node | from json | get stargazers_count', 'open data.txt | from csv'],
  run({ args, flags, input }) {
    if (typeof input !== 'string') throw wrongInput(`from ${args.format}`, 'text', input);
    return parseText(input, args.format, flags, `from ${args.format}`);
  },
});

export const to = defineCommand({
  description: 'Turn a value into text: json (pretty, as jq prints it), csv, tsv, yaml, toml or plain text',
  args: z.object({ format: z.enum([...FORMATS, 'text']).describe('The format of the text') }),
  flags: z.object({ compact: z.boolean().default(false).describe('json: all on one line (as jq -c)') }),
  short: { c: 'compact' },
  input: schemas.any,
  output: schemas.text,
  examples: ['open people.csv | to json', 'open data.json | to yaml', 'files | select name size | to csv'],
  run({ args, flags, input }) {
    if (input === undefined) throw wrongInput(`to ${args.format}`, 'a value', input);
    return formatValue(input, args.format, `to ${args.format}`, flags.compact);
  },
});

export const save = defineCommand({
  description: "Write the value to FILE in FILE's format (text as it is); an existing file only with --force",
  args: z.object({ file: z.string().describe('The file to write (.json .csv .tsv .yaml .yml .toml, or any file for text)') }),
  flags: z.object({ force: z.boolean().default(false).describe('Overwrite FILE if it exists') }),
  short: { f: 'force' },
  input: schemas.any,
  output: schemas.nothing,
  examples: [
    "open people.csv | where 'age > 30' | save over-30.json",
    '^curl -s https://api.github.com/repos/nodejs/node | save node.json',
    'open a.yaml | save -f a.toml',
  ],
  run({ args, flags, input }, ctx) {
    if (input === undefined) throw wrongInput('save', 'a value', input);
    const format = formatOf(args.file);
    let text: string;
    if (typeof input === 'string') text = input;
    else if (format === undefined)
      throw usage(
        `save: ${args.file}: no format for '${extname(args.file) || basename(args.file)}' (json, csv, tsv, yaml, toml); pipe through 'to text' or 'to json' first`,
      );
    else text = formatValue(input, format, `save: ${args.file}`);
    const path = resolve(ctx.cwd, args.file);
    try {
      if (!flags.force) writeFileSync(path, text, { flag: 'wx' });
      else {
        // Written beside it, then renamed: a reader never sees half a file.
        const temp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
        try {
          writeFileSync(temp, text);
          renameSync(temp, path);
        } finally {
          rmSync(temp, { force: true });
        }
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new CommandError(`save: ${args.file}: already exists (use --force to overwrite)`);
      if (code === 'ENOENT') throw new CommandError(`save: ${args.file}: no such directory`);
      if (code === 'EISDIR') throw new CommandError(`save: ${args.file}: is a directory`);
      if (code === 'EACCES') throw new CommandError(`save: ${args.file}: permission denied`);
      throw new CommandError(`save: ${args.file}: ${(error as Error).message}`);
    }
    return undefined;
  },
});
