/** Programs on PATH: the third place a command word is looked up (CONTRACT §10). */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** Where a program word leads: a runnable file, or why not (status 126 or 127). */
export type Found = { path: string } | { error: string; status: 126 | 127 };

const runnable = (path: string): boolean => {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The program a word names: a path with `/` (relative to `cwd`), or the first executable file of that name on `PATH`. */
export function findProgram(name: string, env: Record<string, string | undefined>, cwd: string): Found | undefined {
  if (name.includes('/')) {
    const path = isAbsolute(name) ? name : resolve(cwd, name);
    let isFile: boolean;
    try {
      isFile = statSync(path).isFile();
    } catch {
      return { error: `${name}: no such file or directory`, status: 127 };
    }
    if (!isFile) return { error: `${name}: is a directory`, status: 126 };
    return runnable(path) ? { path } : { error: `${name}: permission denied`, status: 126 };
  }
  if (name === '' || name === '.' || name === '..') return undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = join(isAbsolute(dir) ? dir : resolve(cwd, dir), name);
    if (runnable(path)) return { path };
  }
  return undefined;
}

/** Every executable name on PATH (for completion and highlighting), read once per PATH value. */
let namesCache: { path: string; names: string[] } | undefined;
export function programNames(env: Record<string, string | undefined>): string[] {
  const pathVar = env.PATH ?? '';
  if (namesCache?.path === pathVar) return namesCache.names;
  const { readdirSync } = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  const names = new Set<string>();
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of entries) if (runnable(join(dir, name))) names.add(name);
  }
  namesCache = { path: pathVar, names: [...names].sort() };
  return namesCache.names;
}

const known = new Map<string, boolean>();
let knownPath: string | undefined;

/** Whether `name` runs a program (for highlighting, asked per keystroke): remembered per PATH value. */
export function isProgram(name: string, env: Record<string, string | undefined>, cwd: string): boolean {
  if (name.includes('/')) {
    const found = findProgram(name, env, cwd);
    return found !== undefined && 'path' in found;
  }
  if (knownPath !== env.PATH) {
    known.clear();
    knownPath = env.PATH;
  }
  let answer = known.get(name);
  if (answer === undefined) {
    const found = findProgram(name, env, cwd);
    answer = found !== undefined && 'path' in found;
    if (known.size > 500) known.clear();
    known.set(name, answer);
  }
  return answer;
}
