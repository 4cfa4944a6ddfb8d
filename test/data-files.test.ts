/**
 * Contract §17: `files [PATH]` is the directory as records (name, type,
 * size, modified as a date), checked against what `find -maxdepth 1` says of
 * the same directory; hidden entries only with -a, as ls.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failed, ok, run } from './fixtures/data/sample.ts';
import { tempDir } from './helpers/tosh.ts';

/** A directory with files of known sizes, a sub-directory, a symlink and hidden entries. */
function tree(): string {
  const dir = realpathSync(tempDir('tosh-data-files-'));
  writeFileSync(join(dir, 'a.txt'), 'a\n');
  writeFileSync(join(dir, 'big.bin'), Buffer.alloc(20_000));
  writeFileSync(join(dir, 'b.json'), '{"b": 1}\n');
  writeFileSync(join(dir, '.hidden'), 'h');
  mkdirSync(join(dir, 'sub'));
  mkdirSync(join(dir, '.git'));
  writeFileSync(join(dir, 'sub', 'inner.ts'), 'export {};\n');
  symlinkSync('a.txt', join(dir, 'link'));
  return dir;
}

const TYPES: Record<string, string> = { f: 'file', d: 'dir', l: 'symlink', p: 'fifo', s: 'socket' };

/** What find says of each entry of `path` (relative to `cwd`), as files gives it: sorted by name, modified in ms. */
function found(cwd: string, path: string, hidden: boolean): { name: string; type: string; size: number; modified: string }[] {
  const out = execFileSync('find', [path, '-mindepth', '1', '-maxdepth', '1', '-printf', '%p\\t%y\\t%s\\t%T@\\n'], {
    cwd,
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [p, y, s, t] = line.split('\t') as [string, string, string, string];
      const name = path === '.' ? p.slice(2) : p;
      // %T@ is seconds with nanoseconds; Node's stat dates round them to milliseconds.
      const [seconds, fraction = '0'] = t.split('.');
      const ms = Number(seconds) * 1000 + Math.round(Number(`0.${fraction}`) * 1000);
      return { name, type: TYPES[y] ?? y, size: Number(s), modified: new Date(ms).toISOString() };
    })
    .filter((e) => hidden || !e.name.split('/').pop()?.startsWith('.'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

describe.concurrent('files (§17)', () => {
  it('lists the working directory as find -maxdepth 1 sees it, without hidden entries', async () => {
    const dir = tree();
    expect(await run('files | to json -c', dir)).toEqual(ok(`${JSON.stringify(found(dir, '.', false))}\n`));
    expect(await run('files | get name | to json -c', dir)).toEqual(ok('["a.txt","b.json","big.bin","link","sub"]\n'));
  });

  it('-a adds the hidden ones, as ls -a does (without . and ..)', async () => {
    const dir = tree();
    expect(await run('files -a | to json -c', dir)).toEqual(ok(`${JSON.stringify(found(dir, '.', true))}\n`));
  });

  it('a PATH lists that directory, its entries named PATH/name', async () => {
    const dir = tree();
    expect(await run('files sub | to json -c', dir)).toEqual(ok(`${JSON.stringify(found(dir, 'sub', false))}\n`));
    expect(await run('files sub | get name | to json -c', dir)).toEqual(ok('["sub/inner.ts"]\n'));
  });

  it('modified is a date: where compares it with durations, and the table shows it in ISO form', async () => {
    const dir = tree();
    expect(await run("files | where 'modified > 1h' | length", dir)).toEqual(ok('5\n'));
    expect(await run("files | where 'modified < 1h' | length", dir)).toEqual(ok('0\n'));
    const shown = await run('files a.txt', dir);
    expect(shown.stdout).toMatch(/^name {3}type {2}size {2}modified\na\.txt {2}file {2}2 {5}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\n$/);
  });

  it('works with the other verbs: sizes, types, sorting', async () => {
    const dir = tree();
    expect(await run("files | where 'size > 10kb' | get name | to json -c", dir)).toEqual(ok('["big.bin"]\n'));
    expect(await run('files | where type == dir | get name | to json -c', dir)).toEqual(ok('["sub"]\n'));
    expect(await run('files | where type == file | sort-by size -r | get name | to json -c', dir)).toEqual(
      ok('["big.bin","b.json","a.txt"]\n'),
    );
    expect(await run('files -a | group-by type | get symlink | get name | to json -c', dir)).toEqual(ok('["link"]\n'));
  });

  it('files given by name (as a glob expands) are records of their own', async () => {
    const dir = tree();
    expect(await run('files *.json a.txt | select name size | to json -c', dir)).toEqual(
      ok('[{"name":"b.json","size":9},{"name":"a.txt","size":2}]\n'),
    );
  });

  it('a missing path is one line', async () => {
    const dir = tree();
    expect(await run('files nope', dir)).toEqual(failed('files: nope: no such file or directory', 1));
  });
});
