/**
 * Shell patterns as regular expressions, for `case` and `${NAME#pattern}`
 * and its kin: `*`, `?` and bracket expressions (`[a-z]`, `[!x]`,
 * `[[:upper:]]`) where the text was written unquoted; everything else matches
 * itself.
 */
import type { Piece } from './glob.ts';

const CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: 'a-zA-Z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  cntrl: '\\x00-\\x1f\\x7f',
  print: ' -~',
  graph: '!-~',
  word: 'a-zA-Z0-9_',
};

const escapeChar = (c: string) => c.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');

/** The regular expression source of a pattern (not anchored). */
export function patternSource(pieces: readonly Piece[]): string {
  const chars: { c: string; wild: boolean }[] = [];
  for (const piece of pieces) for (const c of piece.text) chars.push({ c, wild: piece.glob });
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const { c, wild } = chars[i] as { c: string; wild: boolean };
    if (!wild) {
      out += escapeChar(c);
      continue;
    }
    if (c === '*') {
      while (chars[i + 1]?.wild && chars[i + 1]?.c === '*') i++;
      out += '[\\s\\S]*';
    } else if (c === '?') out += '[\\s\\S]';
    else if (c === '\\' && i + 1 < chars.length) out += escapeChar((chars[++i] as { c: string }).c);
    else if (c === '[') {
      const bracket = readBracket(chars, i);
      if (bracket) {
        out += bracket.source;
        i = bracket.end;
      } else out += '\\[';
    } else out += escapeChar(c);
  }
  return out;
}

/** A bracket expression from `[` at `open`, or undefined when it is not closed (then `[` is itself). */
function readBracket(chars: { c: string; wild: boolean }[], open: number): { source: string; end: number } | undefined {
  let j = open + 1;
  let negate = false;
  if (chars[j]?.wild && (chars[j]?.c === '!' || chars[j]?.c === '^')) {
    negate = true;
    j++;
  }
  let body = '';
  let first = true;
  while (j < chars.length) {
    const { c, wild } = chars[j] as { c: string; wild: boolean };
    if (c === ']' && wild && !first) return { source: `[${negate ? '^' : ''}${body}]`, end: j };
    first = false;
    if (c === '[' && wild && chars[j + 1]?.c === ':') {
      let k = j + 2;
      let name = '';
      while (k < chars.length && chars[k]?.c !== ':') name += (chars[k++] as { c: string }).c;
      if (chars[k]?.c === ':' && chars[k + 1]?.c === ']' && CLASSES[name]) {
        body += CLASSES[name];
        j = k + 2;
        continue;
      }
    }
    if (c === '-' && wild && body !== '' && chars[j + 1] && !(chars[j + 1]?.c === ']' && chars[j + 1]?.wild)) {
      body += '-';
      j++;
      continue;
    }
    body += c === '\\' || c === ']' || c === '[' || c === '^' || c === '-' ? `\\${c}` : c;
    j++;
  }
  return undefined;
}

const cache = new Map<string, RegExp>();

/** Whether `text` matches the pattern as a whole (`case`). */
export function matchesPattern(text: string, pieces: readonly Piece[]): boolean {
  const source = `^(?:${patternSource(pieces)})$`;
  let re = cache.get(source);
  if (!re) {
    re = new RegExp(source, 'u');
    if (cache.size > 500) cache.clear();
    cache.set(source, re);
  }
  return re.test(text);
}

/** `${NAME#p}` (shortest prefix), `##` (longest), `%` (shortest suffix), `%%` (longest): `value` with the match removed. */
export function removeAffix(value: string, pieces: readonly Piece[], op: '#' | '##' | '%' | '%%'): string {
  const re = new RegExp(`^(?:${patternSource(pieces)})$`, 'su');
  const chars = [...value];
  const n = chars.length;
  const prefix = (k: number) => chars.slice(0, k).join('');
  const suffix = (k: number) => chars.slice(n - k).join('');
  if (op === '#') {
    for (let k = 0; k <= n; k++) if (re.test(prefix(k))) return chars.slice(k).join('');
  } else if (op === '##') {
    for (let k = n; k >= 0; k--) if (re.test(prefix(k))) return chars.slice(k).join('');
  } else if (op === '%') {
    for (let k = 0; k <= n; k++) if (re.test(suffix(k))) return chars.slice(0, n - k).join('');
  } else {
    for (let k = n; k >= 0; k--) if (re.test(suffix(k))) return chars.slice(0, n - k).join('');
  }
  return value;
}

/** `${NAME/p/r}` (first), `//` (all), `/#` (at the start), `/%` (at the end): the longest match at each place is replaced. */
export function replacePattern(value: string, pieces: readonly Piece[], replacement: string, op: '/' | '//' | '/#' | '/%'): string {
  const source = patternSource(pieces);
  if (source === '') return op === '/#' ? replacement + value : op === '/%' ? value + replacement : value;
  const re = new RegExp(`^(?:${source})$`, 'su');
  const chars = [...value];
  const n = chars.length;
  const longestAt = (i: number, mustEnd: boolean): number => {
    for (let k = n; k >= i; k--) {
      if (mustEnd && k !== n) continue;
      if (re.test(chars.slice(i, k).join(''))) return k;
    }
    return -1;
  };
  if (op === '/#') {
    const end = longestAt(0, false);
    return end < 0 ? value : replacement + chars.slice(end).join('');
  }
  if (op === '/%') {
    for (let i = 0; i <= n; i++) if (longestAt(i, true) >= 0) return chars.slice(0, i).join('') + replacement;
    return value;
  }
  let out = '';
  let i = 0;
  while (i < n) {
    // The longest non-empty match here (bash does not replace empty matches).
    const end = longestAt(i, false);
    if (end > i) {
      out += replacement;
      i = end;
      if (op === '/') return out + chars.slice(i).join('');
      continue;
    }
    out += chars[i];
    i++;
  }
  return out;
}
