/**
 * The real `tosh` in a real terminal: tmux at 80×24 (unless a test needs another size), keys in,
 * screen out. Each test polls the screen until what a user would see appears (or a deadline passes).
 * The shell starts in its home directory, so the prompt reads `~ tosh> `.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shq, type Terminal, terminals } from './helpers/tmux.ts';
import { BIN, fixture, tempDir } from './helpers/tosh.ts';

const terminal = terminals('tosh-e2e');

/** Start `tosh --plugins <fixture>` in a fresh tmux session (80×24 by default); the pane stays to show the exit status. */
function start(
  home = tempDir('tosh-e2e-home-'),
  plugins = join(fixture('ui'), 'plugins'),
  size?: { columns: number; rows: number },
): Terminal & { home: string; plugins: string } {
  const command = [
    `cd ${shq(home)} && TOSH_HOME=${shq(home)} HOME=${shq(home)} TERM=xterm-256color`,
    `${shq(process.execPath)} ${shq(BIN)} --plugins ${shq(plugins)};`,
    'echo "[exit $?]"; sleep 600',
  ].join(' ');
  return { ...terminal(command, size), home, plugins };
}

const HINT = "Type 'help' for commands, Tab to complete, Ctrl-D to leave.";

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
    const screen = await t.until('painted wall red x2\n~ tosh> ');
    expect(lines(screen)).toEqual([HINT, '~ tosh> paint wall --coats 2', 'painted wall red x2', '~ tosh>']);
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
    await t.until(/^blue +green +red$/m);
    t.type('gr');
    t.press('Tab');
    await t.until('tosh> paint wall --color green');
    t.press('Enter');
    await t.until('painted wall green x1\n~ tosh>');
  });

  it('recalls with Up and finds with Ctrl-R', async () => {
    const t = start();
    await t.until('tosh> ');
    t.type('echo first');
    t.press('Enter');
    await t.until('first\n~ tosh>');
    t.type('paint door');
    t.press('Enter');
    await t.until('painted door red x1\n~ tosh>');
    t.press('Up', 'Up');
    await t.until(/tosh> echo first\s*$/);
    t.press('C-u', 'C-r');
    t.type('door');
    await t.until("(search) 'door': paint door");
    t.press('Enter');
    const screen = await t.until(/painted door red x1\n~ tosh> paint door\npainted door red x1\n~ tosh>/);
    expect(lines(screen).at(-1)).toBe('~ tosh>');
  });

  it('cancels a running command with Ctrl-C (its signal fires) and still answers', async () => {
    const t = start();
    await t.until('tosh> ');
    t.type('nap');
    t.press('Enter');
    await t.until(/tosh> nap\n\S nap/);
    t.press('C-c');
    // `^C` stays where the command was stopped; the prompt shows its status.
    await t.until(/~ tosh> nap\n\^C\n~ \[130\] tosh>/);
    t.type('naps');
    t.press('Enter');
    await t.until('nap interrupted: yes\n~ tosh>');
  });

  it('leaves with Ctrl-D on an empty line, with status 0', async () => {
    const t = start();
    await t.until('tosh> ');
    t.type('fail');
    t.press('Enter');
    await t.until('tosh: demo:fail: it went wrong\n~ [1] tosh>');
    t.press('C-c');
    await t.until('Ctrl-D or exit to leave\n~ [1] tosh>');
    t.press('C-d');
    await t.until('[exit 0]');
  });

  it('keeps the history across a restart', async () => {
    const first = start();
    await first.until('tosh> ');
    first.type('echo remember me');
    first.press('Enter');
    await first.until('remember me\n~ tosh>');
    first.press('C-d');
    await first.until('[exit 0]');
    const second = start(first.home, first.plugins);
    await second.until('tosh> ');
    second.press('Up');
    await second.until('tosh> echo remember me');
    second.press('Enter');
    await second.until('remember me\n~ tosh>');
  });
});

