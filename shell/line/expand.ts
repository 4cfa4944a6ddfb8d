/**
 * Expansion of parsed words (contract section 10): variables, `$?`, `$(…)`,
 * `~` and globs. Differences from sh, on purpose (as in zsh and fish): a
 * variable's value is never split or globbed, the output of `$(…)` is split
 * but never globbed, and a glob that matches nothing is an error.
 */
import type { Dirent } from 'node:fs';
import { join, resolve } from 'node:path';
import { quote, ShellError, Status } from '../base/errors.ts';
import type { RedirectOperator, Word } from './lexer.ts';
import type { CommandNode } from './parser.ts';

/** What expansion reads from the shell. */
export interface ExpandEnv {
  /** A variable's value; undefined when it is not set (expands to nothing). */
  vars(name: string): string | undefined;
  /** The status of the previous pipeline (`$?`). */
  status: number;
  /** The home directory (`~`). */
  home: string;
  /** The working directory globs are matched against. */
  cwd: string;
  /** Run a tosh line and give what it printed (`$(line)`); trailing newlines are removed here. */
  substitute(line: string): Promise<string>;
}

/** A redirect with its file name expanded (not yet resolved against the working directory). */
export type ExpandedRedirect =
  | { kind: 'read'; fd: 0; path: string; op: RedirectOperator }
  | { kind: 'write' | 'append'; fd: 1 | 2; path: string; op: RedirectOperator }
  | { kind: 'dup'; fd: 1 | 2; target: 1 | 2; op: RedirectOperator };

/** A command ready to run: its arguments (name first), variables for it alone, redirects in order. */
export interface ExpandedCommand {
  /** Empty when the words expanded to nothing (`$UNSET`) or there were none (`FOO=1`). */
  argv: string[];
  assignments: { name: string; value: string }[];
  redirects: ExpandedRedirect[];
  /** Written `^name`: run the program even if a plugin owns the name. */
  external: boolean;
}

/**
 * Expand a whole command in sh's order: words, then redirect targets, then
 * assignment values (so `FOO=1 cmd $FOO` sees the old `FOO`). Apply aliases
 * (`applyAlias`) before this.
 */
export async function expandCommand(command: CommandNode, env: ExpandEnv): Promise<ExpandedCommand> {
  const argv = await expandWords(command.words, env);
  const redirects: ExpandedRedirect[] = [];
  for (const r of command.redirects) {
    if (r.kind === 'dup') redirects.push({ kind: 'dup', fd: r.fd, target: r.target, op: r.op });
    else if (r.kind === 'read') redirects.push({ kind: 'read', fd: 0, path: await expandRedirectTarget(r.target, env), op: r.op });
    else redirects.push({ kind: r.kind, fd: r.fd, path: await expandRedirectTarget(r.target, env), op: r.op });
  }
  const assignments: ExpandedCommand['assignments'] = [];
  // Each value sees the assignments before it (`A=1 B=$A cmd` gives B=1, as in bash).
  const earlier = new Map<string, string>();
  const withEarlier: ExpandEnv = { ...env, vars: (name) => earlier.get(name) ?? env.vars(name) };
  for (const a of command.assignments) {
    const value = await expandAssignment(a.value, earlier.size > 0 ? withEarlier : env);
    assignments.push({ name: a.name, value });
    earlier.set(a.name, value);
  }
  return { argv, assignments, redirects, external: command.external };
}

/**
 * Expand a command's words into its argument strings. An unquoted word that
 * expands to nothing (`$UNSET`, `$(true)`) gives no word; `"$UNSET"` gives
 * one empty word. Throws `ShellError` (status 1) for a glob without match.
 */
