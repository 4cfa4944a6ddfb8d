import { describe, expect, it } from 'vitest';
import { jsonLine, printText, renderValue } from '../shell/render/render.ts';

const plain = { color: false, columns: 80 };

describe('rendering values', () => {
  it.each([
    ['a string as is', 'hello', 'hello\n'],
    ['a string with its own newline', 'two\nlines\n', 'two\nlines\n'],
    ['the empty string as an empty line', '', '\n'],
    ['a number', 42.5, '42.5\n'],
    ['a boolean', false, 'false\n'],
    ['a bigint', 10n, '10\n'],
    ['null', null, 'null\n'],
    ['undefined as nothing', undefined, ''],
    ['an empty array as nothing', [], ''],
    ['an array of scalars one per line', ['a', 1, true], 'a\n1\ntrue\n'],
    ['a plain object as key: value', { name: 'ada', age: 36, tags: ['x'], skip: undefined }, 'name: ada\nage: 36\ntags: ["x"]\n'],
    [
      'an array of objects as a table',
      [
        { name: 'ada', age: 36 },
        { name: 'grace', role: 'admiral' },
      ],
      'name   age  role\nada    36\ngrace       admiral\n',
    ],
    ['wide characters in a table', [{ k: '日本' }, { k: 'ab' }], 'k\n日本\nab\n'],
    ['a date', new Date('2024-01-02T03:04:05Z'), '2024-01-02T03:04:05.000Z\n'],
  ] as [string, unknown, string][])('%s', (_what, value, text) => {
    expect(renderValue(value, plain)).toBe(text);
  });

  it('colours table headers only when asked', () => {
    expect(renderValue([{ a: 1 }], { color: true, columns: 80 })).toBe('\u001b[1ma\u001b[22m\n1\n');
  });

  it.each([
    [['a', 1, true], 'a 1 true\n'],
    [[{ a: 1 }], 'a: 1\n'],
    [[], '\n'],
  ] as [unknown[], string][])('print(%j)', (values, text) => {
    expect(printText(values, plain)).toBe(text);
  });

  it.each([
    [undefined, 'null\n'],
    ['x', '"x"\n'],
    [{ a: [1, 2] }, '{"a":[1,2]}\n'],
    [5n, '"5"\n'],
  ] as [unknown, string][])('--json of %#', (value, text) => {
    expect(jsonLine(value)).toBe(text);
  });

  it('--json of a cyclic value throws (the shell reports it in one line)', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => jsonLine(cyclic)).toThrow('Converting circular structure to JSON');
  });
});
