import { describe, expect, it } from 'vitest';
import { applyCompletion, commonPrefix, scan } from '../shell/ui/complete.ts';
import { type EditState, edit, keysOf } from '../shell/ui/editor.ts';

/** `|` marks the cursor. */
const at = (marked: string): EditState => ({ text: marked.replace('|', ''), cursor: marked.indexOf('|') });
const show = (state: EditState | undefined) =>
  state ? `${state.text.slice(0, state.cursor)}|${state.text.slice(state.cursor)}` : 'not an editing key';

describe('keys from raw terminal input', () => {
  it.each([
    ['\x7f', [{ key: 'backspace' }]],
    ['\x1b[3~', [{ key: 'delete' }]],
    ['\x1bb', [{ key: 'alt-b' }]],
    ['\x1bf', [{ key: 'alt-f' }]],
    ['\x1b[H', [{ key: 'home' }]],
    ['\x1b[4~', [{ key: 'end' }]],
    ['\x01', [{ key: 'ctrl-a' }]],
    ['\x12', [{ key: 'ctrl-r' }]],
    ['echo hi\r', [{ text: 'echo hi' }, { key: 'enter' }]],
    ['ab\tc', [{ text: 'ab' }, { key: 'tab' }, { text: 'c' }]],
    ['\x1b[99~', []],
  ])('%j', (chunk, keys) => {
    expect(keysOf(chunk)).toEqual(keys);
  });
});

describe('editing keys', () => {
  it.each([
    ['echo hi|', 'left', 'echo h|i'],
    ['|echo', 'left', '|echo'],
    ['ec|ho', 'right', 'ech|o'],
    ['echo hi|', 'ctrl-a', '|echo hi'],
    ['ec|ho hi', 'ctrl-e', 'echo hi|'],
    ['ec|ho hi', 'home', '|echo hi'],
    ['ec|ho hi', 'end', 'echo hi|'],
    ['echo hi|', 'backspace', 'echo h|'],
    ['|echo', 'backspace', '|echo'],
    ['ec|ho', 'delete', 'ec|o'],
    ['echo|', 'delete', 'echo|'],
    ['echo a b|c', 'ctrl-u', '|c'],
    ['echo a| bc', 'ctrl-k', 'echo a|'],
    ['echo --loud  |x', 'ctrl-w', 'echo |x'],
    ['paint wall-red|', 'alt-b', 'paint wall-|red'],
    ['paint wall|', 'alt-b', 'paint |wall'],
    ['|paint wall', 'alt-f', 'paint| wall'],
    ['paint| wall', 'alt-f', 'paint wall|'],
    ['a😀|', 'left', 'a|😀'],
    ['a|😀', 'right', 'a😀|'],
    ["echo 'a\nb|c'", 'ctrl-a', "echo 'a\n|bc'"],
    ['echo', 'tab', 'not an editing key'],
  ])('%j + %s → %j', (before, key, after) => {
    expect(show(edit(at(before), key))).toBe(after);
  });
});

describe('the tolerant scanner', () => {
  it('marks command words, flags, strings and operators, even in a half-typed line', () => {
    const pieces = scan('paint "big wall" --color red | echo \'open').filter((p) => p.kind !== 'space');
    expect(pieces.map((p) => [p.kind, p.value, p.command, p.quoted, p.open])).toEqual([
      ['word', 'paint', true, false, false],
      ['word', 'big wall', false, true, false],
      ['word', '--color', false, false, false],
      ['word', 'red', false, false, false],
      ['op', '|', false, false, false],
      ['word', 'echo', true, false, false],
      ['word', 'open', false, true, true],
    ]);
  });
});

describe('applying a completion', () => {
  it('completes one match inline with a space, and several to their common prefix', () => {
    expect(applyCompletion('pai', { start: 0, end: 3, current: 'pai', items: ['paint'], paths: false })).toEqual({
      text: 'paint ',
      cursor: 6,
    });
    expect(applyCompletion('x ap', { start: 2, end: 4, current: 'ap', items: ['apple', 'apricot'], paths: false })).toBeUndefined();
    expect(applyCompletion('x a', { start: 2, end: 3, current: 'a', items: ['apple', 'apricot'], paths: false })).toEqual({
      text: 'x ap',
      cursor: 4,
    });
    expect(applyCompletion('cat sr', { start: 4, end: 6, current: 'sr', items: ['src/'], paths: true })).toEqual({
      text: 'cat src/',
      cursor: 8,
    });
    expect(applyCompletion('cat my', { start: 4, end: 6, current: 'my', items: ['my file'], paths: true })).toEqual({
      text: "cat 'my file' ",
      cursor: 14,
    });
    expect(commonPrefix(['--coats', '--color'])).toBe('--co');
  });
});
