/** User names after `~` (`~ro` → `~root/`), from /etc/passwd, or `getent passwd` where it cannot be read. */
import { readFileSync, statSync } from 'node:fs';
import { run } from '../external/exec.ts';
import { type Candidate, SOURCE_LIMIT_MS } from '../external/types.ts';

export interface UsersOptions {
  /** The passwd file. @default '/etc/passwd' */
  passwd?: string;
  /** The environment `getent` runs with. @default process.env */
  env?: Record<string, string>;
}

interface Entry {
  name: string;
  home: string;
  gecos: string;
}

let read: { file: string; mtime: number; entries: Entry[] } | undefined;

/**
 * The users whose names complete `word` (`~` and the start of a name), each
 * as `~name/` (a directory: partial), described by their full name or home.
 * A word that is not `~name` so far gives none.
 * @example await users('~ro') // [{ word: '~root/', description: 'root', partial: true }]
 */
export async function users(word: string, options: UsersOptions = {}): Promise<Candidate[]> {
  if (!/^~[^/]*$/.test(word)) return [];
  const typed = word.slice(1);
  const entries = await passwd(options);
  const seen = new Set<string>();
  const found: Candidate[] = [];
  for (const entry of entries) {
    if (!entry.name.startsWith(typed) || seen.has(entry.name)) continue;
    seen.add(entry.name);
    const candidate: Candidate = { word: `~${entry.name}/`, partial: true };
    const description = entry.gecos.split(',')[0]?.trim() || entry.home;
    if (description) candidate.description = description;
    found.push(candidate);
  }
  return found.sort((a, b) => (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
}

async function passwd(options: UsersOptions): Promise<Entry[]> {
  const file = options.passwd ?? '/etc/passwd';
  try {
    const mtime = statSync(file).mtimeMs;
    if (read?.file !== file || read.mtime !== mtime) read = { file, mtime, entries: parse(readFileSync(file, 'utf8')) };
    return read.entries;
  } catch {
    // No readable passwd file (a directory service only): ask getent, within the same limit as any source.
    const env = options.env ?? (process.env as Record<string, string>);
    const out = await run('getent', ['passwd'], { cwd: '/', env, timeoutMs: SOURCE_LIMIT_MS });
    return out.status === 0 ? parse(out.stdout) : [];
  }
}

function parse(text: string): Entry[] {
  const entries: Entry[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    const name = fields[0];
    if (!name || fields.length < 7) continue;
    entries.push({ name, gecos: fields[4] ?? '', home: fields[5] ?? '' });
  }
  return entries;
}
