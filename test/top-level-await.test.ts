/** Plugins written as ES modules with top-level await load and run (issue: authors write ESM). */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { fixture, tempDir, tosh } from './helpers/tosh.ts';

/** A TOSH_HOME whose config gives plugins 1 s to load. */
function quickHome(): string {
  const home = tempDir('tosh-home-');
  writeFileSync(join(home, 'config.json'), '{ "loadTimeout": 1 }');
  chmodSync(join(home, 'config.json'), 0o600);
  return home;
}

it('runs a plugin that awaits at its top level, imports shared modules and reads import.meta.url', async () => {
  const dir = fixture('tla');
  const lines = readFileSync(join(dir, 'tla.ts'), 'utf8').split('\n').length;
  const result = await tosh(['--plugins', dir, '-c', 'linecount 2; linecount'], { home: quickHome() });
  expect(result.stdout).toBe(`${lines * 2} function\n${lines} function\n`);
  expect(result.stderr).toBe(`tosh: failed to load ${join(dir, 'never.ts')}: did not finish loading within 1 s\n`);
  expect(result.code).toBe(0);
});

it('points --debug stacks of such a plugin at its own lines', async () => {
  const dir = fixture('tla');
  const line =
    readFileSync(join(dir, 'tla.ts'), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('kaboom')) + 1;
  const result = await tosh(['--plugins', dir, '--debug', '-c', 'tla:boom'], { home: quickHome() });
  const lines = result.stderr.split('\n').filter((l) => !l.includes('never.ts'));
  expect(lines[0]).toBe('tosh: tla:boom: kaboom');
  expect(lines[2]).toMatch(new RegExp(`^ {4}at .*tla\\.ts:${line}:\\d+\\)?$`));
  expect(result.code).toBe(1);
});

it('runs a dynamic import() in a plugin without Node printing a warning', async () => {
  expect(await tosh(['--plugins', fixture('tla'), '-c', 'dyn; echo x'], { home: quickHome() })).toMatchObject({
    stdout: '/\nx\n',
    code: 0,
  });
  const result = await tosh(['--plugins', fixture('tla'), '-c', 'dyn'], { home: quickHome() });
  expect(result.stderr).not.toContain('Warning');
});
