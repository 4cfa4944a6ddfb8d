/**
 * Contract §17: a value of any size renders, and `--json` anywhere in a
 * pipeline hands JSON text on. A plugin gives 1,000,000 rows; they reach
 * `length`, `wc -l` and a file whole (no stack overflow, every row there).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir, tosh } from './helpers/tosh.ts';

const plugins = fixture('data/rows');
const cwd = realpathSync(tempDir('tosh-data-big-'));
const run = (line: string) => tosh(['--plugins', plugins, '-c', line], { cwd, timeoutMs: 120_000 });

describe('a million rows', () => {
  it('counts them with length', async () => {
    expect(await run('rows 1000000 | length')).toEqual({ stdout: '1000000\n', stderr: '', code: 0 });
  });

  it('pipes them to a program as a table: a header and a line per row', async () => {
    expect(await run('rows 1000000 | wc -l')).toEqual({ stdout: '1000001\n', stderr: '', code: 0 });
  });

  it('writes them to a file and to standard output, first and last rows intact', async () => {
    expect(await run('rows 1000000 > big.txt')).toEqual({ stdout: '', stderr: '', code: 0 });
    const lines = readFileSync(join(cwd, 'big.txt'), 'utf8').split('\n');
    expect(lines.length).toBe(1000002);
    expect(lines[0]).toBe('id      name        size   state');
    expect(lines[1000000]).toBe('999999  row-999999  92081  closed');
    const shown = await run('rows 1000000');
    expect(shown.stdout.length).toBe(readFileSync(join(cwd, 'big.txt'), 'utf8').length);
    expect(shown.code).toBe(0);
  }, 180_000);
});

describe('--json anywhere in a pipeline', () => {
  it('makes that stage give JSON text to the next: a program, or from json', async () => {
    expect(await run('rows 3 --json | jq -c "map(.id)"')).toEqual({ stdout: '[0,1,2]\n', stderr: '', code: 0 });
    expect(await run('rows 3 | where state == open --json | ^cat')).toEqual({
      stdout: '[{"id":1,"name":"row-1","size":7919,"state":"open"},{"id":2,"name":"row-2","size":15838,"state":"open"}]\n',
      stderr: '',
      code: 0,
    });
    expect(await run('rows 3 --json | from json | get 2.name')).toEqual({ stdout: 'row-2\n', stderr: '', code: 0 });
  });
});
