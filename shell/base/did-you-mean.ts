import { closest, distance } from 'fastest-levenshtein';

/** Suggest the nearest candidate to a mistyped word, if one is near enough. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0 || word.length > 200) return undefined;
  const best = closest(word, candidates as string[]);
  // One typo (or two swapped letters: 'exti') in a short name, two from six letters on, three from nine.
  const limit = best.length <= 5 ? 1 : best.length <= 8 ? 2 : 3;
  if (distance(word, best) <= limit || swapped(word, best)) return best;
  // Two swapped letters count as one typo, but as two edits to the nearest-by-distance search: `gerp` is nearer `arp`.
  return candidates.find((candidate) => swapped(word, candidate));
}

/** True when `a` is `b` with two neighbouring letters swapped. */
export function swapped(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const i = [...a].findIndex((c, k) => c !== b[k]);
  return i >= 0 && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}

/** True when `a` is `b` with one letter more or one letter less (`lss` and `less`, `grp` and `grep`). */
export function oneLetterApart(a: string, b: string): boolean {
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  if (long.length !== short.length + 1) return false;
  let i = 0;
  while (i < short.length && short[i] === long[i]) i++;
  return short.slice(i) === long.slice(i + 1);
}
