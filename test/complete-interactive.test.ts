/**
 * Tab for everything at a real prompt (CONTRACT §16): external programs list
 * their candidates with descriptions, keys typed meanwhile land in the line, a
 * generator that hangs does not hold the prompt, and functions and jobs
 * complete from the shell's own state.
 */
import { chmodSync, cpSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { gitRepo } from './fixtures/complete/projects.ts';
import { shq, terminals } from './helpers/tmux.ts';
import { BIN, FIXTURES, tempDir, trustTree } from './helpers/tosh.ts';

const terminal = terminals('tosh-complete');

function start(cwd: string, options: { init?: string; args?: string } = {}) {
  const home = realpathSync(tempDir('tosh-complete-home-'));
  chmodSync(home, 0o700);
  if (options.init !== undefined) writeFileSync(join(home, 'init.tosh'), options.init, { mode: 0o600 });
  const command = [
    `cd ${shq(cwd)} && TOSH_HOME=${shq(home)} HOME=${shq(home)} TERM=xterm-256color GIT_CONFIG_NOSYSTEM=1`,
    `${shq(process.execPath)} ${shq(BIN)} ${options.args ?? ''};`,
    'echo "[exit $?]"; sleep 600',
  ].join(' ');
  return { ...terminal(command, { columns: 120, rows: 30 }), home };
}

describe('Tab at the prompt (§16)', () => {
  it('git che + Tab lists the subcommands with descriptions, and the next keys still land in the line', async () => {
    const t = start(gitRepo(['feature-login']));
    await t.until('tosh> ');
    t.type('git che');
    t.press('Tab');
    await t.until(/checkout +\(Switch branches or restore working tree files\)/);
    await t.until(/cherry-pick +\(Apply the changes introduced by some existing commits\)/);
    t.type('ck');
    t.press('Tab');
    await t.until('tosh> git checkout ');
    t.type('fe');
    t.press('Tab');
    await t.until('tosh> git checkout feature-login ');
  });

  it('a generator that hangs does not hold the prompt: keys typed after Tab are in the line', async () => {
    const plugins = join(tempDir('tosh-complete-plugins-'), 'plugins');
    cpSync(join(FIXTURES, 'complete', 'plugins'), plugins, { recursive: true });
    trustTree(plugins);
    const t = start(tempDir(), { args: `--debug --plugins ${shq(plugins)}` });
    await t.until('tosh> ');
    t.type('hang ');
    t.press('Tab');
    t.type('typed-on');
    // Whether Tab answered before the keys or not, they are in the line; the hung generator is not waited for.
    await t.until(/tosh> hang (soon )?typed-on/);
    // --debug names the source that ran out of time.
    await t.until(/tosh: completion: specs took \d+ ms: 1 candidates \(timed out: some generators left out\)/);
    t.press('C-u');
    // A command's own complete hook that never answers: the keys after Tab go into the line all the same.
    t.type('stuck ');
    t.press('Tab');
    t.type('thing');
    t.press('Enter');
    await t.until('\nstuck ran thing\n');
  });

  it('completes functions in command position and jobs after %', async () => {
    const t = start(tempDir(), { init: 'greetings() { echo hi; }\nsleep 300 &\n' });
    await t.until('tosh> ');
    t.type('greeti');
    t.press('Tab');
    await t.until('tosh> greetings ');
    t.press('C-u');
    t.type('kill %');
    t.press('Tab');
    await t.until('tosh> kill %1 ');
    t.press('C-u');
    t.type('echo $TOSH_HO');
    t.press('Tab');
    await t.until('tosh> echo $TOSH_HOME ');
    // config.json turns variables off, and the shell running sees it at the next Tab.
    writeFileSync(join(t.home, 'config.json'), JSON.stringify({ completion: { disable: ['variables'] } }), { mode: 0o600 });
    t.press('C-u');
    t.type('echo $TOSH_HO');
    t.press('Tab');
    t.type('X');
    await t.until('tosh> echo $TOSH_HOX');
  });
});