export async function expandWords(words: readonly Word[], env: ExpandEnv): Promise<string[]> {
  const out: string[] = [];
  for (const word of words) {
    // Most words are plain text with nothing to expand.
    const [only, ...more] = word.parts;
    if (only?.kind === 'literal' && more.length === 0 && (only.quoted !== 'none' || !/[*?[]/.test(only.text))) out.push(only.text);
    else out.push(...(await expandWord(word, env)));
  }
  return out;
}

/** One word's strings (none, one, or several from `$(…)` splitting and globs). */
export async function expandWord(word: Word, env: ExpandEnv): Promise<string[]> {
  const out: string[] = [];
  for (const field of await fields(word, env, true)) {
    if (!isPattern(field.pieces)) {
      out.push(field.pieces.map((p) => p.text).join(''));
      continue;
    }
    const matches = await glob(field.pieces, env.cwd);
    if (matches.length === 0) throw new ShellError(`no matches for ${quote(word.raw)}`, Status.failed);
    out.push(...matches);
  }
  return out;
}

/** An assignment's value (`NAME=value`): one string, never split nor globbed. */
export async function expandAssignment(value: Word, env: ExpandEnv): Promise<string> {
  const [field] = await fields(value, env, false);
  return field ? field.pieces.map((p) => p.text).join('') : '';
}

/**
 * A redirect's file name: the word must expand to exactly one string (a glob
 * to exactly one file), else a `ShellError` (status 1) says why.
 */
export async function expandRedirectTarget(target: Word, env: ExpandEnv): Promise<string> {
  const names = await expandWord(target, env);
  if (names.length === 1) return names[0] as string;
  const what = names.length === 0 ? 'gives no file name' : `gives ${names.length} file names`;
  throw new ShellError(`ambiguous redirect: ${quote(target.raw)} ${what}`, Status.failed);
}

/** Text with where it came from: `glob` when it was written unquoted in the line (so `*`, `?`, `[` are wildcards). */
interface Piece {
  text: string;
  glob: boolean;
}

/** A word after expansion and splitting; `quoted` keeps an empty field (`""`). */
interface Field {
  pieces: Piece[];
  quoted: boolean;
}

const SPLIT = /[ \t\n]+/;

async function fields(word: Word, env: ExpandEnv, split: boolean): Promise<Field[]> {
  const out: Field[] = [];
  let current: Field = { pieces: [], quoted: false };
  const end = () => {
    if (current.quoted || current.pieces.some((p) => p.text !== '')) out.push(current);
    current = { pieces: [], quoted: false };
  };
  for (const part of word.parts) {
    if (part.kind === 'tilde') {
      current.pieces.push({ text: env.home, glob: false });
      continue;
    }
    if (part.quoted !== 'none') current.quoted = true;
    if (part.kind === 'literal') {
      current.pieces.push({ text: part.text, glob: split && part.quoted === 'none' });
    } else if (part.kind === 'var') {
      current.pieces.push({ text: env.vars(part.name) ?? '', glob: false });
    } else if (part.kind === 'status') {
      current.pieces.push({ text: String(env.status), glob: false });
    } else {
      const output = (await env.substitute(part.line)).replace(/\n+$/, '');
      if (part.quoted !== 'none' || !split) {
        current.pieces.push({ text: output, glob: false });
        continue;
      }
      output.split(SPLIT).forEach((text, index) => {
        if (index > 0) end();
        if (text !== '') current.pieces.push({ text, glob: false });
      });
    }
  }
  end();
  if (!split && out.length === 0) out.push(current);
  return out;
}

/** One character of a pattern, `wild` when it may be a wildcard. */
interface PatternChar {
  c: string;
  wild: boolean;
}

function isPattern(pieces: Piece[]): boolean {
  if (!pieces.some((p) => p.glob && /[*?[]/.test(p.text))) return false;
  return segments(pieces).some((segment) => compile(segment).kind !== 'literal');
}

/** The characters of a pattern split at `/` (a quoted `/` separates too, as in sh). */
function segments(pieces: Piece[]): PatternChar[][] {
  const out: PatternChar[][] = [[]];
  for (const piece of pieces) {
    for (const c of piece.text) {
      if (c === '/') out.push([]);
      else out.at(-1)?.push({ c, wild: piece.glob });
    }
  }
  return out;
}

type Segment = { kind: 'literal'; text: string } | { kind: 'globstar' } | { kind: 'match'; source: string; hidden: boolean };

/** One path segment as a literal name, `**`, or a picomatch pattern in which everything but `*`, `?` and `[…]` is escaped. */
function compile(chars: PatternChar[]): Segment {
  const text = chars.map((ch) => ch.c).join('');
  if (text === '**' && chars.every((ch) => ch.wild)) return { kind: 'globstar' };
  let source = '';
  let wildcard = false;
  for (let k = 0; k < chars.length; k++) {
    const { c, wild } = chars[k] as PatternChar;
    if (wild && c === '*') {
      while (chars[k + 1]?.wild && chars[k + 1]?.c === '*') k++;
      source += '*';
      wildcard = true;
    } else if (wild && c === '?') {
      source += '?';
      wildcard = true;
    } else if (wild && c === '[' && bracketEnd(chars, k) > 0) {
      const close = bracketEnd(chars, k);
      source += chars
        .slice(k, close + 1)
        .map((ch) => ch.c)
        .join('');
      k = close;
      wildcard = true;
    } else {
      source += /[A-Za-z0-9]/.test(c) || c > '\x7f' ? c : `\\${c}`;
    }
  }
  if (!wildcard) return { kind: 'literal', text };
  return { kind: 'match', source, hidden: text.startsWith('.') };
}

/** Index of the `]` closing the bracket expression at `open`, or -1 (then `[` is a plain character, as in sh). */
function bracketEnd(chars: PatternChar[], open: number): number {
  let j = open + 1;
  const at = (k: number) => (chars[k]?.wild ? chars[k]?.c : undefined);
  if (at(j) === '!' || at(j) === '^') j++;
  if (at(j) === ']') j++;
  while (j < chars.length) {
    const c = at(j);
    if (c === undefined) return -1;
    if (c === '[' && at(j + 1) === ':') {
      const close = chars.findIndex((ch, k) => k > j + 1 && ch.c === ':' && chars[k + 1]?.c === ']');
      if (close < 0) return -1;
      j = close + 2;
      continue;
    }
    if (c === ']') return j;
    j++;
  }
  return -1;
}

/** A directory being searched: `prefix` is how its paths are shown (as typed, ends with `/` or is empty). */
interface Base {
  prefix: string;
  dir: string;
}

type Matcher = (name: string) => boolean;
let picomatch: typeof import('picomatch') | undefined;

async function matcher(segment: { source: string }): Promise<Matcher> {
  // Loaded on the first glob: most lines have none, and start-up stays lean.
  picomatch ??= (await import('picomatch')).default;
  return picomatch(segment.source, { dot: true, nobrace: true, noextglob: true, nonegate: true, posix: true });
}

/** The paths matching a pattern, as sh shows them: relative to `cwd` as typed, sorted, without duplicates. */
async function glob(pieces: Piece[], cwd: string): Promise<string[]> {
  const parts = segments(pieces).map(compile);
  let bases: Base[] = [{ prefix: '', dir: cwd }];
  let first = 0;
  if (parts.length > 1 && parts[0]?.kind === 'literal' && parts[0].text === '') {
    bases = [{ prefix: '/', dir: '/' }];
    first = 1;
  }
  const results: string[] = [];
  for (let k = first; k < parts.length && bases.length > 0; k++) {
    const part = parts[k] as Segment;
    const last = k === parts.length - 1;
    const next: Base[] = [];
    if (part.kind === 'literal') {
      for (const base of bases) {
        if (!last) next.push({ prefix: `${base.prefix}${part.text}/`, dir: join(base.dir, part.text) });
        else if (part.text === '') {
          // A trailing `/`: directories only, shown with it.
          if (base.prefix !== '' && (await isDirectory(base.dir))) results.push(base.prefix);
        } else if (await exists(join(base.dir, part.text))) results.push(base.prefix + part.text);
      }
    } else if (part.kind === 'match') {
      const test = await matcher(part);
      for (const base of bases) {
        for (const entry of await list(base.dir)) {
          if ((entry.name.startsWith('.') && !part.hidden) || !test(entry.name)) continue;
          if (last) results.push(base.prefix + entry.name);
          else if (await isDirectoryEntry(entry, base.dir))
            next.push({ prefix: `${base.prefix}${entry.name}/`, dir: join(base.dir, entry.name) });
        }
      }
    } else {
      // `**`: this directory and every one below it (not hidden ones, not through symbolic links, as bash's globstar).
      const dirsOnly = parts[k + 1]?.kind === 'literal' && (parts[k + 1] as { text: string }).text === '' && k + 1 === parts.length - 1;
      for (const base of bases) {
        if (last) {
          if (base.prefix !== '') results.push(base.prefix);
          await walk(base, (_entry, path) => {
            results.push(path);
          });
        } else {
          next.push(base);
          await walk(base, async (entry, path, dir) => {
            if (entry.isDirectory()) next.push({ prefix: `${path}/`, dir: join(dir, entry.name) });
            else if (dirsOnly && entry.isSymbolicLink() && (await isDirectory(join(dir, entry.name)))) {
              next.push({ prefix: `${path}/`, dir: join(dir, entry.name) });
            }
          });
        }
      }
    }
    bases = next;
  }
  return [...new Set(results.filter((r) => r !== ''))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Visit every entry below `base` that is not hidden, descending into real directories only. */
async function walk(base: Base, visit: (entry: Dirent, path: string, dir: string) => void | Promise<void>): Promise<void> {
  const stack: Base[] = [base];
  while (stack.length > 0) {
    const { prefix, dir } = stack.pop() as Base;
    for (const entry of await list(dir)) {
      if (entry.name.startsWith('.')) continue;
      const path = prefix + entry.name;
      await visit(entry, path, dir);
      if (entry.isDirectory()) stack.push({ prefix: `${path}/`, dir: join(dir, entry.name) });
    }
  }
}

async function list(dir: string): Promise<Dirent[]> {
  try {
    return await fsp().readdir(resolve(dir), { withFileTypes: true });
  } catch {
    return [];
  }
}

async function isDirectoryEntry(entry: Dirent, dir: string): Promise<boolean> {
  return entry.isDirectory() || (entry.isSymbolicLink() && (await isDirectory(join(dir, entry.name))));
}

async function isDirectory(path: string): Promise<boolean> {
  return (
    (
      await fsp()
        .stat(path)
        .catch(() => undefined)
    )?.isDirectory() ?? false
  );
}

async function exists(path: string): Promise<boolean> {
  return (
    (await fsp()
      .lstat(path)
      .catch(() => undefined)) !== undefined
  );
}

/** node:fs/promises, loaded by the first glob: it pulls in readline and the watchers, which a line without globs never needs. */
const fsp = () => process.getBuiltinModule('node:fs/promises') as typeof import('node:fs/promises');
