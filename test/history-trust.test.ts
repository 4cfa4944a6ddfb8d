/**
 * CONTRACT §12 for `$TOSH_HOME/history`: another user's file, one writable
 * by group or others, one in such a `$TOSH_HOME`, or a symbolic link is
 * neither read (a planted line would be suggested) nor written, with one
 * warning; one's own is made 0600. Through the real binary, `-c history` and
 * the interactive shell in tmux (where lines are added).
 */
import { chmodSync, chownSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shq, type Terminal, terminals } from './helpers/tmux.ts';
import { BIN, tempDir, tosh } from './helpers/tosh.ts';

const uid = process.getuid?.() ?? -1;
const root = uid === 0;
const modeOf = (path: string) => statSync(path).mode & 0o777;

/** A $TOSH_HOME (0700) whose history holds `text` with `mode`. */
function homeWith(text: string, mode: number): { home: string; history: string } {
  const home = tempDir('tosh-home-');
  const history = join(home, 'history');
  writeFileSync(history, text);
  chmodSync(history, mode);
  return { home, history };
}

const notUsed = (history: string, why: string) => `tosh: history ${history} not used: ${why}\n`;

describe('-c history', () => {
  it('refuses a history writable by others, and leaves it as it is', async () => {
    const { home, history } = homeWith('planted line\n', 0o666);
    expect(await tosh(['-c', 'history'], { home })).toEqual({ stdout: '', stderr: notUsed(history, 'it is writable by others'), code: 0 });
    expect(modeOf(history)).toBe(0o666);
  });

  it('refuses a history writable by its group', async () => {
    const { home, history } = homeWith('planted line\n', 0o620);
    expect(await tosh(['-c', 'history'], { home })).toEqual({
      stdout: '',
      stderr: notUsed(history, 'it is writable by its group'),
      code: 0,
    });
  });

  it('never follows a symbolic link', async () => {
    const home = tempDir('tosh-home-');
    const target = join(tempDir(), 'elsewhere');
    writeFileSync(target, 'echo from elsewhere\n', { mode: 0o600 });
    symlinkSync(target, join(home, 'history'));
    expect(await tosh(['-c', 'history'], { home })).toEqual({
      stdout: '',
      stderr: notUsed(join(home, 'history'), 'it is a symbolic link'),
      code: 0,
    });
  });

  it('makes one’s own history private, and uses it', async () => {
    const { home, history } = homeWith('echo mine\n', 0o644);
    expect(await tosh(['-c', 'history'], { home })).toEqual({ stdout: '1  echo mine\n', stderr: '', code: 0 });
    expect(modeOf(history)).toBe(0o600);
  });

  it.runIf(root)('refuses another user’s history, and one in a $TOSH_HOME writable by others', async () => {
    const { home, history } = homeWith('planted line\n', 0o666);
    chownSync(history, 65534, 65534);
    expect(await tosh(['-c', 'history'], { home })).toEqual({
      stdout: '',
      stderr: notUsed(history, 'it is owned by uid 65534, not by you (uid 0) or root'),
      code: 0,
    });
    // The reported case: $TOSH_HOME 1777, another user's 0666 history.
    chmodSync(home, 0o1777);
    const r = await tosh(['-c', 'history'], { home });
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(notUsed(history, `${home} is writable by others`));
    expect(r.code).toBe(0);
  });
});

describe('the interactive shell', () => {
  const terminal = terminals('tosh-history-trust');
  const shell = (home: string) =>
    terminal(
      `TOSH_HOME=${shq(home)} HOME=${shq(home)} TERM=xterm-256color ${shq(process.execPath)} ${shq(BIN)}; echo "[exit $?]"; sleep 600`,
    );

  /** Type a line, run it, and leave with Ctrl-D once it has run. */
  const runAndLeave = async (t: Terminal, line: string, shows: string) => {
    t.type(line);
    t.press('Enter');
    await t.untilLines((l) => l.includes(shows), shows);
    t.press('C-d');
    await t.until('[exit 0]');
  };

  it('does not suggest a line planted in a refused history, and appends nothing to it', async () => {
    const { home, history } = homeWith('planted line\n', 0o666);
    const t = shell(home);
    await t.until('tosh> ');
    t.type('plan');
    // The autosuggestion would show the rest of the planted line after the cursor.
    await t.untilLines((l) => / tosh> plan$/.test(l.at(-1) ?? ''), 'the typed word alone');
    t.press('C-u');
    await runAndLeave(t, 'echo typed', 'typed');
    expect(readFileSync(history, 'utf8')).toBe('planted line\n');
  });

  it('appends nothing through a symbolic link', async () => {
    const home = tempDir('tosh-home-');
    const elsewhere = tempDir();
    mkdirSync(join(elsewhere, 'dir'));
    const target = join(elsewhere, 'dir', 'target');
    writeFileSync(target, 'untouched\n', { mode: 0o600 });
    symlinkSync(target, join(home, 'history'));
    const t = shell(home);
    await t.until('tosh> ');
    await runAndLeave(t, 'echo typed', 'typed');
    expect(readFileSync(target, 'utf8')).toBe('untouched\n');
  });

  it('a new history is created 0600 and holds what was typed', async () => {
    const home = tempDir('tosh-home-');
    const t = shell(home);
    await t.until('tosh> ');
    await runAndLeave(t, 'echo typed', 'typed');
    expect(readFileSync(join(home, 'history'), 'utf8')).toBe('echo typed\n');
    expect(modeOf(join(home, 'history'))).toBe(0o600);
  });
});
