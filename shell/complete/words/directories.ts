/** Directories only, for `cd` (and `pushd`): the ones under the word's directory, and under each CDPATH entry. */

import type { Candidate } from '../external/types.ts';
import { directoryOf, files } from './paths.ts';

export interface DirectoryOptions {
  home?: string | undefined;
  /** A CDPATH value: a relative word also completes the directories under each of its entries. */
  cdpath?: string | undefined;
}

/**
 * The directories that complete `word`, each ending in `/` (partial).
 * @example directories('sr', '/repo') // [{ word: 'src/', partial: true }]
 */
export function directories(word: string, cwd: string, options: DirectoryOptions = {}): Candidate[] {
  const found = files(word, cwd, { home: options.home, directoriesOnly: true });
  if (!options.cdpath || /^(\/|\.\.?(\/|$)|~)/.test(word)) return found;
  const seen = new Set(found.map((c) => c.word));
  for (const entry of options.cdpath.split(':')) {
    if (entry === '' || directoryOf(entry, cwd, options.home) === directoryOf('', cwd, options.home)) continue;
    for (const candidate of files(word, directoryOf(`${entry}/`, cwd, options.home), { directoriesOnly: true })) {
      if (seen.has(candidate.word)) continue;
      seen.add(candidate.word);
      found.push({ ...candidate, description: entry });
    }
  }
  return found;
}
