import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from './helpers/tosh.ts';

// Reloading frees the old code: 100 reloads of a ~300 KB plugin through Session.reloadPath
// (in a node with --expose-gc, see bench/reload.js) leave the heap after GC about where it was.
it('keeps the heap flat over 100 reloads of a 300 KB plugin', () => {
  const result = spawnSync(process.execPath, ['--expose-gc', join(ROOT, 'bench', 'reload.js'), '--heap', '100'], {
    encoding: 'utf8',
    timeout: 170000,
  });
  expect(result.stderr).toBe('');
  const figures = JSON.parse(result.stdout) as { reloads: number; pluginKB: number; heapGrowthMB: number };
  expect(figures.reloads).toBe(100);
  expect(figures.pluginKB).toBeGreaterThan(250);
  expect(figures.heapGrowthMB).toBeLessThan(10);
}, 180000);
