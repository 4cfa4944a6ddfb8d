import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach } from 'vitest';
import { BIN, ROOT, tempDir } from './tosh.ts';

/** A `tosh` process the test signals and waits on, with bounded waits only. */
export interface Proc {
  readonly child: ChildProcessWithoutNullStreams;
  readonly pid: number;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Wait until stderr (or stdout) contains `text`; fails after `timeoutMs` with what was seen. */
  waitErr(text: string, timeoutMs?: number): Promise<void>;
  waitOut(text: string, timeoutMs?: number): Promise<void>;
  /**
   * Wait for the exit. After `limitMs` the process is killed with SIGKILL and
   * the promise rejects: a shell that does not leave on its own fails the test.
   */
  exit(limitMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Is a process with this id still running (an orphan left behind)? A zombie waiting for its parent to reap it is not. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/PID/stat: "pid (name) STATE ..."; the name may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Start the real binary with stdin a pipe; `stdin` is written (and stdin closed when `end`). */
export function start(
  args: string[],
  options: { home?: string; env?: Record<string, string>; stdin?: string; end?: boolean; cwd?: string } = {},
): Proc {
  const home = options.home ?? tempDir('tosh-home-');
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH, HOME: home, TOSH_HOME: home, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const check of [...waiters]) check();
  };
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    notify();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    notify();
  });
  child.stdin.on('error', () => {});
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      notify();
      resolve({ code, signal });
    }),
  );
  if (options.stdin !== undefined) child.stdin.write(options.stdin);
  if (options.end !== false) child.stdin.end();
  const wait = (read: () => string, text: string, timeoutMs = 15000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (read().includes(text)) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        } else if (child.exitCode !== null || child.signalCode !== null) fail('tosh exited');
      };
      const fail = (why: string) => {
        waiters.delete(check);
        clearTimeout(timer);
        reject(new Error(`${why} waiting for ${JSON.stringify(text)}\nstdout:\n${out}\nstderr:\n${err}`));
      };
      const timer = setTimeout(() => fail('timed out'), timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    child,
    pid: child.pid as number,
    stdout: () => out,
    stderr: () => err,
    waitErr: (text, timeoutMs) => wait(() => err, text, timeoutMs),
    waitOut: (text, timeoutMs) => wait(() => out, text, timeoutMs),
    exit: (limitMs = 10000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`tosh did not exit within ${limitMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
        }, limitMs);
        void closed.then((result) => {
          clearTimeout(timer);
          resolve(result);
        });
      }),
  };
}
