/**
 * The shell language at the prompt (§14), in a real terminal: a pasted loop
 * runs once, an open construct asks for more with a continuation prompt, and
 * `$TOSH_HOME/init.tosh` has run before the first prompt.
 */
import { chmodSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shq, terminals } from './helpers/tmux.ts';
import { BIN, tempDir } from './helpers/tosh.ts';

const terminal = terminals('tosh-lang');

function start(init?: string, args = '') {
  const home = realpathSync(tempDir('tosh-lang-home-'));
  chmodSync(home, 0o700);
  if (init !== undefined) writeFileSync(join(home, 'init.tosh'), init, { mode: 0o600 });
  const command = [
    `cd ${shq(home)} && TOSH_HOME=${shq(home)} HOME=${shq(home)} TERM=xterm-256color`,
    `${shq(process.execPath)} ${shq(BIN)} ${args};`,
    'echo "[exit $?]"; sleep 600',
  ].join(' ');
  return { ...terminal(command, { columns: 100, rows: 40 }), home };
}

describe('the language at the prompt (§14)', () => {
  it('runs a pasted 10-line for loop once, as one entry', async () => {
    const t = start();
    await t.until('~ tosh> ');
    const loop = [
      'for i in 1 2 3; do',
      '  if [ "$i" = 2 ]; then',
      '    echo "two"',
      '  else',
      '    echo "n=$i"',
      '  fi',
      '  :',
      '  true',
      '  :',
      'done',
    ];
    t.paste(loop.join('\n'));
    await t.until('> done');
    t.press('Enter');
    const screen = await t.until(/n=3\n~ tosh> /);
    expect(screen.match(/n=1/g)).toHaveLength(1);
    expect(screen).toContain('n=1\ntwo\nn=3\n');
  });

  it('shows a continuation prompt for an open if and runs it when it is closed', async () => {
    const t = start();
    await t.until('~ tosh> ');
    t.type('if true; then');
    t.press('Enter');
    await t.until(/tosh> if true; then\n +> /);
    t.type('echo inside');
    t.press('Enter');
    t.type('fi');
    t.press('Enter');
    await t.until(/> fi\ninside\n~ tosh> /);
  });

  it('has the functions, aliases and variables of init.tosh at the first prompt, and --no-init leaves them out', async () => {
    const init = 'greet() { echo "hello $1 from init"; }\nalias hi="greet there"\nexport FROM_INIT=yes\n';
    const t = start(init);
    await t.until('~ tosh> ');
    t.type('greet Ada; hi; echo "$FROM_INIT"');
    t.press('Enter');
    await t.until('hello Ada from init\nhello there from init\nyes\n~ tosh> ');
    const u = start(init, '--no-init');
    await u.until('~ tosh> ');
    u.type('type greet');
    u.press('Enter');
    await u.until('tosh: type: greet: not found\n~ [1] tosh> ');
  });

  it('does not run an init.tosh that others can write, and says why in one line', async () => {
    const t = start('echo should not run\n');
    chmodSync(join(t.home, 'init.tosh'), 0o666);
    // The file is read at start: start again now that it is writable by others.
    const u = terminal(
      `cd ${shq(t.home)} && TOSH_HOME=${shq(t.home)} HOME=${shq(t.home)} ${shq(process.execPath)} ${shq(BIN)}; sleep 600`,
      { columns: 100, rows: 20 },
    );
    await u.until('~ tosh> ');
    await u.until(`tosh: ${join(t.home, 'init.tosh')} not run: it is writable by others`);
    expect(u.screen()).not.toContain('should not run');
  });

  it('takes changes to config.json without a restart: the prompt and its aliases', async () => {
    const t = start();
    await t.until('~ tosh> ');
    writeFileSync(join(t.home, 'config.json'), JSON.stringify({ prompt: 'new> ', aliases: { hey: 'echo hey from config' } }), {
      mode: 0o600,
    });
    t.type('hey');
    t.press('Enter');
    await t.until('hey from config\n~ new> ');
  });
});
