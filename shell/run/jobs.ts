/**
 * The job table (CONTRACT §15): background jobs (`LINE &`), jobs stopped by
 * Ctrl-Z, lines of plugin commands sent to the background; `$!`, job specs
 * (`%N %+ %% %- %name`, a process id), the current and previous job as bash
 * picks them, and the lines bash prints about them (`jobs`, `Done`, `Stopped`).
 */
import { constants } from 'node:os';
import type { AndOr } from '../line/ast.ts';
import type { Group, TerminalModes } from '../sys/index.ts';

export type JobState = 'running' | 'stopped' | 'done';

export interface Job {
  id: number;
  /** The line as written (without its `&`). */
  line: string;
  /** The process id `$!` gives: its last program's, once it has started, else the shell's own number for it. */
  pid: number;
  /** Its programs' process ids, as they start. */
  pids: number[];
  done: Promise<number>;
  status: number | undefined;
  /** The process group its programs run in now (with job control), followed by its states. */
  group: Group | undefined;
  /** The terminal's modes the job left when it was last stopped (given back with it by `fg`). */
  modes: TerminalModes | undefined;
  /** A line of plugin commands (sent to the background by Ctrl-Z): `kill` cancels it. */
  cancel: ((signal: NodeJS.Signals) => void) | undefined;
  /** The state last reported to the user (a change is shown before the next prompt). */
  shown: JobState;
  /** Running in the foreground now (`fg`): its end is not reported. */
  foreground: boolean;
}

/** Numbers `$!` gives for jobs without a process of their own: above any process id Linux hands out. */
let ownPid = 4_194_304;

/** glibc's `strsignal` words, as bash prints a job ended by a signal. */
const SIGNAL_WORDS: Record<string, string> = {
  SIGHUP: 'Hangup',
  SIGINT: 'Interrupt',
  SIGQUIT: 'Quit',
  SIGILL: 'Illegal instruction',
  SIGTRAP: 'Trace/breakpoint trap',
  SIGABRT: 'Aborted',
  SIGBUS: 'Bus error',
  SIGFPE: 'Floating point exception',
  SIGKILL: 'Killed',
  SIGUSR1: 'User defined signal 1',
  SIGSEGV: 'Segmentation fault',
  SIGUSR2: 'User defined signal 2',
  SIGPIPE: 'Broken pipe',
  SIGALRM: 'Alarm clock',
  SIGTERM: 'Terminated',
  SIGSTOP: 'Stopped (signal)',
  SIGTSTP: 'Stopped',
  SIGTTIN: 'Stopped (tty input)',
  SIGTTOU: 'Stopped (tty output)',
  SIGXCPU: 'CPU time limit exceeded',
  SIGXFSZ: 'File size limit exceeded',
  SIGVTALRM: 'Virtual timer expired',
  SIGPROF: 'Profiling timer expired',
  SIGSYS: 'Bad system call',
};
const signalName = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/** What bash says of a status: `Done`, `Exit 3`, `Terminated`… */
export function statusWords(status: number): string {
  if (status === 0) return 'Done';
  const name = status > 128 ? signalName.get(status - 128) : undefined;
  if (name) return SIGNAL_WORDS[name] ?? name;
  return `Exit ${status}`;
}

export class Jobs {
  readonly table = new Map<number, Job>();
  /** Jobs by how recently they were started in the background, stopped or continued (most recent first). */
  private recency: Job[] = [];

  /** A job that has started; `line` is its text. */
  add(line: string): Job {
    // As bash: one more than the highest number in use (numbers come back once their jobs are gone).
    const id = Math.max(0, ...this.table.keys()) + 1;
    const job: Job = {
      id,
      line,
      pid: ownPid++,
      pids: [],
      done: Promise.resolve(0),
      status: undefined,
      group: undefined,
      modes: undefined,
      cancel: undefined,
      shown: 'running',
      foreground: false,
    };
    this.table.set(job.id, job);
    this.touch(job);
    return job;
  }

  /** The job becomes the most recent one (started, stopped, continued). */
  touch(job: Job): void {
    this.recency = [job, ...this.recency.filter((j) => j !== job)];
  }

  /** Where a job is now. */
  stateOf(job: Job): JobState {
    if (job.status !== undefined) return 'done';
    return job.group?.state === 'stopped' ? 'stopped' : 'running';
  }

  /** bash's order for `%+` and `%-`: stopped jobs first, each kind most recent first. */
  private ranked(): Job[] {
    const live = this.recency.filter((j) => this.table.has(j.id));
    return [...live.filter((j) => this.stateOf(j) === 'stopped'), ...live.filter((j) => this.stateOf(j) !== 'stopped')];
  }

  /** `%+`, the job `fg` and `bg` take by default. */
  current(): Job | undefined {
    return this.ranked()[0];
  }

  /** `+`, `-` or a space: how `jobs` marks the current and previous job. */
  mark(job: Job): string {
    const ranked = this.ranked();
    return ranked[0] === job ? '+' : ranked[1] === job ? '-' : ' ';
  }

