/**
 * A plugin that did not finish loading (CONTRACT §11) is remembered, not run
 * again at every start until it changes; and the message for a command of a
 * plugin that failed to load names the right plugin. Fixtures in
 * test/fixtures/load-failures, through the real binary.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir, tosh } from './helpers/tosh.ts';

/** A $TOSH_HOME whose config makes the load deadline 1 s. */
function quickHome(): string {
  const home = tempDir('tosh-home-');
  writeFileSync(join(home, 'config.json'), '{"loadTimeout": 1}', { mode: 0o600 });
  return home;
}

const busy = 'plugins/loadbusy.ts: did not finish loading within 1 s';
const exited =
  'plugins/loadexit.ts:4:9 threw while loading: process.exit(3) cannot end the shell; a command fails with a status by throwing CommandError';
const started = `tosh: failed to load ${busy}\ntosh: failed to load ${exited}\n`;
const evaluations = (marker: string) => (existsSync(marker) ? readFileSync(marker, 'utf8').split('\n').filter(Boolean).length : 0);

describe('a plugin whose loading ran out of time', () => {
  it('is not run again at the next start: it fails at once, its commands say why, plugins lists it failed', async () => {
    const cwd = fixture('load-failures');
    const home = quickHome();
    const marker = join(tempDir(), 'evaluated');
    const env = { TOSH_TEST_EVALUATED: marker };
    const first = await tosh(['--plugins', 'plugins', '-c', 'calm'], { cwd, home, env });
    expect(first).toEqual({ stdout: 'calm\n', stderr: started, code: 0 });
    expect(evaluations(marker)).toBe(1);
    expect(await tosh(['--plugins', 'plugins', '-c', 'calm'], { cwd, home, env })).toEqual(first);
    expect(await tosh(['--plugins', 'plugins', '-c', 'loadbusy:lb'], { cwd, home, env })).toEqual({
      stdout: '',
      stderr: `${started}tosh: loadbusy: cannot load: ${busy}\n`,
      code: 1,
    });
    const listed = await tosh(['--plugins', 'plugins', '--json', '-c', 'plugins'], { cwd, home, env });
    const entry = (JSON.parse(listed.stdout) as { name: string; status: string }[]).find((p) => p.name === 'loadbusy');
    expect(entry?.status).toBe(`failed: failed to load ${busy}`);
    expect(evaluations(marker)).toBe(1);
  });

  it('is tried again once its file changes, or the deadline is raised, or on reload', async () => {
    const cwd = fixture('load-failures');
    const home = quickHome();
    const marker = join(tempDir(), 'evaluated');
    const env = { TOSH_TEST_EVALUATED: marker };
    await tosh(['--plugins', 'plugins', '-c', 'calm'], { cwd, home, env });
    expect(evaluations(marker)).toBe(1);
    appendFileSync(join(cwd, 'plugins', 'loadbusy.ts'), '// changed\n');
    expect(await tosh(['--plugins', 'plugins', '-c', 'calm'], { cwd, home, env })).toMatchObject({ stdout: 'calm\n', code: 0 });
    expect(evaluations(marker)).toBe(2);
    // The start skips it; the reload tries it.
    await tosh(['--plugins', 'plugins', '-c', 'reload loadbusy'], { cwd, home, env });
    expect(evaluations(marker)).toBe(3);
    writeFileSync(join(home, 'config.json'), '{"loadTimeout": 1.5}', { mode: 0o600 });
    await tosh(['--plugins', 'plugins', '-c', 'calm'], { cwd, home, env });
    expect(evaluations(marker)).toBe(4);
  });
});

describe('the message for a command of a plugin that failed to load', () => {
  it("names that plugin, or every plugin it may belong to — never another's file alone", async () => {
    const cwd = fixture('load-failures');
    const home = quickHome();
    expect(await tosh(['--plugins', 'plugins', '-c', 'loadexit:le'], { cwd, home })).toEqual({
      stdout: '',
      stderr: `${started}tosh: loadexit: cannot load: ${exited}\n`,
      code: 1,
    });
    expect(await tosh(['--plugins', 'plugins', '-c', 'le'], { cwd, home })).toEqual({
      stdout: '',
      stderr: `${started}tosh: unknown command 'le' (it may be a command of a plugin that did not load: plugins/loadbusy.ts, plugins/loadexit.ts)\n`,
      code: 1,
    });
  });
});
