/** Job specs after `%`: the shell's jobs by number (`%1`) or by their command's name (`%vim`). */
import type { Candidate } from '../external/types.ts';

export interface JobEntry {
  /** How the job is named: `%1`. */
  spec: string;
  /** The command line it runs (its description). */
  line: string;
}

/**
 * The jobs that complete `word` (`%`, `%1`, `%vi`): each job by its spec, and
 * by `%` and its command's name when that is what is being typed.
 * @example jobs('%', [{ spec: '%1', line: 'sleep 100' }]) // [{ word: '%1', description: 'sleep 100' }]
 */
export function jobs(word: string, list: readonly JobEntry[]): Candidate[] {
  if (!word.startsWith('%')) return [];
  const found: Candidate[] = [];
  const seen = new Set<string>();
  const add = (candidate: Candidate) => {
    if (seen.has(candidate.word)) return;
    seen.add(candidate.word);
    found.push(candidate);
  };
  for (const job of list) if (job.spec.startsWith(word)) add({ word: job.spec, description: job.line });
  if (word.length > 1 && !/^%\d/.test(word)) {
    for (const job of list) {
      const name = job.line.trim().split(/\s+/)[0] ?? '';
      if (name !== '' && `%${name}`.startsWith(word)) add({ word: `%${name}`, description: `${job.spec}: ${job.line}` });
    }
  }
  return found;
}
