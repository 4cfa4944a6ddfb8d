import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELP_HINT } from '../shell/ui/prompt.ts';
import { ROOT, tempDir } from './helpers/tosh.ts';

/** A private copy of the built shell (bin + dist), so its V8 code cache can be damaged without touching the checkout's. */
function copyOfShell(): { bin: string; dist: string } {
  const root = tempDir('tosh-copy-');
  cpSync(join(ROOT, 'bin'), join(root, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'dist'), join(root, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  symlinkSync(join(ROOT, 'commands'), join(root, 'commands'));
  return { bin: join(root, 'bin', 'tosh.js'), dist: join(root, 'dist') };
}

const run = (bin: string, args: string[]) => {
  const home = tempDir('tosh-home-');
  const r = spawnSync(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH, HOME: home, TOSH_HOME: home }, encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
};

describe("the bundled shell's code cache", () => {
  it('runs without a code cache, and leaves one', () => {
    const { bin, dist } = copyOfShell();
    const caches = () => readdirSync(dist).filter((name) => name.startsWith('tosh.cjs.') && name.endsWith('.cache'));
    for (const name of caches()) rmSync(join(dist, name));
    expect(run(bin, ['-c', 'echo hi'])).toEqual({ stdout: 'hi\n', stderr: '', code: 0 });
    expect(caches().map((name) => readFileSync(join(dist, name)).length > 1000)).toEqual([true]);
  });

  it.each([
    ['garbage', () => Buffer.from('not a code cache at all')],
    ['truncated', (old: Buffer) => old.subarray(0, old.length >> 1)],
  ])('ignores a %s code cache and writes a good one', (_name, damage) => {
    const { bin, dist } = copyOfShell();
    expect(run(bin, ['-c', 'echo warm'])).toEqual({ stdout: 'warm\n', stderr: '', code: 0 });
    // The core's cache (the ink world, dist/ink.cjs, keeps one of its own once the UI has run).
    const file = join(dist, readdirSync(dist).find((name) => name.startsWith('tosh.cjs.') && name.endsWith('.cache')) as string);
    const good = readFileSync(file);
    writeFileSync(file, damage(good));
    expect(run(bin, ['-c', 'echo hi'])).toEqual({ stdout: 'hi\n', stderr: '', code: 0 });
    expect(run(bin, ['-c', 'which echo'])).toEqual({
      stdout: `echo: echo 1.1.0 (${join(dist, '..', 'commands', 'echo.ts')})\n`,
      stderr: '',
      code: 0,
    });
    expect(readFileSync(file).length).toBeGreaterThan(1000);
  });
});

it('draws the same hint before the core loads as the UI does', () => {
  const bin = readFileSync(join(ROOT, 'bin', 'tosh.js'), 'utf8');
  expect(bin).toContain(`const hint = ${JSON.stringify(HELP_HINT)};`);
});
