/**
 * A long-lived helper shell (fish, bash) that answers one request line at a
 * time over a pipe, each answer ended by a line holding only `\x1e`. Started on
 * first use, started again if it dies (three deaths in a minute turn it off for
 * a minute), killed when the shell leaves; it never holds the event loop open.
 * A request past its deadline is abandoned, not killed: its answer, when it
 * comes, goes to `onLate` (the cache), and a helper stuck for 5 s is killed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { killGroup, track, unrefChild } from './exec.ts';

const END = '\x1e';
/** A helper still busy this long after a request is stuck: killed. */
const STUCK_MS = 5000;
const DEATHS_BEFORE_REST = 3;
const REST_MS = 60_000;

/** The answer's lines; 'late' past the deadline; undefined when the helper cannot run or died. */
export type Answer = string[] | 'late' | undefined;

interface Pending {
  resolve: (answer: Answer) => void;
  /** Gets the answer when it comes after the deadline. */
  late?: (lines: string[]) => void;
  abandoned: boolean;
}

export interface CoprocessRequest {
  /** The lines to send; each is answered, and the answer to the last one is returned. */
  lines: string[];
  deadline: number;
  onLate?: (lines: string[]) => void;
}

export abstract class Coprocess {
  #child: ChildProcess | undefined;
  #buffer = '';
  readonly #queue: Pending[] = [];
  #deaths: number[] = [];
  #restingUntil = 0;
  #stuckTimer: NodeJS.Timeout | undefined;
  /** The directory and environment the helper has now, so that only changes are sent. */
  protected cwd: string | undefined;
  protected env: Record<string, string> = {};

  /** The program and its arguments. */
  protected abstract command(): [string, string[]];

  /** The lines that move the helper to `cwd` and `env` from where it is. */
  protected abstract setup(cwd: string, env: Record<string, string>): string[];

  /** Whether it is running now (tests). */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Send the request's lines and wait for the answer to the last one, until its deadline. */
  ask(cwd: string, env: Record<string, string>, request: CoprocessRequest): Promise<Answer> {
    if (performance.now() < this.#restingUntil) return Promise.resolve(undefined);
    if (!this.#child && !this.#start(cwd, env)) return Promise.resolve(undefined);
    const child = this.#child as ChildProcess;
    const lines = [...this.setup(cwd, env), ...request.lines];
    this.cwd = cwd;
    this.env = { ...env };
    // Only the last line's answer is wanted: the others (cd, set) answer with nothing.
    for (let i = 0; i < lines.length - 1; i++) this.#queue.push({ resolve: () => {}, abandoned: true });
    return new Promise((resolve) => {
      const pending: Pending = { resolve, abandoned: false };
      if (request.onLate) pending.late = request.onLate;
      this.#queue.push(pending);
      child.stdin?.write(`${lines.join('\n')}\n`);
      const wait = Math.max(0, request.deadline - performance.now());
      const timer = setTimeout(() => {
        if (pending.abandoned) return;
        pending.abandoned = true;
        resolve('late');
        this.#watchStuck();
      }, wait);
      // The deadline timer is what keeps a waiting `tosh --complete` alive; the helper itself never does.
      pending.resolve = (answer) => {
        clearTimeout(timer);
        resolve(answer);
      };
    });
  }

  /** Kill the helper (the shell is leaving, or tests). */
  stop(): void {
    if (this.#child) killGroup(this.#child);
    this.#died();
  }

  #start(cwd: string, env: Record<string, string>): boolean {
    const [program, args] = this.command();
    let child: ChildProcess;
    try {
      child = spawn(program, args, { cwd, env, stdio: ['pipe', 'pipe', 'ignore'], detached: true });
    } catch {
      return false;
    }
    this.#child = child;
    this.#buffer = '';
    this.cwd = cwd;
    this.env = { ...env };
    track(child);
    unrefChild(child);
    child.stdin?.on('error', () => {});
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => this.#read(chunk));
    child.once('error', () => this.#gone(child));
    child.once('exit', () => this.#gone(child));
    return true;
  }

  #read(chunk: string): void {
    this.#buffer += chunk;
    for (;;) {
      const end = this.#buffer.startsWith(`${END}\n`) ? 0 : this.#buffer.indexOf(`\n${END}\n`);
      if (end < 0) return;
      const text = end === 0 ? '' : this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end === 0 ? 2 : end + 3);
      const pending = this.#queue.shift();
      if (!pending) continue;
      const lines = text === '' ? [] : text.split('\n');
      if (pending.abandoned) pending.late?.(lines);
      else pending.resolve(lines);
    }
  }

  /** Kill the helper if it is still busy with an abandoned request after {@link STUCK_MS}. */
  #watchStuck(): void {
    if (this.#stuckTimer) return;
    const child = this.#child;
    this.#stuckTimer = setTimeout(() => {
      this.#stuckTimer = undefined;
      if (child && child === this.#child && this.#queue.some((p) => p.abandoned)) this.stop();
    }, STUCK_MS);
    this.#stuckTimer.unref();
  }

  #gone(child: ChildProcess): void {
    if (child !== this.#child) return;
    const now = performance.now();
    this.#deaths = [...this.#deaths.filter((t) => now - t < REST_MS), now];
    if (this.#deaths.length >= DEATHS_BEFORE_REST) {
      this.#restingUntil = now + REST_MS;
      this.#deaths = [];
    }
    this.#died();
  }

  #died(): void {
    this.#child = undefined;
    this.#buffer = '';
    this.cwd = undefined;
    this.env = {};
    if (this.#stuckTimer) clearTimeout(this.#stuckTimer);
    this.#stuckTimer = undefined;
    for (const pending of this.#queue.splice(0)) if (!pending.abandoned) pending.resolve(undefined);
  }
}

/** Names that can be sent as variables (the helpers' own read-only ones are left alone). */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const OWN = new Set(['PWD', 'OLDPWD', 'SHLVL', '_', 'BASHOPTS', 'BASH_VERSINFO', 'EUID', 'PPID', 'SHELLOPTS', 'UID', 'status', 'version']);

/** The variables that changed from `before` to `after`: [name, value] to set, [name] to unset. */
export function envChanges(before: Record<string, string>, after: Record<string, string>): ([string, string] | [string])[] {
  const changes: ([string, string] | [string])[] = [];
  for (const [name, value] of Object.entries(after)) {
    if (NAME.test(name) && !OWN.has(name) && before[name] !== value) changes.push([name, value]);
  }
  for (const name of Object.keys(before)) if (!(name in after) && NAME.test(name) && !OWN.has(name)) changes.push([name]);
  return changes;
}
