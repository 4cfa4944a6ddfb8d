import { describe, expect, it } from 'vitest';
import { tosh } from './helpers/tosh.ts';

describe('command line', () => {
  it('runs one line with -c and exits with its status', async () => {
    expect(await tosh(['-c', 'echo hello   world'])).toEqual({ stdout: 'hello world\n', stderr: '', code: 0 });
  });

  it('reports an unknown command with a suggestion and status 127', async () => {
    expect(await tosh(['-c', 'helo'])).toEqual({ stdout: '', stderr: "tosh: unknown command 'helo' (did you mean 'help'?)\n", code: 127 });
  });

  it('prints its version', async () => {
    const result = await tosh(['--version']);
    expect(result.stdout).toBe('tosh 1.0.0 (plugin SDK 1.0.0)\n');
    expect(result.code).toBe(0);
  });
});