describe('tosh in a terminal, as a fish user expects', () => {
  it('says how to get help above the first prompt, which shows the directory and a failed status', async () => {
    const t = start();
    const first = await t.until('~ tosh> ');
    expect(lines(first)).toEqual([HINT, '~ tosh>']);
    t.type('fail');
    t.press('Enter');
    await t.until('tosh: demo:fail: it went wrong\n~ [1] tosh>');
    t.type('echo ok');
    t.press('Enter');
    const screen = await t.until('ok\n~ tosh>');
    // The hint is said once.
    expect(lines(screen).filter((l) => l === HINT)).toHaveLength(1);
  });

  it('puts a bracketed paste into the line without running it; Enter runs its lines in order', async () => {
    const t = start();
    await t.until('~ tosh> ');
    t.paste('echo one\npaint door\n');
    await t.until(/~ tosh> echo one\n {6}> paint door\s*$/);
    expect(t.screen()).not.toContain('painted');
    t.press('Enter');
    const screen = await t.until('painted door red x1\n~ tosh>');
    expect(lines(screen).slice(-4)).toEqual(['      > paint door', 'one', 'painted door red x1', '~ tosh>']);
  });

  it('stops a flood of output with Ctrl-C, leaving ^C and status 130', async () => {
    const t = start(undefined, undefined, { columns: 100, rows: 30 });
    await t.until('~ tosh> ');
    t.type('many 1000000');
    t.press('Enter');
    await t.until(/^line \d+$/m);
    t.press('C-c');
    const screen = await t.until(/\^C\n~ \[130\] tosh>/);
    const last = lines(screen)
      .filter((l) => /^line \d+$/.test(l))
      .at(-1);
    expect(Number(last?.slice(5))).toBeLessThan(1000000);
    t.type('echo after');
    t.press('Enter');
    await t.until('after\n~ tosh>');
  });

  it('suggests only lines that worked; Up recalls lines that start with what is typed', async () => {
    const t = start();
    await t.until('~ tosh> ');
    for (const line of ['echo hello', 'histroy', 'paint door']) {
      t.type(line);
      t.press('Enter');
      await t.until(`${line}\n`);
    }
    await t.until('painted door red x1\n~ tosh>');
    t.type('h');
    // The suggestion is drawn in the same frame as the typed text: a frame with 'h' alone says there is none.
    await t.untilLines((l) => l.at(-1) === '~ tosh> h', "'h' with no suggestion");
    t.type('istory');
    await t.until(/~ tosh> history\s*$/);
    t.press('C-u');
    t.type('echo h');
    await t.until(/~ tosh> echo hello\s*$/);
    t.press('C-u');
    t.type('ec');
    t.press('Up');
    await t.until(/~ tosh> echo hello\s*$/);
  });

  it('remembers in the history file which lines failed: the next session does not suggest them', async () => {
    const first = start();
    await first.until('~ tosh> ');
    for (const [line, answer] of [
      ['ls /nonexistent-tosh', /No such file or directory\n~ \[2\] tosh> *$/m],
      ['echo fine', /^fine\n~ tosh> *$/m],
    ] as const) {
      first.type(line);
      first.press('Enter');
      await first.until(answer);
    }
    first.press('C-d');
    await first.until('[exit 0]');
    const second = start(first.home);
    await second.until('~ tosh> ');
    second.type('ls /non');
    // The suggestion is drawn in the same frame as the typed text.
    await second.untilLines((l) => l.at(-1) === '~ tosh> ls /non', "'ls /non' with no suggestion");
    second.press('C-u');
    second.type('echo f');
    await second.until(/~ tosh> echo fine\s*$/);
    // Up still recalls it, to be corrected and run again.
    second.press('C-u');
    second.press('Up', 'Up');
    await second.until(/~ tosh> ls \/nonexistent-tosh\s*$/);
  });

  it('runs !! as the previous line, shown as run', async () => {
    const t = start();
    await t.until('~ tosh> ');
    t.type('echo twice');
    t.press('Enter');
    await t.until('twice\n~ tosh>');
    t.type('!!');
    t.press('Enter');
    const screen = await t.until(/twice\n~ tosh> echo twice\ntwice\n~ tosh>/);
    expect(screen).not.toContain('!!');
  });

  it('lists matches with their descriptions on Tab, and cycles through them on the next Tabs', async () => {
    const t = start();
    await t.until('~ tosh> ');
    t.type('paint wall --co');
    t.press('Tab');
    await t.until(/~ tosh> paint wall --co\s*\n--coats +--color {2}\(The colour\)/);
    t.press('Tab');
    await t.until(/~ tosh> paint wall --coats \s*\n/);
    t.press('Tab');
    await t.until(/~ tosh> paint wall --color \s*\n/);
    t.type('blue');
    t.press('Enter');
    await t.until('painted wall blue x1\n~ tosh>');
    // Enter while cycling takes the match and closes the list; the next Enter runs the line.
    t.type('paint door --co');
    t.press('Tab', 'Tab', 'Tab');
    await t.until(/~ tosh> paint door --color \s*\n--coats/);
    t.press('Enter');
    await t.untilLines((l) => l.at(-1) === '~ tosh> paint door --color', 'the list closed, the line not run');
    t.type('green');
    t.press('Enter');
    await t.until('painted door green x1\n~ tosh>');
  });

  it('clears everything with Ctrl-L, a live element of the last command too', async () => {
    const t = start();
    await t.until('~ tosh> ');
    t.type('count 3');
    t.press('Enter');
    await t.until('count 3\n~ tosh>');
    t.press('C-l');
    await t.untilLines((now) => now.length === 1 && now[0] === '~ tosh>', 'only the prompt');
  });

  it('leaves no progress bar behind when the window shrinks under it', async () => {
    const t = start();
    await t.until('~ tosh> ');
    t.type('steps 20');
    t.press('Enter');
    await t.until(/stepping .*\d+\/20/);
    // The bar's line (about 40 columns) no longer fits: the terminal reflows it onto two rows.
    t.resize(30, 24);
    const screen = await t.until('did 20 steps\n~ tosh>');
    expect(screen).not.toMatch(/stepping|[█░]/);
  });

  it.each([60, 120])('fits help into %i columns, descriptions wrapped under themselves', async (columns) => {
    // Tall enough for the whole list (the data plugin's verbs are in it), so that no line scrolls away.
    const t = start(undefined, undefined, { columns, rows: 100 });
    await t.until('~ tosh> ');
    t.type('help');
    t.press('Enter');
    const screen = await t.until("Type 'help COMMAND' for its arguments and flags.\n~ tosh>");
    const shown = lines(screen);
    for (const line of shown) expect(line.length).toBeLessThanOrEqual(columns);
    const at = shown.findIndex((l) => l.startsWith('  new '));
    if (columns === 60) {
      expect(shown.slice(at, at + 2)).toEqual(['  new      Write a new plugin with a test and an editor', '           set-up']);
    } else {
      expect(shown[at]).toBe('  new      Write a new plugin with a test and an editor set-up');
    }
  });
});
