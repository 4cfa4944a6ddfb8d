/**
 * Tab completion of tosh's own commands: names, flags (with descriptions),
 * enum values, a command's own `complete` hook, and paths. It works on
 * half-typed lines through the tolerant scanner (line/scanner.ts).
 */
import { readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { CommandInfo, CompletionRequest, FieldInfo, ValueField } from '../../plugin-sdk/types.ts';
import { shellQuote } from '../line/lexer.ts';
import { isRedirect, type Piece, scan } from '../line/scanner.ts';
import { within } from './external/deadline.ts';
import { SOURCE_LIMIT_MS } from './external/types.ts';
import { pipedFields } from './fields.ts';

/** What completion needs from the shell. */
export interface CompletionSource {
  /** Every command name, `plugin:command` included. */
  names(): string[];
  /** Aliases and programs on PATH, offered in command position once something is typed. */
  programs?(): string[];
  resolve(word: string): CommandInfo | undefined;
  /** The command's own `complete` hook, if it has one. */
  hook?(word: string, request: CompletionRequest): Promise<string[]> | undefined;
  cwd: string;
}

/** The outcome of Tab: replace `[start, end)` of the line with one of `items`. */
export interface Completion {
  start: number;
  end: number;
  /** What the word being completed is, unquoted (the prefix the items share). */
  current: string;
  items: string[];
  /** Items are paths: a directory (ending in `/`) gets no space after it. */
  paths: boolean;
  /** What an item is, shown beside it when several are listed (a command's or a flag's description). */
  descriptions?: Record<string, string>;
  /** Items that take no space after them (`--message=`, `~root/`, a directory of a program's own completion). */
  partial?: string[];
  /** Items are typed as they are, not quoted (`$HOME`, `~root/`: quoting would stop them expanding). */
  raw?: boolean;
}

/** The word at the cursor and the words before it in its pipeline stage. */
export interface WordAt {
  /** The word being completed, unquoted ('' between words). */
  current: string;
  /** Where it starts in the line. */
  start: number;
  /** The piece it is, when the cursor is in a word. */
  piece: Piece | undefined;
  /** The words (and redirect operators) of this stage before it. */
  done: Piece[];
  /** Every piece of the line before the cursor (the stages before this one: their types). */
  pieces: Piece[];
}

/** Split the line before `cursor` into the word being completed and the stage's words before it. */
export function wordAt(line: string, cursor: number): WordAt {
  const pieces = scan(line.slice(0, cursor));
  const last = pieces.at(-1);
  const inWord = last?.kind === 'word';
  // The words of this pipeline stage, up to the one being completed.
  const stage: Piece[] = [];
  for (const piece of pieces) {
    if (piece.kind === 'op' && !isRedirect(piece.value)) stage.length = 0;
    else if (piece.kind === 'word' || piece.kind === 'op') stage.push(piece);
  }
  return {
    current: inWord ? last.value : '',
    start: inWord ? last.start : cursor,
    piece: inWord ? last : undefined,
    done: inWord ? stage.slice(0, -1) : stage,
    pieces,
  };
}

const flagName = (field: FieldInfo) => field.display;

/** Find what the word at the cursor could become. */
export async function complete(line: string, cursor: number, source: CompletionSource): Promise<Completion> {
  const { current, start, done, pieces } = wordAt(line, cursor);
  const result = (items: string[], paths = false, prefix = current, from = start, described?: Record<string, string>): Completion => {
    const found: Completion = {
      start: from,
      end: cursor,
      current: prefix,
      items: [...new Set(items)].filter((i) => i.startsWith(prefix)).sort(),
      paths,
    };
    if (described) found.descriptions = described;
    return found;
  };
  const previous = done.at(-1);
  if (previous?.kind === 'op') return result(paths(current, source.cwd), true);
  if (done.length === 0) {
    // `plugin:command` is offered once a ':' is typed, or where the plain name reaches another plugin.
    // A word with `/` is a path to a program: complete files.
    if (current.includes('/')) return result(paths(current, source.cwd), true);
    const names = source.names().filter((n) => !n.startsWith('_'));
    if (current !== '' && !current.includes(':') && source.programs) names.push(...source.programs());
    const plain = new Set(names.filter((n) => !n.includes(':')));
    const found = result(
      current.includes(':')
        ? names
        : names.filter((n) => {
            const colon = n.indexOf(':');
            return colon < 0 || (source.resolve(n.slice(colon + 1))?.plugin !== n.slice(0, colon) && !plain.has(n));
          }),
    );
    // Descriptions only matter when several are listed: look them up for those alone.
    if (found.items.length > 1 && found.items.length <= 200) {
      const described: Record<string, string> = {};
      for (const name of found.items) {
        const description = source.resolve(name)?.description;
        if (description) described[name] = description;
      }
      found.descriptions = described;
    }
    return found;
  }
  const commandWord = (done[0] as Piece).value;
  const info = source.resolve(commandWord);
  if (!info) return result(paths(current, source.cwd), true);
  const words = done.slice(1).map((p) => p.value);
  const ended = words.includes('--');

  // A flag name, or `--flag=value`.
  if (current.startsWith('-') && !ended) {
    const eq = current.indexOf('=');
    if (eq > 0) {
      const field = flagOf(info, current.slice(0, eq));
      if (!field) return result([]);
      const value = current.slice(eq + 1);
      const items = await valuesFor(info, commandWord, field, [...words, current], value, source);
      return { ...result(items.values, items.paths, value), start: start + current.indexOf('=') + 1 };
    }
    const names = info.flags.flatMap((f) =>
      f.type === 'boolean' && !f.array ? [flagName(f), `--no-${flagName(f).slice(2)}`] : [flagName(f)],
    );
    if (!info.flags.some((f) => f.key === 'help')) names.push('--help');
    const described: Record<string, string> = { '--help': 'Show how to use the command' };
    for (const f of info.flags) {
      if (f.description) described[flagName(f)] = f.description;
      if (f.type === 'boolean') described[`--no-${flagName(f).slice(2)}`] = `Not: ${f.description ?? flagName(f)}`;
    }
    // Offer `--no-x` only once `--no` is typed, as fish does.
    return result(current.startsWith('--no') ? names : names.filter((n) => !n.startsWith('--no-')), false, current, start, described);
  }

  // The value of the flag before, or a positional argument.
  let field: FieldInfo | undefined;
  const prevWord = words.at(-1);
  const prevFlag = prevWord && !ended && prevWord.startsWith('-') && !prevWord.includes('=') ? flagOf(info, prevWord) : undefined;
  if (prevFlag && prevFlag.type !== 'boolean') field = prevFlag;
  else field = positional(info, words);
  // Completion from types: the hook is told the fields of what is piped in (fields.ts).
  const piped = pipedFields(pieces, (word) => source.resolve(word));
  const items = await valuesFor(info, commandWord, field, [...words, current], current, source, piped);
  return result(items.values, items.paths);
}

function flagOf(info: CommandInfo, word: string): FieldInfo | undefined {
  if (word.startsWith('--')) {
    const name = word.slice(2);
    return info.flags.find((f) => flagName(f) === `--${name}` || (f.type === 'boolean' && `--no-${flagName(f).slice(2)}` === word));
  }
  const key = info.short[word.slice(1)];
  return key === undefined ? undefined : info.flags.find((f) => f.key === key);
}

/** The positional argument the next word fills. */
function positional(info: CommandInfo, words: string[]): FieldInfo | undefined {
  let count = 0;
  let ended = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (!ended && word === '--') {
      ended = true;
      continue;
    }
    if (!ended && word.startsWith('-') && word !== '-') {
      const flag = flagOf(info, word.split('=')[0] as string);
      if (flag && flag.type !== 'boolean' && !word.includes('=')) i++;
      continue;
    }
    count++;
  }
  const last = info.args.at(-1);
  return info.args[count] ?? (last?.array ? last : undefined);
}

