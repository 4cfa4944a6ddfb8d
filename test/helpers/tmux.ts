import { execFileSync } from 'node:child_process';
import { afterAll, afterEach } from 'vitest';

/** Quote a word for the shell tmux runs a command with. */
export const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A program running in a real terminal (a tmux pane, 80×24 unless asked otherwise): keys in, screen out. */
export interface Terminal {
  /** Type text literally. */
  type(text: string): void;
  /** Paste text as a terminal does (bracketed, when the program asked for it). */
  paste(text: string): void;
  /** Make the window this size (as a user dragging its corner). */
  resize(columns: number, rows: number): void;
  /** Press keys, in tmux's names: Enter, Tab, Up, C-c, C-r, C-d. */
  press(...keys: string[]): void;
  /** The screen as captured; -N keeps trailing spaces (the space Tab puts after a completed word is part of what the user sees). */
  screen(): string;
  /** The screen's non-blank lines, without trailing spaces. */
  lines(): string[];
  /** Wait (with a deadline) until the screen shows `text` (or matches it); returns the screen. */
  until(text: string | RegExp): Promise<string>;
  /** Wait (with a deadline, 15 s unless `ms` says) until the lines pass `test`; `what` names it in the failure. */
  untilLines(test: (lines: string[]) => boolean, what: string, ms?: number): Promise<string[]>;
  /** Close the terminal (`tmux kill-session`): the program gets SIGHUP. */
  kill(): void;
}

/**
 * Terminals on a tmux server of the calling test file's own, started with a
 * clean environment (none of vitest's variables leak into the shell); every
 * session is killed after each test and the server after the file.
 */
export function terminals(prefix: string): (command: string, size?: { columns: number; rows: number }) => Terminal {
  const socket = `${prefix}-${process.pid}`;
  const tmux = (...args: string[]) =>
    execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, TERM: 'xterm-256color', LANG: 'C.UTF-8' },
    });
  const open: string[] = [];
  let count = 0;
  afterEach(() => {
    for (const name of open.splice(0)) {
      try {
        tmux('kill-session', '-t', name);
      } catch {}
    }
  });
  afterAll(() => {
    try {
      tmux('kill-server');
    } catch {}
  });
  const poll = async <T>(
    read: () => T,
    done: (value: T) => boolean,
    what: () => string,
    show: (value: T) => string,
    ms = 15000,
  ): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const now = read();
      if (done(now)) return now;
      if (Date.now() > deadline) throw new Error(`the screen never showed ${what()}; it shows:\n${show(now)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  let kept = false;
  return (command, size = { columns: 80, rows: 24 }) => {
    // One idle session keeps the server up between tests: a server that is exiting as its last session
    // is killed can refuse the next test's new session.
    if (!kept) {
      tmux('new-session', '-d', '-s', `${socket}-keep`, 'sleep 100000');
      kept = true;
    }
    const name = `${socket}-${count++}`;
    tmux('new-session', '-d', '-s', name, '-x', String(size.columns), '-y', String(size.rows), command);
    open.push(name);
    const screen = () => tmux('capture-pane', '-p', '-N', '-t', name);
    const lines = () =>
      screen()
        .split('\n')
        .map((l) => l.trimEnd())
        .filter((l) => l !== '');
    return {
      type: (text) => void tmux('send-keys', '-t', name, '-l', text),
      resize: (columns, rows) => void tmux('resize-window', '-t', name, '-x', String(columns), '-y', String(rows)),
      paste: (text) => {
        tmux('set-buffer', '-b', name, text);
        tmux('paste-buffer', '-p', '-d', '-b', name, '-t', name);
      },
      press: (...keys) => void tmux('send-keys', '-t', name, ...keys),
      screen,
      lines,
      until: (text) =>
        poll(
          screen,
          (now) => (typeof text === 'string' ? now.includes(text) : text.test(now)),
          () => String(text),
          (now) => now,
        ),
      kill: () => void tmux('kill-session', '-t', name),
      untilLines: (test, what, ms) =>
        poll(
          lines,
          test,
          () => what,
          (now) => now.join('\n'),
          ms,
        ),
    };
  };
}
