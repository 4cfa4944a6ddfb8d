/**
 * CONTRACT §11: a plugin command that writes to process.stdout or
 * process.stderr itself (console.log, a library's output) writes where its
 * command's output goes — a file, a pipe, the screen above the prompt — in
 * the order it wrote, as ctx.stdout and ctx.stderr do.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shq, terminals } from './helpers/tmux.ts';
import { BIN, fixture, tempDir, tosh } from './helpers/tosh.ts';

const plugins = join(fixture('faults'), 'direct');
const out = 'straight to stdout\nfrom console.log\nvalue\n';
const err = 'straight to stderr\nfrom console.error\n';

describe('a plugin writing to the process’s own streams', () => {
  for (const later of [false, true]) {
    const flag = later ? ' --later' : '';
    it(`follows > and 2> (${later ? 'after an await' : 'at once'})`, async () => {
      const cwd = realpathSync(tempDir('tosh-direct-'));
      const result = await tosh(['--plugins', plugins, '-c', `direct${flag} > out.txt 2> err.txt; echo done`], { cwd });
      expect(result).toEqual({ stdout: 'done\n', stderr: '', code: 0 });
      expect(readFileSync(join(cwd, 'out.txt'), 'utf8')).toBe(out);
      expect(readFileSync(join(cwd, 'err.txt'), 'utf8')).toBe(err);
    });

    it(`follows a pipe into a program (${later ? 'after an await' : 'at once'})`, async () => {
      expect(await tosh(['--plugins', plugins, '-c', `direct${flag} 2>/dev/null | tr a-z A-Z`])).toEqual({
        stdout: out.toUpperCase(),
        stderr: '',
        code: 0,
      });
      expect(await tosh(['--plugins', plugins, '-c', `direct${flag} 2>&1 | sort`])).toEqual({
        stdout: `${[...out.split('\n'), ...err.split('\n')].filter(Boolean).sort().join('\n')}\n`,
        stderr: '',
        code: 0,
      });
    });
  }

  it('goes to the process’s own streams once its command has ended (code it left running)', async () => {
    const cwd = realpathSync(tempDir('tosh-direct-'));
    // It writes while another command runs: that command's output is not where it goes.
    const line = 'direct-late > out.txt; direct --later --wait 600 > other.txt 2>/dev/null; echo done';
    const result = await tosh(['--plugins', plugins, '-c', line], { cwd });
    expect(result).toEqual({ stdout: 'late\ndone\n', stderr: '', code: 0 });
    expect(readFileSync(join(cwd, 'out.txt'), 'utf8')).toBe('now\n');
    expect(readFileSync(join(cwd, 'other.txt'), 'utf8')).toBe(out);
  });

  it('goes to the shell’s own streams when nothing is redirected', async () => {
    expect(await tosh(['--plugins', plugins, '-c', 'direct'])).toEqual({ stdout: out, stderr: err, code: 0 });
  });
});

describe('in the interactive shell', () => {
  const terminal = terminals('tosh-direct');

  it('is written above the prompt, and into a file or a pipe when redirected; the prompt stays whole', async () => {
    const home = realpathSync(tempDir('tosh-direct-home-'));
    const t = terminal(
      `cd ${shq(home)} && TOSH_HOME=${shq(home)} HOME=${shq(home)} ${shq(process.execPath)} ${shq(BIN)} --plugins ${shq(plugins)}; sleep 600`,
      { columns: 100, rows: 30 },
    );
    await t.until('tosh> ');
    t.type('direct');
    t.press('Enter');
    await t.until(/^value$/m);
    t.type('direct > f.txt 2>/dev/null');
    t.press('Enter');
    t.type('direct 2>/dev/null | tr a-z A-Z');
    t.press('Enter');
    const lines = await t.untilLines((l) => l.at(-1)?.endsWith('tosh>') === true && l.includes('VALUE'), 'the piped run and a prompt');
    expect(lines.slice(1)).toEqual([
      '~ tosh> direct',
      'straight to stdout',
      'from console.log',
      'straight to stderr',
      'from console.error',
      'value',
      '~ tosh> direct > f.txt 2>/dev/null',
      '~ tosh> direct 2>/dev/null | tr a-z A-Z',
      'STRAIGHT TO STDOUT',
      'FROM CONSOLE.LOG',
      'VALUE',
      '~ tosh>',
    ]);
    expect(readFileSync(join(home, 'f.txt'), 'utf8')).toBe(out);
  });
});
