/** File and directory names that complete a word, as the last source for any argument and the only one after `cd`. */
import { type Dirent, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { type Candidate, MAX_CANDIDATES } from '../external/types.ts';

export interface PathOptions {
  /** What `~/` means. */
  home?: string | undefined;
  /** Only directories (`cd`, a spec's `folders` template). */
  directoriesOnly?: boolean;
}

/**
 * The entries of the directory `word` names up to its last `/` whose names
 * start with the rest; dot files only once a `.` is typed. Directories end in
 * `/` and are partial (no space after them). An unreadable directory gives none.
 * @example files('src/ma', '/repo') // [{ word: 'src/main.ts' }, { word: 'src/maps/', partial: true }]
 */
export function files(word: string, cwd: string, options: PathOptions = {}): Candidate[] {
  const slash = word.lastIndexOf('/');
  const dirPart = slash < 0 ? '' : word.slice(0, slash + 1);
  const base = slash < 0 ? word : word.slice(slash + 1);
  const dir = directoryOf(dirPart, cwd, options.home);
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: Candidate[] = [];
  for (const entry of entries) {
    const name = entry.name;
    if (!name.startsWith(base) || (name.startsWith('.') && !base.startsWith('.'))) continue;
    let isDirectory = entry.isDirectory();
    if (entry.isSymbolicLink()) {
      try {
        isDirectory = statSync(join(dir, name)).isDirectory();
      } catch {}
    }
    if (options.directoriesOnly && !isDirectory) continue;
    found.push(isDirectory ? { word: `${dirPart}${name}/`, partial: true } : { word: `${dirPart}${name}` });
    if (found.length >= MAX_CANDIDATES) break;
  }
  return found.sort((a, b) => (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
}

/** The directory a typed `dir/` part names: `~/` is home, a relative one is under cwd. */
export function directoryOf(dirPart: string, cwd: string, home: string | undefined): string {
  const expanded = home !== undefined && (dirPart === '~/' || dirPart.startsWith('~/')) ? join(home, dirPart.slice(2)) : dirPart;
  return isAbsolute(expanded) ? expanded : resolve(cwd, expanded || '.');
}
