/**
 * CONTRACT §11: a write error on tosh's own standard output is one line on
 * standard error and status 1, as in bash (`echo: write error: No space left
 * on device`); a reader that leaves early stays quiet (141). Through the real
 * binary with its standard output on /dev/full.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BIN, fixture, ROOT, tempDir } from './helpers/tosh.ts';

/** Run the binary with standard output on /dev/full; what it said on standard error and its status. */
function toFull(args: string[], stdin = ''): Promise<{ stderr: string; code: number | null }> {
  const full = openSync('/dev/full', 'w');
  const home = tempDir('tosh-home-');
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: home, TOSH_HOME: home },
    stdio: ['pipe', full, 'pipe'],
  }) as ChildProcessByStdio<Writable, null, Readable>;
  closeSync(full);
  child.stdin.on('error', () => {});
  child.stdin.end(stdin);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stderr, code });
    });
  });
}

const failed = { stderr: 'tosh: write error: no space left on device\n', code: 1 };

describe.runIf(existsSync('/dev/full'))('standard output on /dev/full', () => {
  it('-c echo: one line, status 1', async () => {
    expect(await toFull(['-c', 'echo hi'])).toEqual(failed);
  });

  it("a plugin's big value and its many small writes: one line each time", async () => {
    const big = ['--plugins', join(fixture('faults'), 'output')];
    expect(await toFull([...big, '-c', 'big 100000'])).toEqual(failed);
    expect(await toFull([...big, '-c', 'stream 20000'])).toEqual(failed);
  });

  it('lines from stdin: said once, the lines still run, status 1', async () => {
    const marker = join(tempDir(), 'ran');
    expect(await toFull([], `echo one\necho two\n^touch ${marker}\n`)).toEqual(failed);
    expect(existsSync(marker)).toBe(true);
  });

  it('a failing line keeps its own status', async () => {
    expect(await toFull(['-c', 'echo hi; nope'])).toEqual({
      stderr: "tosh: write error: no space left on device\ntosh: unknown command 'nope'\n",
      code: 127,
    });
  });
});