  /** The job a `%N`, `%+`, `%%`, `%-`, `%name`, `%?text`, or a process id names. */
  find(spec: string): Job | undefined {
    if (spec === '%%' || spec === '%+' || spec === '%') return this.current();
    if (spec === '%-') return this.ranked()[1] ?? this.current();
    if (/^%[0-9]+$/.test(spec)) return this.table.get(Number(spec.slice(1)));
    const byRecency = this.ranked();
    if (spec.startsWith('%?')) return byRecency.find((j) => j.line.includes(spec.slice(2)));
    if (spec.startsWith('%')) return byRecency.find((j) => j.line.startsWith(spec.slice(1)));
    if (/^[0-9]+$/.test(spec)) return [...this.table.values()].find((j) => j.pid === Number(spec) || j.pids.includes(Number(spec)));
    return undefined;
  }

  /**
   * The job a builtin's argument names (undefined: the current one), or its error in bash's words
   * (`fg: %9: no such job`, `fg: current: no such job`).
   */
  pick(name: string, spec: string | undefined): Job | string {
    const job = spec === undefined ? this.current() : this.find(spec);
    if (job) return job;
    if (spec === undefined || spec === '%%' || spec === '%+' || spec === '%') return `${name}: current: no such job`;
    if (spec === '%-') return `${name}: previous: no such job`;
    return `${name}: ${spec}: no such job`;
  }

  /** Forget a job (it ended and was reported or waited for, or it was disowned). */
  remove(job: Job): void {
    this.table.delete(job.id);
    this.recency = this.recency.filter((j) => j !== job);
  }

  /** The jobs in number order. */
  all(): Job[] {
    return [...this.table.values()];
  }

  /** Stopped jobs (what `exit` warns about). */
  stopped(): Job[] {
    return this.all().filter((j) => this.stateOf(j) === 'stopped');
  }

  /** For completion of `%` job specs. */
  entries(): { spec: string; line: string }[] {
    return this.all().map((j) => ({ spec: `%${j.id}`, line: j.line }));
  }

  /** `wait`: every job; resolves to the last one's status (0 for none). */
  async waitAll(): Promise<number> {
    let status = 0;
    for (const job of this.all()) {
      status = await job.done;
      this.remove(job);
    }
    return status;
  }

  /** A line of `jobs`: `[1]+  Running                 sleep 30 &`; with `long`, every process with its id. */
  describe(job: Job, long = false): string {
    const state = this.stateOf(job);
    const word = this.stateWords(job, state, long);
    const text = state === 'running' ? `${job.line} &` : job.line;
    const head = `[${job.id}]${this.mark(job)}`;
    if (!long) return `${head}  ${word.padEnd(24)}${text}`;
    const pids = job.group?.pids ?? job.pids;
    const parts = splitPipeline(text);
    if (pids.length <= 1 || parts.length !== pids.length) return `${head} ${pids[0] ?? job.pid} ${word.padEnd(24)}${text}`;
    return pids
      .map((pid, k) => `${k === 0 ? head : ' '.repeat(head.length)} ${pid} ${word.padEnd(24)}${k === 0 ? '' : '| '}${parts[k]}`)
      .join('\n');
  }

  private stateWords(job: Job, state: JobState, long: boolean): string {
    if (state === 'done') return statusWords(job.status ?? 0);
    if (state === 'running') return 'Running';
    const stop = job.group?.stopStatus;
    const name = stop === undefined ? undefined : signalName.get(stop - 128);
    return long && name ? (SIGNAL_WORDS[name] ?? 'Stopped') : 'Stopped';
  }

  /**
   * What changed since the last prompt, as bash reports it before the next one: jobs that ended (then
   * forgotten) and background jobs that were stopped (a terminal read: SIGTTIN).
   */
  notes(): string[] {
    const lines: string[] = [];
    for (const job of this.all()) {
      const state = this.stateOf(job);
      if (state === job.shown) continue;
      if (state === 'done') {
        if (!job.foreground) lines.push(this.describe(job));
        this.remove(job);
        continue;
      }
      job.shown = state;
      if (state === 'stopped') lines.push('', this.describe(job));
    }
    return lines;
  }

  /**
   * The shell leaves for good: its stopped jobs get SIGHUP and SIGCONT (running ones are left running, as in
   * bash), or, when the terminal itself hung up (`all`), every job does.
   */
  hangUp(all = false): void {
    for (const job of all ? this.all() : this.stopped()) {
      job.group?.signal('SIGHUP');
      if (this.stateOf(job) === 'stopped') job.group?.signal('SIGCONT');
    }
  }
}

/** `a | b | c` → its commands' texts (for `jobs -l`, one process a line); quotes are kept whole. */
function splitPipeline(text: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let k = 0; k < text.length; k++) {
    const ch = text[k];
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"') k++;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '\\') k++;
    else if (ch === '|' && text[k + 1] !== '|' && text[k - 1] !== '|') {
      parts.push(text.slice(start, k).trim());
      start = k + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

/** The text of an and-or list, as `jobs` shows it. */
export function lineOf(item: AndOr, source: string): string {
  return source
    .slice(item.start, item.end)
    .replace(/\s*&\s*$/, '')
    .trim();
}

/**
 * The job table of the shell the UI drives (the session), when it has one. By its shape: the UI is
 * bundled apart from the core (dist/ink.cjs), with a class of its own by the same name.
 */
export function jobsOf(shell: object): Jobs | undefined {
  const jobs = (shell as { jobs?: Partial<Jobs> }).jobs;
  return typeof jobs?.notes === 'function' && typeof jobs.stopped === 'function' ? (jobs as Jobs) : undefined;
}
