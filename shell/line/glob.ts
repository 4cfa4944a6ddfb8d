/**
 * File name generation (globs) for expansion: `*`, `?`, `[…]` and `**` (any
 * depth) matched against the working directory, sorted, hidden files only
 * when the pattern starts with `.` (CONTRACT §10).
 */
import type { Dirent } from 'node:fs';
import { join, resolve } from 'node:path';

/** Text with where it came from: `glob` when it was written unquoted in the line (so `*`, `?`, `[` are wildcards). */
export interface Piece {
  text: string;
  glob: boolean;
}

/** One character of a pattern, `wild` when it may be a wildcard. */
interface PatternChar {
  c: string;
  wild: boolean;
}

export function isPattern(pieces: Piece[]): boolean {
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
  try {
    return picomatch(segment.source, { dot: true, nobrace: true, noextglob: true, nonegate: true, posix: true });
  } catch {
    // A pattern picomatch cannot take (one over 64 KB) matches no name.
    return () => false;
  }
}

/** The paths matching a pattern, as sh shows them: relative to `cwd` as typed, sorted, without duplicates. */
export async function glob(pieces: Piece[], cwd: string): Promise<string[]> {
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
      // `*` is every name not hidden: no matcher to ask (`echo *` over 100,000 files).
      const test = part.source === '*' ? undefined : await matcher(part);
      for (const base of bases) {
        if (last) {
          // The last segment needs names only (no Dirent objects for 100,000 entries).
          for (const name of await names(base.dir))
            if (!(name.startsWith('.') && !part.hidden) && (test === undefined || test(name))) results.push(base.prefix + name);
          continue;
        }
        for (const entry of await list(base.dir)) {
          if ((entry.name.startsWith('.') && !part.hidden) || (test !== undefined && !test(entry.name))) continue;
          if (await isDirectoryEntry(entry, base.dir))
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
  return sortedUnique(results.filter((r) => r !== ''));
}

/** Sorted, without duplicates; a list that already is (one directory, as the OS lists it sorted) is taken as it is. */
function sortedUnique(paths: string[]): string[] {
  let ordered = true;
  for (let i = 1; i < paths.length && ordered; i++) ordered = (paths[i - 1] as string) < (paths[i] as string);
  return ordered ? paths : [...new Set(paths)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
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

async function names(dir: string): Promise<string[]> {
  try {
    return await fsp().readdir(resolve(dir));
  } catch {
    return [];
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
