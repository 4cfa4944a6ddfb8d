/** Programs on PATH, for a word that is a command of its own (`sudo gi`, `time ma`). */
import { accessSync, constants, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TtlCache } from '../external/cache.ts';
import { type Candidate, MAX_CANDIDATES } from '../external/types.ts';

const listed = new TtlCache<string[]>(5000, 8);

/** Every executable name on `path` (a PATH value), sorted, each once; kept a few seconds. */
export function programNames(path: string): string[] {
  const cached = listed.get(path);
  if (cached) return cached;
  const found = new Set<string>();
  for (const dir of path.split(':')) {
    if (dir === '') continue;
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of entries) {
      if (found.has(name)) continue;
      try {
        accessSync(join(dir, name), constants.X_OK);
        found.add(name);
      } catch {}
    }
  }
  const names = [...found].sort();
  listed.set(path, names);
  return names;
}

/** The programs on `path` whose names start with `prefix`. */
export function programs(prefix: string, path: string): Candidate[] {
  const out: Candidate[] = [];
  for (const name of programNames(path)) {
    if (!name.startsWith(prefix)) continue;
    out.push({ word: name });
    if (out.length >= MAX_CANDIDATES) break;
  }
  return out;
}

/** Whether `name` is an executable on `path`. */
export function onPath(name: string, path: string | undefined): boolean {
  if (!path) return false;
  for (const dir of path.split(':')) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}
