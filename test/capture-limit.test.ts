/**
 * CONTRACT §11: what `$(…)` captures and what a plugin receives as `input`
 * are bounded (256 MB unless config.json says "captureLimit", in MB); past it
 * the whole line fails with one message and status 1, and the producer is
 * stopped. Through the real binary, with a 1 MB limit so that it is quick.
 */
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, fixture, tempDir, tosh } from './helpers/tosh.ts';

const MESSAGE = 'tosh: output for $(…) or a pipe is more than 1 MB (config.json "captureLimit"): stopped';

function limitedHome(): string {
  const home = tempDir('tosh-home-');
  chmodSync(home, 0o700);
  writeFileSync(join(home, 'config.json'), JSON.stringify({ captureLimit: 1 }), { mode: 0o600 });
  return home;
}

describe('the capture limit', () => {
  it('$(yes) stops the program and the whole line: one message, status 1, nothing after it runs', async () => {
    const r = await tosh(['-c', 'echo $(yes); echo after'], { home: limitedHome() });
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('tosh:'))).toEqual([MESSAGE]);
    expect(r.code).toBe(1);
  });

  it('a program piped into a plugin command: the same', async () => {
    const plugins = join(fixture('capture'), 'plugins');
    const r = await tosh(['--plugins', plugins, '-c', 'yes | chars; echo after'], { home: limitedHome() });
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('tosh:'))).toEqual([MESSAGE]);
    expect(r.code).toBe(1);
  });

  it('a plugin that floods $(…) has its write fail and the line ends, the plugin not blamed', async () => {
    const plugins = join(fixture('capture'), 'plugins');
    const r = await tosh(['--plugins', plugins, '-c', 'x=$(flood); echo after'], { home: limitedHome() });
    expect(r).toEqual({ stdout: '', stderr: `${MESSAGE}\n`, code: 1 });
  });

  it('under the limit nothing changes', async () => {
    const plugins = join(fixture('capture'), 'plugins');
    const line = 'x=$(seq 1 100000); echo "$x" | wc -c; seq 1 100000 | chars';
    const r = await tosh(['--plugins', plugins, '-c', line], { home: limitedHome() });
    expect(r).toEqual({ stdout: '588895\n588895 chars\n', stderr: '', code: 0 });
  });
});

describe('backpressure on ctx.stdout.write', () => {
  it('a plugin that awaits its writes to a reader that waits runs in bounded memory, nothing lost', async () => {
    const plugins = join(fixture('capture'), 'plugins');
    const home = tempDir('tosh-home-');
    const child = spawn(process.execPath, [BIN, '--plugins', plugins, '-c', 'bigprint 300'], {
      env: { PATH: process.env.PATH, HOME: home, TOSH_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let peakKB = 0;
    const sample = setInterval(() => {
      try {
        const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (hwm) peakKB = Math.max(peakKB, Number(hwm[1]));
      } catch {}
    }, 20);
    // The reader takes nothing for a while: without backpressure the whole 300 MB would pile up in the shell.
    child.stdout.pause();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    let bytes = 0;
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => (bytes += d.length));
    child.stdout.resume();
    const code = await new Promise((resolve) => child.on('close', resolve));
    clearInterval(sample);
    expect({ code, bytes, stderr }).toEqual({ code: 0, bytes: 300 * 2 ** 20, stderr: '' });
    expect(peakKB).toBeGreaterThan(0);
    expect(peakKB / 1024).toBeLessThan(200);
  });
});