async function valuesFor(
  info: CommandInfo,
  commandWord: string,
  field: FieldInfo | undefined,
  words: string[],
  current: string,
  source: CompletionSource,
  piped?: ValueField[],
): Promise<{ values: string[]; paths: boolean }> {
  const values = [...(field?.values ?? [])];
  const request: CompletionRequest = { words, current };
  if (field) request.field = field;
  if (piped) request.piped = piped;
  try {
    // A hook is a source like any other: it has the same time limit (CONTRACT §16).
    const hook = source.hook?.(commandWord, request);
    const fromHook = hook ? await within(hook, performance.now() + SOURCE_LIMIT_MS) : undefined;
    if (Array.isArray(fromHook)) values.push(...fromHook.filter((v) => typeof v === 'string'));
  } catch {
    // A failing hook only means fewer suggestions.
  }
  if (values.length > 0) return { values, paths: false };
  if (field && (field.type === 'number' || field.type === 'boolean' || field.type === 'bigint')) return { values: [], paths: false };
  if (!field && info.args.length === 0) return { values: [], paths: false };
  return { values: paths(current, source.cwd), paths: true };
}

/** File names that complete `word` (directories end in `/`). */
export function paths(word: string, cwd: string): string[] {
  const slash = word.lastIndexOf('/');
  const dirPart = slash < 0 ? '' : word.slice(0, slash + 1);
  const base = slash < 0 ? word : word.slice(slash + 1);
  const expanded = dirPart.startsWith('~/') ? join(homedir(), dirPart.slice(2)) : dirPart;
  const dir = isAbsolute(expanded) ? expanded : resolve(cwd, expanded || '.');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names) {
    if (!name.startsWith(base) || (name.startsWith('.') && !base.startsWith('.'))) continue;
    let isDir = false;
    try {
      isDir = statSync(join(dir, name)).isDirectory();
    } catch {}
    out.push(`${dirPart}${name}${isDir ? '/' : ''}`);
  }
  return out;
}

/** The longest prefix all items share. */
export function commonPrefix(items: string[]): string {
  if (items.length === 0) return '';
  let prefix = items[0] as string;
  for (const item of items) while (!item.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/** A word as it should be typed into the line (quoted when needed; an unfinished path keeps its `/` end). */
export function typed(word: string): string {
  if (word.startsWith('~/')) return `~/${shellQuote(word.slice(2)) === word.slice(2) ? word.slice(2) : shellQuote(word.slice(2))}`;
  return shellQuote(word);
}

/**
 * Apply a completion to the line: one item completes inline (with a space
 * after it, unless it is a directory); several complete their common prefix.
 * Returns undefined when the line would not change.
 */
export function applyCompletion(line: string, completion: Completion): { text: string; cursor: number } | undefined {
  const { items, start, end } = completion;
  if (items.length === 0) return undefined;
  const only = items.length === 1;
  const word = only ? (items[0] as string) : commonPrefix(items);
  if (!only && word.length <= completion.current.length) return undefined;
  const partial = (completion.paths && word.endsWith('/')) || completion.partial?.includes(word) === true;
  const suffix = only && !partial ? ' ' : '';
  const insertText = (word === '' ? '' : completion.raw ? word : typed(word)) + suffix;
  const after = line.slice(end);
  const text = line.slice(0, start) + insertText + (suffix && after.startsWith(' ') ? after.slice(1) : after);
  return { text, cursor: start + insertText.length };
}
