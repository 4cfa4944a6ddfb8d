import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, type ToshOptions, type ToshResult, tempDir, tosh, trustTree } from './tosh.ts';

/**
 * Copy fixture plugin directories from test/fixtures/core into one fresh temp
 * dir (trusted permissions) and run `tosh` there, so that messages show the
 * short paths a user would have typed (`greet/greet.ts`).
 */
export function workspace(...dirs: string[]): { cwd: string; run(args: string[], options?: ToshOptions): Promise<ToshResult> } {
  const cwd = tempDir();
  for (const dir of dirs) {
    cpSync(join(FIXTURES, 'core', dir), join(cwd, dir), { recursive: true });
    trustTree(join(cwd, dir));
  }
  const plugins = dirs.flatMap((dir) => ['--plugins', dir]);
  return { cwd, run: (args, options = {}) => tosh([...plugins, ...args], { cwd, ...options }) };
}

/** Timings vary from run to run: `(14 ms)` → `(N ms)`. */
export const noTimes = (text: string) => text.replace(/\(\d+ ms\)/g, '(N ms)');
