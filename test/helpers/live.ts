import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { BIN, ROOT, tempDir, trustTree } from './tosh.ts';

/** What a line printed: its stdout and stderr lines. */
export interface LineOutput {
  out: string[];
  err: string[];
}

/**
 * A long-lived `tosh` reading lines from a pipe (stdin mode: hot reload on),
 * for tests that edit plugin files while it runs.
 */
export interface LiveShell {
  /** Run a line and collect what it printed (up to a marker line run after it). */
  run(line: string): Promise<LineOutput>;
  /** Send a line without waiting for it (a command that runs for a while). */
  send(line: string): void;
  /** Wait until a stderr line (from line number `from` on) matches; resolves to that line. */
  waitErr(match: RegExp | string, options?: WaitOptions): Promise<string>;
  /** Wait until a stdout line (from line number `from` on) matches; resolves to that line. */
  waitOut(match: RegExp | string, options?: WaitOptions): Promise<string>;
  /** Every stderr line so far. */
  readonly stderr: string[];
  /** Every stdout line so far. */
  readonly stdout: string[];
  /** Close stdin and wait for the exit status. */
  end(): Promise<number | null>;
}

export interface WaitOptions {
  from?: number;
  timeoutMs?: number;
}

const MARK = '@@tosh-live-mark';
const live: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const child of live.splice(0)) child.kill('SIGKILL');
});

/** A plugin directory with the `mark` command `run()` uses to know a line is done (on both streams). */
function markerDir(): string {
  const dir = join(tempDir('tosh-mark-'), 'mark');
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'mark.ts'),
    `import { defineCommand, definePlugin, z } from 'tosh/plugin-sdk';
export default definePlugin({
  name: 'live-mark',
  version: '1.0.0',
  commands: {
    'live-mark': defineCommand({
      args: z.object({ n: z.string() }),
      run({ args }, ctx) {
        ctx.stderr.write('${MARK} ' + args.n + '\\n');
        return '${MARK} ' + args.n;
      },
    }),
  },
});
`,
  );
  trustTree(dir);
  return dir;
}

/** Start `tosh` with stdin a pipe; resolves once it has run a first line (plugins loaded, watcher ready). */
export async function liveTosh(
  args: string[],
  options: { home?: string; cwd?: string; env?: Record<string, string> } = {},
): Promise<LiveShell> {
  const home = options.home ?? tempDir('tosh-home-');
  const child = spawn(process.execPath, [BIN, ...args, '--plugins', markerDir()], {
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH, HOME: home, TOSH_HOME: home, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.push(child);
  // A shell that has left makes a later write fail with EPIPE: that is the test's to see, not an uncaught error.
  child.stdin.on('error', () => {});
  const stdout: string[] = [];
  const stderr: string[] = [];
  /** Where each stream was when a mark line came: mark number → line count before it. */
  const marks = { out: new Map<number, number>(), err: new Map<number, number>() };
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const check of [...waiters]) check();
  };
  const feed = (stream: NodeJS.ReadableStream, lines: string[], seen: Map<number, number>) => {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      partial += chunk;
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        // With --json the mark's value comes out as a JSON string.
        const mark = /^"?@@tosh-live-mark (\d+)"?$/.exec(line);
        if (mark) seen.set(Number(mark[1]), lines.length);
        else lines.push(line);
      }
      notify();
    });
  };
  feed(child.stdout, stdout, marks.out);
  feed(child.stderr, stderr, marks.err);
  let exited = false;
  const exit = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      exited = true;
      notify();
      resolve(code);
    }),
  );

  /** Resolve when `ready()` gives a value; fail after a while with everything seen so far. */
  const until = <T>(what: string, ready: () => T | undefined, timeoutMs = 10000): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const value = ready();
        if (value !== undefined) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(value);
        } else if (exited) fail();
      };
      const fail = () => {
        waiters.delete(check);
        clearTimeout(timer);
        reject(
          new Error(
            `${exited ? 'tosh exited' : 'timed out'} waiting for ${what}\nstdout:\n${stdout.join('\n')}\nstderr:\n${stderr.join('\n')}`,
          ),
        );
      };
      const timer = setTimeout(fail, timeoutMs);
      waiters.add(check);
      check();
    });
  const matcher = (match: RegExp | string) => (line: string) => (typeof match === 'string' ? line === match : match.test(line));

  let count = 0;
  const shell: LiveShell = {
    async run(line) {
      const n = ++count;
      const outFrom = stdout.length;
      const errFrom = stderr.length;
      child.stdin.write(`${line}\nlive-mark ${n}\n`);
      const [outTo, errTo] = await until(`the end of ${JSON.stringify(line)}`, () => {
        const o = marks.out.get(n);
        const e = marks.err.get(n);
        return o !== undefined && e !== undefined ? [o, e] : undefined;
      });
      return { out: stdout.slice(outFrom, outTo), err: stderr.slice(errFrom, errTo) };
    },
    send(line) {
      child.stdin.write(`${line}\n`);
    },
    waitErr: (match, options = {}) =>
      until(`stderr ${String(match)}`, () => stderr.slice(options.from ?? 0).find(matcher(match)), options.timeoutMs),
    waitOut: (match, options = {}) =>
      until(`stdout ${String(match)}`, () => stdout.slice(options.from ?? 0).find(matcher(match)), options.timeoutMs),
    stderr,
    stdout,
    end() {
      child.stdin.end();
      return exit;
    },
  };
  await shell.run('echo ready');
  return shell;
}
