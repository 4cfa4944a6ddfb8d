/**
 * Contract §17: a value of any size renders, and `--json` anywhere in a
 * pipeline hands JSON text on. A plugin gives 1,000,000 rows; they reach
 * `length`, `wc -l` and a file whole (no stack overflow, every row there).
 */
import { spawn } from 'node:child_process';
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shq, terminals } from './helpers/tmux.ts';
import { BIN, fixture, tempDir, tosh } from './helpers/tosh.ts';

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

/**
 * `tosh -c LINE` whose standard output is read slowly: after the first 100 KB the reader stops, SIGINT
 * comes (as Ctrl-C would), and the rest is read. The reader paces the writer, so a loaded machine cannot
 * print everything before the signal is handled.
 */
function interrupted(line: string): Promise<{ bytes: number; code: number | null; stderr: string; head: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, '--plugins', plugins, '-c', line], { cwd, env: { ...process.env, TOSH_HOME: cwd } });
    let bytes = 0;
    let head = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (data: Buffer) => {
      bytes += data.length;
      if (head.length < 200) head += data.toString('utf8');
      if (sent || bytes < 100_000) return;
      sent = true;
      child.stdout.pause();
      child.kill('SIGINT');
      setTimeout(() => child.stdout.resume(), 300);
    });
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString('utf8')));
    child.on('close', (code) => resolve({ bytes, code, stderr, head }));
  });
}

describe('a million rows into a program', () => {
  it('are rendered as the program reads them: peak memory is the rows, not their 40 MB of text on top', async () => {
    // The peak resident size of the shell's process, written when it exits.
    const probe = join(cwd, 'peak.cjs');
    writeFileSync(
      probe,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(join(cwd, 'peak.txt'))}, String(process.resourceUsage().maxRSS)));`,
    );
    const result = await new Promise<{ stdout: string; code: number | null }>((resolve) => {
      const child = spawn(process.execPath, ['--require', probe, BIN, '--plugins', plugins, '-c', 'rows 1000000 | wc -l'], {
        cwd,
        env: { ...process.env, TOSH_HOME: cwd },
      });
      let stdout = '';
      child.stdout.on('data', (data: Buffer) => (stdout += data.toString('utf8')));
      child.on('close', (code) => resolve({ stdout, code }));
    });
    expect(result).toEqual({ stdout: '1000001\n', code: 0 });
    // Rendered whole first, the text and its copies took the peak past 370 MB.
    expect(Number(readFileSync(join(cwd, 'peak.txt'), 'utf8')) / 1024).toBeLessThan(300);
  }, 120_000);
});

describe('Ctrl-C while a million rows are written', () => {
  // The whole table is 40 MB; what was written before the signal is a few pieces of 64 KB.
  it('stops the rendering to standard output at once, with 130, and the rest of the line does not run', async () => {
    const result = await interrupted('rows 1000000; echo after');
    expect(result.code).toBe(130);
    expect(result.stderr).toBe('');
    expect(result.head.startsWith('id      name        size   state\n0       row-0       0      closed\n')).toBe(true);
    expect(result.bytes).toBeLessThan(2_000_000);
  });

  it('stops feeding them to a program at once', async () => {
    const result = await interrupted('rows 1000000 | cat; echo after');
    expect(result.code).toBe(130);
    expect(result.head.startsWith('id      name        size   state\n')).toBe(true);
    expect(result.bytes).toBeLessThan(2_000_000);
  });
});

describe('a million rows in the interactive shell', () => {
  const terminal = terminals('tosh-data-big');

  it('are drawn to the terminal whole, the last row above the prompt, and the shell answers after', async () => {
    const home = realpathSync(tempDir('tosh-data-big-home-'));
    const t = terminal(
      `cd ${shq(cwd)} && TOSH_HOME=${shq(home)} HOME=${shq(home)} ${shq(process.execPath)} ${shq(BIN)} --plugins ${shq(plugins)}; sleep 600`,
      { columns: 100, rows: 30 },
    );
    await t.until('tosh> ');
    t.type('rows 1000000');
    t.press('Enter');
    const lines = await t.untilLines(
      (l) => l.at(-1)?.endsWith('tosh>') === true && l.some((x) => x.startsWith('999999 ')),
      'the last row',
      150_000,
    );
    expect(lines.at(-2)).toBe('999999  row-999999  92081  closed');
    t.type('echo after');
    t.press('Enter');
    await t.until(/^after$/m);
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
