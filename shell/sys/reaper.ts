/**
 * Child status for the programs spawn.ts starts, without ever calling
 * `waitpid(-1)` (that would reap libuv's own children and `child_process`
 * would never see them exit): on each SIGCHLD, every tracked pid is asked
 * `waitpid(pid, WNOHANG | WUNTRACED | WCONTINUED)`. libuv does the same for
 * its own pids, so both kinds of children can run at once.
 *
 * `process.on('SIGCHLD')` works on Node 20 and does not keep the event loop
 * alive; while a tracked pid is referenced, an idle interval timer does
 * (and polls, should a signal ever be missed). The listener is added before
 * a spawn (`prepare()`), so a child that ends before it is tracked is still
 * seen: the callback runs after the spawning code returns.
 *
 * `Group` is the view a job needs: stopped when all its live processes are
 * stopped, done when all have ended, with the last program's status and
 * pipefail's (the last non-zero).
 */
import { EventEmitter } from 'node:events';
import { constants } from 'node:os';
import { libc, sys } from './ffi.ts';
import { foregroundGroup, setForeground } from './terminal.ts';

/** A change in one child's state; `status` is 0–255, or 128 + N for a signal (0 for `continued`). */
export interface ChildEvent {
  pid: number;
  kind: 'exited' | 'killed' | 'stopped' | 'continued';
  status: number;
  signal?: NodeJS.Signals;
  /** Someone else reaped the child (ECHILD): its real status is unknown (255 here). */
  lost?: true;
}

const signalNames = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals] as [number, NodeJS.Signals]),
);
const { SIGCONT } = constants.signals;
const { ECHILD, EINTR } = constants.errno;

/** A `waitpid` status decoded as the W* macros do, on Linux and macOS alike. */
export function decodeStatus(pid: number, raw: number): ChildEvent {
  const low = raw & 0x7f;
  if (low === 0) return { pid, kind: 'exited', status: (raw >> 8) & 0xff };
  if (low === 0x7f) {
    const sig = (raw >> 8) & 0xff;
    // Linux reports a continue as 0xffff, macOS as a "stop" by SIGCONT.
    if (raw === 0xffff || sig === SIGCONT) return { pid, kind: 'continued', status: 0 };
    return withSignal({ pid, kind: 'stopped', status: 128 + sig }, sig);
  }
  return withSignal({ pid, kind: 'killed', status: 128 + low }, low);
}

const withSignal = (event: ChildEvent, sig: number): ChildEvent => {
  const name = signalNames.get(sig);
  return name ? { ...event, signal: name } : event;
};

interface Tracked {
  onEvent: (event: ChildEvent) => void;
  ref: boolean;
}

const tracked = new Map<number, Tracked>();
const statusBuffer = new Int32Array(1);
let listening = false;
let keepAlive: NodeJS.Timeout | undefined;
const onSigchld = () => poll();

/** Listen for SIGCHLD before spawning, so that no exit can be missed. */
export function prepare(): void {
  if (listening) return;
  process.on('SIGCHLD', onSigchld);
  listening = true;
}

/** Follow `pid` (a child of this process): `onEvent` gets each change of its state, ending with `exited` or `killed`. */
export function track(pid: number, onEvent: (event: ChildEvent) => void): void {
  prepare();
  tracked.set(pid, { onEvent, ref: true });
  settle();
}

/** Stop following `pid` (it is not reaped: a zombie stays until someone waits for it). */
export function untrack(pid: number): void {
  tracked.delete(pid);
  settle();
}

/** Whether following `pid` keeps the event loop alive (default: yes). Events still come while something else keeps it alive. */
export function setRef(pid: number, ref: boolean): void {
  const entry = tracked.get(pid);
  if (entry) entry.ref = ref;
  settle();
}

/** How many pids are followed. */
export function trackedCount(): number {
  return tracked.size;
}

