/**
 * Contract §17, typed pipelines: each stage's output type is checked against
 * the next stage's input type before any stage runs (the first stage writes
 * a marker file, which must not appear), generic commands and programs in
 * the middle, a plugin without schemas; and the value verbs that share a
 * name with a program (`find`, `uniq`) are the program unless a value that
 * fits them is piped in from a plugin command.
 */
import { existsSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir, tosh } from './helpers/tosh.ts';

const plugins = fixture('data/typed');
const dir = realpathSync(tempDir('tosh-data-typed-'));
writeFileSync(join(dir, 'words.txt'), 'b\na\na\nc\n');

/** Run a line in a fresh folder (so the marker file says whether `tasks` ran). */
async function line(text: string) {
  const cwd = realpathSync(tempDir('tosh-typed-run-'));
  writeFileSync(join(cwd, 'words.txt'), 'b\na\na\nc\n');
  const result = await tosh(['--plugins', plugins, '-c', text], { cwd });
  return { ...result, ran: existsSync(join(cwd, 'tasks-ran')) };
}

const TEXT_HINT = " (split text into a list with 'lines', or parse it with 'from json')";
const refused = (stderr: string) => ({ stdout: '', stderr: `tosh: ${stderr}\n`, code: 2, ran: false });

describe('a pipeline whose stages do not fit is refused before any runs', () => {
  it('names both commands and both types, status 2, and the first stage never runs', async () => {
    expect(await line('tasks | upper')).toEqual(refused("'upper' takes a string, but 'tasks' gives a list of records"));
    expect(await line('tasks | get title | count | upper')).toEqual(refused("'upper' takes a string, but 'count' gives a number"));
  });

  it('sees through generic commands: where and first give what they were given', async () => {
    expect(await line('tasks | where state == done | first 1 | upper')).toEqual(
      refused("'upper' takes a string, but 'first' gives a list of records"),
    );
    expect(await line('tasks | where state == done | get title | to text | upper')).toEqual({
      stdout: 'WRITE\n',
      stderr: '',
      code: 0,
      ran: true,
    });
  });

  it('takes a program in the middle as giving text', async () => {
    expect(await line('tasks | ^cat | count')).toEqual(refused(`'count' takes a list, but 'cat' gives a string${TEXT_HINT}`));
    expect(await line('tasks | get title | ^cat | upper')).toEqual({ stdout: 'WRITE\nTEST\nSHIP\n', stderr: '', code: 0, ran: true });
  });

  it('lets a plugin without schemas take and give anything', async () => {
    expect(await line('tasks | loose | count')).toEqual({ stdout: '3\n', stderr: '', code: 0, ran: true });
    expect(await line('echo hi | loose | upper')).toEqual({ stdout: 'HI\n', stderr: '', code: 0, ran: false });
  });

  it('takes a stage with --json as giving text', async () => {
    expect(await line('tasks --json | count')).toEqual(refused(`'count' takes a list, but 'tasks' gives a string${TEXT_HINT}`));
    expect(await line('tasks --json | from json | count')).toEqual({ stdout: '3\n', stderr: '', code: 0, ran: true });
  });

  it('help shows what a command takes and gives', async () => {
    const help = await tosh(['--plugins', plugins, '-c', 'help upper; help where; help tasks'], { cwd: dir });
    expect(help.stdout).toContain('\nInput:  a string\nOutput: a string\n');
    expect(help.stdout).toContain('\nInput:  a list of records\nOutput: what it was given\n');
    expect(help.stdout).toContain('\nOutput: a list of records\n');
  });
});

describe('a verb named as a program is the program, unless a fitting value is piped in', () => {
  it('runs find and uniq as programs when typed alone, after a program, or after text', async () => {
    expect(await line('uniq words.txt')).toEqual({ stdout: 'b\na\nc\n', stderr: '', code: 0, ran: false });
    expect(await line('find . -name words.txt')).toEqual({ stdout: './words.txt\n', stderr: '', code: 0, ran: false });
    expect(await line('^cat words.txt | uniq')).toEqual({ stdout: 'b\na\nc\n', stderr: '', code: 0, ran: false });
    expect(await line('echo hi | uniq')).toEqual({ stdout: 'hi\n', stderr: '', code: 0, ran: false });
    expect((await line('which find; which data:find')).stdout).toMatch(/^find: external \/\S+\/find\nfind: data 1\.0\.0 \(/);
  });

  it('runs the verb when a plugin command pipes in a value it takes', async () => {
    expect(await line('tasks | get owner.name | uniq | to json -c')).toEqual({
      stdout: '["ada","grace"]\n',
      stderr: '',
      code: 0,
      ran: true,
    });
    expect(await line('tasks | find ship | get title')).toEqual({ stdout: 'ship\n', stderr: '', code: 0, ran: true });
    expect(await line('open words.txt | lines | data:uniq | length')).toEqual({ stdout: '3\n', stderr: '', code: 0, ran: false });
  });
});
