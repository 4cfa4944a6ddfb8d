/**
 * Background jobs (`LINE &`) and `wait` (CONTRACT §15). A job is a running
 * and-or list with a number; `$!` is the process id of its last program, or
 * a number of the shell's own for a job of plugin commands only.
 */
import type { AndOr } from '../line/ast.ts';

export interface Job {
  id: number;
  /** The line as written. */
  line: string;
  /** The process id `$!` gives: its last program's, once it has started, else the shell's own number for it. */
  pid: number;
  /** Its programs' process ids, as they start. */
  pids: number[];
  done: Promise<number>;
  status: number | undefined;
  /** Reported as done (interactive `Done` lines). */
  reported: boolean;
}

/** Numbers `$!` gives for jobs without a process of their own: above any process id Linux hands out. */
let ownPid = 4_194_304;

export class Jobs {
  private next = 1;
  readonly table = new Map<number, Job>();

  /** A job that has started; `line` is its text. */
  add(line: string): Job {
    const job: Job = { id: this.next++, line, pid: ownPid++, pids: [], done: Promise.resolve(0), status: undefined, reported: false };
    this.table.set(job.id, job);
    return job;
  }

  /** The job a `%N`, `%+`, `%%`, `%-`, `%name`, or a process id names. */
  find(spec: string): Job | undefined {
    const jobs = [...this.table.values()];
    if (spec === '%%' || spec === '%+' || spec === '%') return jobs.at(-1);
    if (spec === '%-') return jobs.at(-2);
    if (/^%[0-9]+$/.test(spec)) return this.table.get(Number(spec.slice(1)));
    if (spec.startsWith('%')) return jobs.reverse().find((j) => j.line.startsWith(spec.slice(1)));
    if (/^[0-9]+$/.test(spec)) return jobs.find((j) => j.pid === Number(spec) || j.pids.includes(Number(spec)));
    return undefined;
  }

  /** Forget a job that has ended and been reported. */
  remove(job: Job): void {
    this.table.delete(job.id);
  }

  /** `wait`: every job; resolves to the last one's status (0 for none). */
  async waitAll(): Promise<number> {
    let status = 0;
    for (const job of [...this.table.values()]) {
      status = await job.done;
      this.remove(job);
    }
    return status;
  }
}

/** The text of an and-or list, as `jobs` shows it. */
export function lineOf(item: AndOr, source: string): string {
  return source
    .slice(item.start, item.end)
    .replace(/\s*&\s*$/, '')
    .trim();
}
