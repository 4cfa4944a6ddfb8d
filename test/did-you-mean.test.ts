import { describe, expect, it } from 'vitest';
import { didYouMean } from '../shell/base/did-you-mean.ts';

/**
 * The edges of did-you-mean's thresholds (shell/args.ts): one edit for names
 * of up to 5 letters, two up to 8, three from 9 on (counted on the
 * suggestion's length), two neighbouring letters swapped at any length, and
 * nothing for words longer than 200 characters.
 */
describe('didYouMean thresholds', () => {
  it.each([
    // up to 5 letters: one edit
    ['abcdx', 'abcde', 'abcde'],
    ['abcxy', 'abcde', undefined],
    ['exot', 'exit', 'exit'],
    ['exxx', 'exit', undefined],
    // 6 to 8 letters: two edits
    ['abcdxy', 'abcdef', 'abcdef'],
    ['abcxyz', 'abcdef', undefined],
    ['abcdefxy', 'abcdefgh', 'abcdefgh'],
    ['abcdexyz', 'abcdefgh', undefined],
    // from 9 letters: three edits
    ['abcdefxyz', 'abcdefghi', 'abcdefghi'],
    ['abcdewxyz', 'abcdefghi', undefined],
    // the limit follows the suggestion's length, not the typed word's
    ['abcd', 'abcdef', 'abcdef'],
    ['abc', 'abcdef', undefined],
    ['abcdef', 'abcdefghi', 'abcdefghi'],
    ['abcde', 'abcdefghi', undefined],
    // two neighbouring letters swapped, even where the distance is over the limit
    ['exti', 'exit', 'exit'],
    ['hlep', 'help', 'help'],
    ['eitx', 'exit', undefined],
    ['tixe', 'exit', undefined],
  ] as [string, string, string | undefined][])('%j against %j', (word, candidate, expected) => {
    expect(didYouMean(word, [candidate])).toBe(expected);
  });

  it('picks the closest of several candidates', () => {
    expect(didYouMean('relaod', ['reload', 'help', 'which'])).toBe('reload');
    expect(didYouMean('whch', ['which', 'echo'])).toBe('which');
  });

  it('gives nothing without candidates, and nothing for a word over 200 characters', () => {
    expect(didYouMean('help', [])).toBeUndefined();
    const long = 'a'.repeat(200);
    expect(didYouMean(long, [long])).toBe(long);
    expect(didYouMean(`${long}a`, [`${long}a`])).toBeUndefined();
  });
});
