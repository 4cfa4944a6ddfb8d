/**
 * CONTRACT §11: what `$(…)` captures and what a plugin receives as `input`
 * are bounded (256 MB unless config.json says "captureLimit", in MB); past it
 * the whole line fails with one message and status 1, and the producer is
 * stopped. Through the real binary, with a 1 MB limit so that it is quick.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir, tosh } from './helpers/tosh.ts';

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
    const r = await tosh(['--plugins', plugins, '-c', 'x=$(seq 1 100000); echo ${#x}; seq 1 100000 | chars'], { home: limitedHome() });
    expect(r).toEqual({ stdout: '588894\n588895 chars\n', stderr: '', code: 0 });
  });
});
