import { describe, expect, it } from 'vitest';
import { applyCompletion, commonPrefix } from '../shell/complete/commands.ts';
import { splitLines } from '../shell/line/history-expand.ts';
import { scan } from '../shell/line/scanner.ts';
import { renderTable, wrapWords } from '../shell/render/render.ts';
import { type EditState, edit, keysOf } from '../shell/ui/editor.ts';
import { promptedLines } from '../shell/ui/line.ts';

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

describe('the lines of a pasted text', () => {
  it.each([
    ['echo a\necho b', ['echo a', 'echo b']],
    ["echo 'a\nb'\necho c", ["echo 'a\nb'", 'echo c']],
    ['echo a |\necho\n\necho d', ['echo a |\necho', 'echo d']],
    ["echo 'open", ["echo 'open"]],
  ])('%j', (text, lines) => {
    expect(splitLines(text)).toEqual(lines);
  });
});

describe('drawing a long line', () => {
  it('draws the lines around the cursor and sums up the rest', () => {
    const text = Array.from({ length: 100 }, (_, i) => `echo ${i}`).join('\n');
    const shown = promptedLines('> ', text, { cursor: text.indexOf('echo 50'), color: false, known: () => true, maxLines: 5 }).map((l) =>
      l.replace(/\u001b\[[0-9;]*m/g, ''),
    );
    expect(shown).toEqual([
      '> … 46 more lines above',
      '> echo 46',
      '> echo 47',
      '> echo 48',
      '> echo 49',
      '> echo 50',
      '> … 49 more lines below',
    ]);
  });
});

describe('fitting text to the width', () => {
  it('wraps words with a hanging indent and cuts a word longer than a line', () => {
    expect(wrapWords('tosh: refused plugin docs/examples/greet.tsx: the name is already used', 30, 6)).toBe(
      'tosh: refused plugin\n      docs/examples/greet.tsx:\n      the name is already used',
    );
    expect(wrapWords('x '.repeat(3) + 'a'.repeat(25), 12, 2)).toBe('x x x\n  aaaaaaaaaa\n  aaaaaaaaaa\n  aaaaa');
  });

  it('fits a wide table into the terminal by wrapping its widest cells', () => {
    const rows = [
      { name: 'alpha', status: 'failed: the file does not parse at all', source: '/p/alpha.ts' },
      { name: 'beta', status: 'loaded', source: '/p/beta.ts' },
    ];
    expect(renderTable(rows, { color: false, columns: 40, fit: true })).toBe(
      [
        'name   status                source',
        'alpha  failed: the file      /p/alpha.ts',
        '       does not parse at',
        '       all',
        'beta   loaded                /p/beta.ts',
      ].join('\n'),
    );
    expect(renderTable(rows, { color: false, columns: 40 }).split('\n')[1]).toBe(
      'alpha  failed: the file does not parse at all  /p/alpha.ts',
    );
  });
});
