/**
 * CONTRACT §11: everything written reaches standard output before tosh
 * exits, whatever its size and however slowly the reader reads, in every
 * mode; a reader that closes early ends the output quietly.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, fixture, ROOT, tempDir } from './helpers/tosh.ts';

/** 4 MB: far past the 64 KB a pipe holds. */
const LINES = 65536;
const BYTES = LINES * 64;

/**
 * Run tosh with its stdout read by a reader that waits a second before
 * reading anything (`| (sleep 1; wc -c)`); resolves to the bytes it got.
 */
function slowRead(args: string[], stdin = ''): Promise<{ bytes: number; newlines: number; stderr: string; code: number | null }> {
  const home = tempDir('tosh-home-');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: home, TOSH_HOME: home },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let bytes = 0;
    let newlines = 0;
    let stderr = '';
    child.stdout.pause();
    setTimeout(() => {
      child.stdout.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        for (const b of chunk) if (b === 10) newlines++;
      });
      child.stdout.resume();
    }, 1000);
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tosh did not finish; stderr: ${stderr}`));
    }, 30000);
    child.on('close', (code) => {
      clearTimeout(limit);
      resolve({ bytes, newlines, stderr, code });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}

describe('output integrity through a slow reader', () => {
  const plugins = () => ['--plugins', join(fixture('faults'), 'output')];

  it('-c: a returned value and a stream of writes arrive whole', async () => {
    expect(await slowRead([...plugins(), '-c', `big ${LINES}`])).toEqual({ bytes: BYTES, newlines: LINES, stderr: '', code: 0 });
    expect(await slowRead([...plugins(), '-c', `stream ${LINES}`])).toEqual({ bytes: BYTES, newlines: LINES, stderr: '', code: 0 });
  });

  it('a script and stdin: every line of every command arrives', async () => {
    const script = join(tempDir(), 'big.tosh');
    writeFileSync(script, `big ${LINES}\nstream ${LINES}\n`);
    const both = { bytes: 2 * BYTES, newlines: 2 * LINES, stderr: '', code: 0 };
    expect(await slowRead([...plugins(), script])).toEqual(both);
    expect(await slowRead(plugins(), `big ${LINES}\nstream ${LINES}\n`)).toEqual(both);
  });

  it('--json: the whole value as one line', async () => {
    // JSON escapes each newline as two bytes and adds two quotes and a newline.
    const r = await slowRead([...plugins(), '--json', '-c', `big ${LINES}`]);
    expect(r).toEqual({ bytes: LINES * 65 + 3, newlines: 1, stderr: '', code: 0 });
  });

  it('a script of 30,000 echo lines gives 30,000 lines', async () => {
    const script = join(tempDir(), 'echo.tosh');
    writeFileSync(script, Array.from({ length: 30000 }, (_, i) => `echo line ${i}\n`).join(''));
    const r = await slowRead([script]);
    expect(r).toMatchObject({ newlines: 30000, stderr: '', code: 0 });
  });
});

describe('a reader that closes early', () => {
  it('| head -1 is quiet: one line out, nothing on stderr', async () => {
    const dir = join(fixture('faults'), 'output');
    const home = tempDir('tosh-home-');
    const pipelines = [
      `"$0" "$1" --plugins "$2" -c "$3" | head -1`,
      `printf '%s\\n' "$3" "$3" | "$0" "$1" --plugins "$2" | head -1`,
      `"$0" "$1" --plugins "$2" --json -c "$3" | head -c 1`,
    ];
    for (const [pipeline, line] of pipelines.flatMap((p) => [`big ${LINES}`, `stream ${LINES}`].map((l) => [p, l] as const))) {
      const r = await new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
        // The pipe is sh's: tosh's stderr is the test's, so any message or stack is seen.
        const child = spawn('sh', ['-c', pipeline, process.execPath, BIN, dir, line], {
          env: { PATH: process.env.PATH, HOME: home, TOSH_HOME: home },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        const limit = setTimeout(() => child.kill('SIGKILL'), 20000);
        child.on('close', (code) => {
          clearTimeout(limit);
          resolve({ stdout, stderr, code });
        });
      });
      // --json: a returned string starts with its quote; written text comes as it is.
      const first = pipeline.includes('--json') ? (line.startsWith('big') ? '"' : 'x') : `${'x'.repeat(63)}\n`;
      expect(r, pipeline).toEqual({ stdout: first, stderr: '', code: 0 });
    }
  });
});
