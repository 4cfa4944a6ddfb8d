/**
 * The real `tosh` in a real terminal: tmux at 80×24, keys in, screen out.
 * Each test polls the screen until what a user would see appears (or a deadline passes).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shq, type Terminal, terminals } from './helpers/tmux.ts';
import { BIN, fixture, tempDir } from './helpers/tosh.ts';

const terminal = terminals('tosh-e2e');

/** Start `tosh --plugins <fixture>` in a fresh 80×24 tmux session; the pane stays to show the exit status. */
function start(home = tempDir('tosh-e2e-home-'), plugins = join(fixture('ui'), 'plugins')): Terminal & { home: string; plugins: string } {
  const command = [
    `TOSH_HOME=${shq(home)} HOME=${shq(home)} TERM=xterm-256color`,
    `${shq(process.execPath)} ${shq(BIN)} --plugins ${shq(plugins)};`,
    'echo "[exit $?]"; sleep 600',
  ].join(' ');
  return { ...terminal(command), home, plugins };
}

/** The screen's lines without trailing blank ones. */
const lines = (screen: string) =>
  screen
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n+$/, '')
    .split('\n');

describe('tosh in a terminal', () => {
  it('runs a command and shows its output above the next prompt', async () => {
    const t = start();
    await t.until('tosh> ');
    t.type('paint wall --coats 2');
    t.press('Enter');
    const screen = await t.until('painted wall red x2\ntosh> ');
    expect(lines(screen)).toEqual(['tosh> paint wall --coats 2', 'painted wall red x2', 'tosh>']);
  });

  it('completes a command, a flag and an enum value with Tab', async () => {
    const t = start();
    await t.until('tosh> ');
    t.type('pai');
    t.press('Tab');
    await t.until('tosh> paint ');
    t.type('wall --col');
    t.press('Tab');
    await t.until('tosh> paint wall --color ');
    t.press('Tab');
    await t.until('blue   green  red');
    t.type('gr');
    t.press('Tab');
    await t.until('tosh> paint wall --color green');
    t.press('Enter');
    await t.until('painted wall green x1\ntosh>');
  });

  it('recalls with Up and finds with Ctrl-R', async () => {
    const t = start();
    await t.until('tosh> ');
    t.type('echo first');
    t.press('Enter');
    await t.until('first\ntosh>');
    t.type('paint door');
    t.press('Enter');
    await t.until('painted door red x1\ntosh>');
    t.press('Up', 'Up');
    await t.until(/tosh> echo first\s*$/);
    t.press('C-u', 'C-r');
    t.type('door');
    await t.until("(search) 'door': paint door");
    t.press('Enter');
    const screen = await t.until(/painted door red x1\ntosh> paint door\npainted door red x1\ntosh>/);
    expect(lines(screen).at(-1)).toBe('tosh>');
  });

  it('cancels a running command with Ctrl-C (its signal fires) and still answers', async () => {
    const t = start();
    await t.until('tosh> ');
    t.type('nap');
    t.press('Enter');
    await t.until(/tosh> nap\n\S nap/);
    t.press('C-c');
    await t.until(/tosh> nap\ntosh>/);
    t.type('naps');
    t.press('Enter');
    await t.until('nap interrupted: yes\ntosh>');
  });

  it('leaves with Ctrl-D on an empty line, with status 0', async () => {
    const t = start();
    await t.until('tosh> ');
    t.type('fail');
    t.press('Enter');
    await t.until('tosh: demo:fail: it went wrong\ntosh>');
    t.press('C-c');
    await t.until('Ctrl-D or exit to leave\ntosh>');
    t.press('C-d');
    await t.until('[exit 0]');
  });

  it('keeps the history across a restart', async () => {
    const first = start();
    await first.until('tosh> ');
    first.type('echo remember me');
    first.press('Enter');
    await first.until('remember me\ntosh>');
    first.press('C-d');
    await first.until('[exit 0]');
    const second = start(first.home, first.plugins);
    await second.until('tosh> ');
    second.press('Up');
    await second.until('tosh> echo remember me');
    second.press('Enter');
    await second.until('remember me\ntosh>');
  });
});
