/**
 * CONTRACT §11 for code that runs after an `await`: Ctrl-C stops a loop there
 * (status 130, the prompt back), a `setup` that loops after its first await
 * is held to the load deadline, and one that rejects has failed. Fixture
 * plugins in test/fixtures/after-await, through the real binary; every wait
 * is for a marker the plugin prints, bounded.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { alive, start } from './helpers/proc.ts';
import { shq, type Terminal, terminals } from './helpers/tmux.ts';
import { BIN, fixture, tempDir, tosh } from './helpers/tosh.ts';

const plugins = (root: string, dir = 'plugins') => ['--plugins', join(root, dir)];

/** A $TOSH_HOME whose config makes the load deadline 1 s. */
function quickHome(): string {
  const home = tempDir('tosh-home-');
  writeFileSync(join(home, 'config.json'), '{"loadTimeout": 1}', { mode: 0o600 });
  return home;
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

/** Wait (bounded) until `ready()` holds. */
async function until(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !ready(); i++) await sleep(50);
  expect(ready()).toBe(true);
}

describe('SIGINT stops a loop that begins after an await', () => {
  for (const command of ['spin-later', 'spin-deep', 'spin-yield']) {
    it(`-c ${command}: status 130, nothing else said, no process left`, async () => {
      const sh = start([...plugins(fixture('after-await')), '-c', command]);
      // Written in the same turn as the loop, just before it.
      await sh.waitErr('spinning\n');
      sh.child.kill('SIGINT');
      expect(await sh.exit(5000)).toEqual({ code: 130, signal: null });
      expect(sh.stderr()).toBe('spinning\n');
      expect(alive(sh.pid)).toBe(false);
    });
  }

  it('in stdin mode the script stops at the interrupted line', async () => {
    const sh = start(plugins(fixture('after-await')), { stdin: 'calm\nspin-later\ncalm\n' });
    await sh.waitErr('spinning\n');
    sh.child.kill('SIGINT');
    expect(await sh.exit(5000)).toEqual({ code: 130, signal: null });
    expect(sh.stdout()).toBe('calm\n');
    expect(sh.stderr()).toBe('spinning\n');
  });

  it('a loop in a timer callback still does not give way: the second SIGINT ends the shell, saying why', async () => {
    const sh = start([...plugins(fixture('after-await')), '-c', 'spin-timer']);
    await sh.waitErr('spinning\n');
    sh.child.kill('SIGINT');
    await sh.waitErr('tosh: the running command does not give way to Ctrl-C: press Ctrl-C again to leave the shell\n', 5000);
    sh.child.kill('SIGINT');
    const { code, signal } = await sh.exit(5000);
    expect(code === 130 || signal === 'SIGINT').toBe(true);
    expect(alive(sh.pid)).toBe(false);
  });

  it('in a plugin with top-level await too', async () => {
    const sh = start([...plugins(fixture('after-await'), 'tla'), '-c', 'tla-spin']);
    await sh.waitErr('ready\n');
    sh.child.kill('SIGINT');
    expect(await sh.exit(5000)).toEqual({ code: 130, signal: null });
    expect(sh.stderr()).toBe('ready\n');
  });

  it('async functions, for await and async generators still compute what they did', async () => {
    expect(await tosh([...plugins(fixture('after-await')), '-c', 'count'])).toEqual({ stdout: '10\n', stderr: '', code: 0 });
  });

  it("an error thrown after an await names the plugin; with --debug the stack points at the author's line", async () => {
    const root = fixture('after-await');
    const line =
      readFileSync(join(root, 'plugins', 'late.ts'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes("new Error('late')")) + 1;
    expect(await tosh([...plugins(root), '-c', 'throw-later'])).toEqual({ stdout: '', stderr: 'tosh: late:throw-later: late\n', code: 1 });
    const r = await tosh(['--debug', '--plugins', 'plugins', '-c', 'throw-later'], { cwd: root });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^tosh: late:throw-later: late\\nError: late\\n {4}at .*plugins/late\\.ts:${line}:\\d+\\)\\n`));
  });
});

describe('loading and setup after their first await', () => {
  it('a top level that loops after an await is held to the load deadline', async () => {
    const root = fixture('after-await');
    expect(await tosh(['--plugins', 'tla-loop', '-c', 'calm'], { home: quickHome(), cwd: root })).toEqual({
      stdout: 'calm\n',
      stderr: 'tosh: failed to load tla-loop/loop.ts: did not finish loading within 1 s\n',
      code: 0,
    });
  });

  it('a setup that loops after an await is held to the load deadline: the plugin fails, the rest works', async () => {
    const root = fixture('after-await');
    const home = quickHome();
    const failed = 'setup-loop/loop.ts: setup did not finish within 1 s';
    expect(await tosh(['--plugins', 'setup-loop', '-c', 'loop'], { home, cwd: root })).toEqual({
      stdout: '',
      stderr: `tosh: failed to load ${failed}\ntosh: loop: cannot load: ${failed}\n`,
      code: 1,
    });
    // Lines from stdin set every plugin up at the start: the start goes on after the deadline.
    const r = await tosh(['--plugins', 'setup-loop'], { home, cwd: root, stdin: 'calm\nloop\ncalm\n' });
    expect(r.stdout).toBe('calm\ncalm\n');
    expect(lines(r.stderr)).toEqual([`tosh: failed to load ${failed}`, `tosh: loop: cannot load: ${failed}`]);
    expect(r.code).toBe(0);
  });

  it('a setup whose promise rejects has failed, as one that throws has', async () => {
    const root = fixture('after-await');
    expect(await tosh(['--plugins', 'setup-reject', '-c', 'rejects'], { cwd: root })).toEqual({
      stdout: 'still runs\n',
      stderr: 'tosh: reject: setup failed: no database\n',
      code: 0,
    });
    expect(await tosh(['--plugins', 'setup-reject', '-c', 'sync'], { cwd: root })).toEqual({
      stdout: 'still runs\n',
      stderr: 'tosh: sync: setup failed: no config\n',
      code: 0,
    });
  });
});

describe('Ctrl-C in a terminal', () => {
  const terminal = terminals('tosh-after-await');
  /** The interactive shell in tmux; `marker` is the file the plugin writes just before it loops. */
  const shell = (marker: string, after = '') => {
    const home = tempDir('tosh-home-');
    return terminal(
      [
        `TOSH_HOME=${shq(home)} HOME=${shq(home)} TERM=xterm-256color TOSH_TEST_SPINNING=${shq(marker)}`,
        `${shq(process.execPath)} ${shq(BIN)} --plugins ${shq(join(fixture('after-await'), 'plugins'))};`,
        `echo "[exit $?]"; ${after} sleep 600`,
      ].join(' '),
    );
  };

  /** The shell has taken the terminal over and its plugins answer. */
  const answering = async (t: Terminal) => {
    await t.until('tosh> ');
    t.type('calm');
    t.press('Enter');
    await t.untilLines((l) => l.at(-2) === 'calm' && / tosh>$/.test(l.at(-1) ?? ''), 'calm answering');
  };

  it('a loop in a timer callback: Ctrl-C says so, a second Ctrl-C ends the shell and the terminal is usable', async () => {
    const marker = join(tempDir(), 'spinning');
    const t = shell(marker, `stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(icanon|echo)' | tr '\\n' ' '; echo;`);
    await answering(t);
    t.type('spin-timer');
    t.press('Enter');
    await until(() => existsSync(marker));
    t.press('C-c');
    await t.until('tosh: the running command does not give way to Ctrl-C: press Ctrl-C again to lea');
    t.press('C-c');
    const screen = await t.until(/\[exit \d+\]\n.*echo/);
    expect(screen).toContain('[exit 130]\nicanon echo');
  });

  for (const command of ['spin-later', 'spin-deep']) {
    it(`stops ${command} at the first Ctrl-C: the prompt comes back with 130 and the next command runs`, async () => {
      const marker = join(tempDir(), 'spinning');
      const t = shell(marker);
      await answering(t);
      t.type(command);
      t.press('Enter');
      await until(() => existsSync(marker));
      t.press('C-c');
      await t.untilLines((l) => / \[130\] tosh>$/.test(l.at(-1) ?? ''), 'the prompt after the interrupted line');
      expect(t.screen()).not.toContain('does not give way');
      t.type('calm');
      t.press('Enter');
      await t.untilLines((l) => / tosh> calm$/.test(l.at(-3) ?? '') && l.at(-2) === 'calm' && / tosh>$/.test(l.at(-1) ?? ''), 'calm after');
    });
  }
});
