/**
 * A plugin that changes what is the whole process's (CONTRACT §11: no plugin
 * takes the shell down): the shell keeps its own references to what its
 * fault machinery, plugin host and output use, says which plugin replaced a
 * global it relies on, never ends silently with status 0, and gives the
 * terminal back even when V8 aborts the process. docs/troubleshooting.md
 * says which of these the shell survives. Through the real binary.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shq, terminals } from './helpers/tmux.ts';
import { BIN, fixture, tempDir, tosh } from './helpers/tosh.ts';

const plugins = () => ['--plugins', join(fixture('globals-more'), 'plugins')];
const replaced = (what: string) =>
  `tosh: a plugin replaced ${what}, which the shell relies on: commands may fail until the shell is restarted`;
const lines = (text: string) => text.split('\n').filter((l) => l !== '');

describe('globals a plugin replaces', () => {
  it('JSON.parse: the shell goes on as before, and says it was replaced', async () => {
    const r = await tosh(plugins(), { stdin: 'json\necho after\nslow\necho end\n' });
    expect(r).toEqual({ stdout: 'patched\nafter\nslow done\nend\n', stderr: `${replaced('JSON.parse')}\n`, code: 0 });
  });

  it('String.prototype.split, Promise.prototype.then: what breaks fails loudly, one line each, status 1', async () => {
    for (const line of ['split', 'promise']) {
      const r = await tosh(plugins(), { stdin: `${line}\necho after\nslow\necho end\n` });
      if (line === 'split') expect(r.stdout.startsWith('patched\n')).toBe(true);
      expect(lines(r.stderr)[0]).toBe(replaced(line === 'split' ? 'String.prototype.split' : 'Promise.prototype.then'));
      expect(lines(r.stderr).filter((l) => !l.startsWith('tosh: '))).toEqual([]);
      expect(r.code).toBe(1);
      const c = await tosh([...plugins(), '-c', `${line}; echo after`]);
      expect(c.code).toBe(1);
    }
  });

  it("a plugin's process.chdir ends with its command: the next plugin and the programs see the shell's directory", async () => {
    const cwd = tempDir('tosh-cwd-');
    expect(await tosh([...plugins(), '-c', 'wander; here; pwd; ls -a | head -1'], { cwd })).toEqual({
      stdout: `moved\n${cwd}\n${cwd}\n.\n`,
      stderr: '',
      code: 0,
    });
  });

  it('names the plugin that replaced one at its top level', async () => {
    expect(await tosh(['--plugins', join(fixture('globals-more'), 'at-load'), '-c', 'wrapped'])).toEqual({
      stdout: 'wrapped\n',
      stderr: `tosh: plugin wrap replaced JSON.parse, which the shell relies on: commands may fail until the shell is restarted\n`,
      code: 0,
    });
  });
});

describe('what a plugin removes or closes', () => {
  it("the process's uncaughtException listeners: a later throw is still reported by name, the shell goes on", async () => {
    // The throw comes while g's `slow` runs: that command fails with it; the next line runs.
    const r = await tosh(plugins(), { stdin: 'uncaught\nslow\necho end\n' });
    expect(r).toEqual({ stdout: 'removed\nend\n', stderr: 'tosh: g: late\n', code: 0 });
  });

  it('standard output, closed: one line, status 1', async () => {
    expect(await tosh([...plugins(), '-c', 'close1; echo after'])).toEqual({
      stdout: '',
      stderr: 'tosh: write error: bad file descriptor\n',
      code: 1,
    });
  });
});

describe('a plugin that allocates until the heap is full', () => {
  const terminal = terminals('tosh-globals-more');

  it('V8 aborts the process (134), and the terminal is given back in cooked mode', async () => {
    const home = tempDir('tosh-home-');
    const t = terminal(
      [
        `TOSH_HOME=${shq(home)} HOME=${shq(home)} TERM=xterm-256color NODE_OPTIONS=--max-old-space-size=100`,
        `${shq(process.execPath)} ${shq(BIN)} ${plugins().map(shq).join(' ')};`,
        // The guard restores the terminal within its poll (half a second) of the shell's end.
        `echo "[exit $?]"; sleep 1.5; stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(icanon|echo)' | tr '\\n' ' '; echo; sleep 600`,
      ].join(' '),
    );
    await t.until('tosh> ');
    t.type('oom');
    t.press('Enter');
    const screen = await t.until(/\[exit \d+\]\n.*echo/);
    expect(screen).toContain('[exit 134]\nicanon echo');
  });
});