/** Ask every tracked pid for news now (what SIGCHLD triggers). */
export function poll(): void {
  const c = libc();
  if (!c) return;
  const options = sys.WNOHANG | sys.WUNTRACED | sys.WCONTINUED;
  for (const [pid, entry] of tracked) {
    for (;;) {
      const got = c.waitpid(pid, statusBuffer, options);
      if (got === 0) break;
      let event: ChildEvent;
      if (got < 0) {
        const code = c.errno();
        if (code === EINTR) continue;
        if (code !== ECHILD) break;
        event = { pid, kind: 'exited', status: 255, lost: true };
      } else {
        event = decodeStatus(pid, statusBuffer[0] ?? 0);
      }
      const ended = event.kind === 'exited' || event.kind === 'killed';
      if (ended) tracked.delete(pid);
      deliver(entry, event);
      if (ended) break;
    }
  }
  settle();
}

function deliver(entry: Tracked, event: ChildEvent) {
  try {
    entry.onEvent(event);
  } catch (error) {
    // A listener's bug must not stop the other children being reaped; let it surface as Node would.
    queueMicrotask(() => {
      throw error;
    });
  }
}

function settle() {
  const wanted = [...tracked.values()].some((t) => t.ref);
  if (wanted && !keepAlive) keepAlive = setInterval(poll, 30_000);
  else if (!wanted && keepAlive) {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
  if (tracked.size === 0 && listening) {
    process.off('SIGCHLD', onSigchld);
    listening = false;
  }
}

/** How a group ended: the last program's status, pipefail's (the last non-zero, else 0), and each program's. */
export interface GroupResult {
  status: number;
  pipefail: number;
  statuses: number[];
  /** Failures found only after the start (without the FFI: E2BIG), by program index. */
  failures: { index: number; failure: { code: string; message: string; status: number } }[];
}

export type GroupState = 'running' | 'stopped' | 'done';

interface GroupEvents {
  /** One program's change (`index` in the pipeline). */
  process: [event: ChildEvent & { index: number }];
  /** Every live program is stopped; `status` is 128 + the signal that stopped the last one (148 for SIGTSTP). */
  stopped: [status: number, signal: NodeJS.Signals | undefined];
  continued: [];
  done: [result: GroupResult];
}

interface Slot {
  pid: number | undefined;
  state: 'running' | 'stopped' | 'ended';
  status: number;
}

/**
 * The programs of one job (one process group), followed as a whole.
 * Created by `startGroup`; states go running ⇄ stopped → done.
 */
export class Group extends EventEmitter<GroupEvents> {
  state: GroupState = 'running';
  /** 128 + the signal that stopped it, while `state` is `stopped`. */
  stopStatus: number | undefined;
  /** Resolves when every program has ended. */
  readonly done: Promise<GroupResult>;
  /** Times a program stopped by SIGTTIN/SIGTTOU before it had the terminal was given it and continued. */
  terminalFixes = 0;
  readonly #slots: Slot[];
  readonly #signal: (signal: NodeJS.Signals | number) => boolean;
  readonly #failures: GroupResult['failures'] = [];
  #pgid: number | undefined;
  #resolve!: (result: GroupResult) => void;
  #result: GroupResult | undefined;

  /** @internal */
  constructor(count: number, signal: (signal: NodeJS.Signals | number) => boolean) {
    super();
    this.#slots = Array.from({ length: count }, () => ({ pid: undefined, state: 'running', status: 0 }));
    this.#signal = signal;
    this.done = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** The process group (the first started program's pid); undefined when nothing started, or without the FFI. */
  get pgid(): number | undefined {
    return this.#pgid;
  }

  /** The pids of the programs that started, in pipeline order. */
  get pids(): number[] {
    return this.#slots.flatMap((s) => (s.pid === undefined ? [] : [s.pid]));
  }

  /** The pids of the programs still running or stopped. */
  livePids(): number[] {
    return this.#slots.flatMap((s) => (s.pid === undefined || s.state === 'ended' ? [] : [s.pid]));
  }

  /** The result, once `state` is `done`. */
  get result(): GroupResult | undefined {
    return this.#result;
  }

  /** Send `signal` to the whole group (`kill(-pgid)`; without the FFI, to each process). False when nobody got it. */
  signal(signal: NodeJS.Signals | number): boolean {
    return this.state !== 'done' && this.#signal(signal);
  }

  /** Stop (or resume) keeping the event loop alive for this group; events still come while the loop runs. */
  unref(ref = false): this {
    for (const pid of this.pids) setRef(pid, ref);
    return this;
  }

  /** @internal A program that started as `pid`, in process group `pgid`. */
  started(index: number, pid: number, pgid?: number): void {
    const slot = this.#slots[index];
    if (slot) slot.pid = pid;
    this.#pgid ??= pgid;
  }

  /** @internal A program that never started: it counts as ended with `status`. */
  failed(index: number, status: number): void {
    const slot = this.#slots[index];
    if (slot) Object.assign(slot, { state: 'ended', status });
  }

  /** @internal A program whose start failed after the fact (child_process reports it asynchronously). */
  spawnFailed(index: number, failure: { code: string; message: string; status: number }): void {
    const slot = this.#slots[index];
    if (!slot || slot.state === 'ended') return;
    this.#failures.push({ index, failure });
    Object.assign(slot, { state: 'ended', status: failure.status });
    this.#update();
  }

  /** @internal Called once every program was started or failed: a group with nothing running is done. */
  launched(): void {
    if (this.#slots.every((s) => s.state === 'ended')) queueMicrotask(() => this.#update());
  }

  /** @internal One program's event (from the reaper, or from `child_process` without the FFI). */
  event(index: number, event: ChildEvent): void {
    const slot = this.#slots[index];
    if (!slot || slot.state === 'ended') return;
    if (event.kind === 'stopped' && this.#lostTheRace(event)) return;
    if (event.kind === 'exited' || event.kind === 'killed') Object.assign(slot, { state: 'ended', status: event.status });
    else if (event.kind === 'stopped') Object.assign(slot, { state: 'stopped', status: event.status });
    else slot.state = 'running';
    this.emit('process', { ...event, index });
    this.#update();
  }

  /**
   * A program of the group the shell gave the terminal to, stopped because it touched the terminal before
   * it was the foreground (the parent's tcsetpgrp came after its exec, where glibc < 2.35 cannot do it in
   * the child): give it the terminal and continue it, as if nothing happened.
   */
  #lostTheRace(event: ChildEvent): boolean {
    if (event.signal !== 'SIGTTIN' && event.signal !== 'SIGTTOU') return false;
    const fg = foregroundGroup();
    const c = libc();
    if (!c || fg === undefined || fg.pgid !== this.pgid) return false;
    if (!setForeground(c, fg.fd, fg.pgid).ok) return false;
    this.terminalFixes++;
    c.kill(-fg.pgid, SIGCONT);
    return true;
  }

  #update() {
    if (this.state === 'done') return;
    const live = this.#slots.filter((s) => s.state !== 'ended');
    if (live.length === 0) {
      const statuses = this.#slots.map((s) => s.status);
      const result = {
        status: statuses.at(-1) ?? 0,
        pipefail: statuses.findLast((s) => s !== 0) ?? 0,
        statuses,
        failures: this.#failures,
      };
      this.state = 'done';
      this.stopStatus = undefined;
      this.#result = result;
      this.#resolve(result);
      this.emit('done', result);
      return;
    }
    if (live.every((s) => s.state === 'stopped')) {
      if (this.state === 'stopped') return;
      this.state = 'stopped';
      const last = live.at(-1)?.status ?? 128 + constants.signals.SIGTSTP;
      this.stopStatus = last;
      this.emit('stopped', last, signalNames.get(last - 128));
    } else if (this.state === 'stopped') {
      this.state = 'running';
      this.stopStatus = undefined;
      this.emit('continued');
    }
  }
}
