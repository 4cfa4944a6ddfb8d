/**
 * `jobs`, `fg`, `bg`, `kill`, `disown` (CONTRACT §15), in bash's words.
 * `kill` is the shell's, as in bash (it shadows /bin/kill): it knows job specs.
 * `wait` is control.ts's.
 */
import { constants } from 'node:os';
import type { Exec } from '../exec.ts';
import { continueInForeground, jobControl, signalNumber } from '../job-control.ts';
import type { Job, Jobs } from '../jobs.ts';
import type { Builtin, BuiltinCall } from './types.ts';

/** The options a builtin takes (`-l`, `-lp`), and its other words; an unknown letter is an error. */
function options(args: string[], letters: string, name: string, call: BuiltinCall): { flags: Set<string>; rest: string[] } | undefined {
  const flags = new Set<string>();
  let k = 0;
  for (; k < args.length; k++) {
    const arg = args[k] as string;
    if (arg === '--') {
      k++;
      break;
    }
    if (!/^-./.test(arg)) break;
    for (const letter of arg.slice(1)) {
      if (!letters.includes(letter)) {
        call.error(`${name}: -${letter}: invalid option`);
        return undefined;
      }
      flags.add(letter);
    }
  }
  return { flags, rest: args.slice(k) };
}

/** A job that holds no terminal of its own: a line of plugin commands, or one without job control. */
const inProcess = (job: Job) => !job.group || job.group.pgid === undefined || !jobControl();

const jobsBuiltin: Builtin = (args, _x, call) => {
  const parsed = options(args, 'lprs', 'jobs', call);
  if (!parsed) return 2;
  const jobs = call.engine.jobs;
  let status = 0;
  let chosen: Job[] = [];
  if (parsed.rest.length === 0) chosen = jobs.all();
  for (const spec of parsed.rest) {
    const job = jobs.find(spec);
    if (job) chosen.push(job);
    else {
      call.error(`jobs: ${spec}: no such job`);
      status = 1;
    }
  }
  const { flags } = parsed;
  for (const job of chosen) {
    const state = jobs.stateOf(job);
    if ((flags.has('r') && state !== 'running') || (flags.has('s') && state !== 'stopped')) continue;
    if (flags.has('p')) call.out(`${job.group?.pgid ?? job.pids[0] ?? job.pid}\n`);
    else call.out(`${jobs.describe(job, flags.has('l'))}\n`);
    // A job shown as done is not reported again before the prompt.
    if (state === 'done') jobs.remove(job);
  }
  return status;
};

/** Resolves once `signal` fires (Ctrl-C while `fg` waits for a line of plugin commands). */
const aborted = (signal: AbortSignal) =>
  new Promise<'aborted'>((resolve) => {
    if (signal.aborted) resolve('aborted');
    else signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });

const fgBuiltin: Builtin = async (args, x, call) => {
  if (x.sink.terminal === undefined) {
    call.error('fg: no job control');
    return 1;
  }
  const jobs = call.engine.jobs;
  const job = jobs.pick('fg', args[0]);
  if (typeof job === 'string') {
    call.error(job);
    return 1;
  }
  call.out(`${job.line}\n`);
  jobs.touch(job);
  if (inProcess(job) || jobs.stateOf(job) === 'done') return waitHere(jobs, job, x);
  job.foreground = true;
  // The job holds the terminal from now on: a Ctrl-Z is the terminal's, for it, not the UI's for this line.
  const hold = x.sink.suspend;
  if (hold) hold.holding = (hold.holding ?? 0) + 1;
  let outcome: Awaited<ReturnType<typeof continueInForeground>>;
  try {
    outcome = await x.sink.terminal(() => continueInForeground(job));
  } finally {
    if (hold) hold.holding = (hold.holding ?? 1) - 1;
  }
  job.foreground = false;
  if (outcome?.stopped) {
    if (x.sink.suspend) x.sink.suspend.stopped = true;
    job.modes = outcome.modes;
    job.shown = 'stopped';
    jobs.touch(job);
    x.sink.out.write(`${jobs.describe(job)}\n`);
    return outcome.status;
  }
  // The group ended; the rest of the job's list (if any) runs on to its end.
  job.foreground = true;
  const status = await job.done;
  jobs.remove(job);
  return status;
};

/** `fg` of a job the shell runs itself: wait for it here; Ctrl-Z sends it back, Ctrl-C cancels it. */
async function waitHere(jobs: Jobs, job: Job, x: Exec): Promise<number> {
  const suspend = x.sink.suspend;
  const before = suspend?.handler;
  job.foreground = true;
  const back = new Promise<'background'>((resolve) => {
    if (suspend)
      suspend.handler = () => {
        resolve('background');
        return job;
      };
  });
  try {
    const result = await Promise.race([job.done, back, aborted(x.signal)]);
    if (result === 'background') return 0;
    if (result === 'aborted') {
      job.cancel?.('SIGINT');
      job.group?.signal('SIGINT');
      return 130;
    }
    jobs.remove(job);
    return result;
  } finally {
    job.foreground = false;
    if (suspend) suspend.handler = before;
  }
}

const bgBuiltin: Builtin = async (args, x, call) => {
  if (x.sink.terminal === undefined) {
    call.error('bg: no job control');
    return 1;
  }
  const jobs = call.engine.jobs;
  let status = 0;
  for (const spec of args.length === 0 ? [undefined] : args) {
    const job = jobs.pick('bg', spec);
    if (typeof job === 'string') {
      call.error(job);
      status = 1;
      continue;
    }
    if (jobs.stateOf(job) !== 'stopped') {
      call.error(`bg: job ${job.id} already in background`);
      continue;
    }
    call.out(`[${job.id}]${jobs.mark(job)} ${job.line} &\n`);
    job.shown = 'running';
    jobs.touch(job);
    if (job.group) await continued(job.group);
  }
  return status;
};

/** Send a stopped group SIGCONT and wait until it has continued (or ended), so that `jobs` after it says Running. */
function continued(group: NonNullable<Job['group']>): Promise<void> {
  return new Promise((resolve) => {
    const go = () => {
      clearTimeout(timer);
      group.off('continued', go);
      group.off('done', go);
      resolve();
    };
    const timer = setTimeout(go, 1000);
    group.on('continued', go);
    group.on('done', go);
    if (!group.signal('SIGCONT')) go();
  });
}

const signalNames = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name.slice(3)]));

const killBuiltin: Builtin = async (args, x, call) => {
  let signal: number = constants.signals.SIGTERM;
  let k = 0;
  const first = args[0];
  if (first === '-l' || first === '-L') {
    const named = args.slice(1);
    if (named.length === 0) {
      call.out(`${[...signalNames.values()].join(' ')}\n`);
      return 0;
    }
    for (const word of named) {
      const n = /^[0-9]+$/.test(word) ? Number(word) % 128 : signalNumber(word);
      const name = n === undefined ? undefined : signalNames.get(n);
      if (name === undefined || n === undefined) {
        call.error(`kill: ${word}: invalid signal specification`);
        return 1;
      }
      call.out(/^[0-9]+$/.test(word) ? `${name}\n` : `${n}\n`);
    }
    return 0;
  }
  if (first === '-s' || first === '-n') {
    const word = args[1];
    const n = word === undefined ? undefined : signalNumber(word);
    if (n === undefined) {
      call.error(`kill: ${word ?? ''}: invalid signal specification`);
      return 1;
    }
    signal = n;
    k = 2;
  } else if (first !== undefined && /^-./.test(first) && first !== '--') {
    const n = signalNumber(first.slice(1));
    if (n === undefined) {
      call.error(`kill: ${first.slice(1)}: invalid signal specification`);
      return 1;
    }
    signal = n;
    k = 1;
  }
  if (args[k] === '--') k++;
  const targets = args.slice(k);
  if (targets.length === 0) {
    call.error('kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]');
    return 2;
  }
  const jobs = call.engine.jobs;
  let status = 0;
  for (const target of targets) {
    const job = target.startsWith('%') || /^[0-9]+$/.test(target) ? jobs.find(target) : undefined;
    if (target.startsWith('%') && !job) {
      call.error(`kill: ${target}: no such job`);
      status = 1;
      continue;
    }
    if (job && (target.startsWith('%') || job.cancel)) {
      signalJob(jobs, job, signal);
      continue;
    }
    if (!/^-?[0-9]+$/.test(target)) {
      call.error(`kill: ${target}: arguments must be process or job IDs`);
      status = 1;
      continue;
    }
    try {
      process.kill(Number(target), signal);
      if (Number(target) === process.pid) await call.engine.ownSignal(x, signalNames.get(signal) ?? '');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      call.error(`kill: (${target}) - ${code === 'EPERM' ? 'Operation not permitted' : 'No such process'}`);
      status = 1;
    }
  }
  return status;
};

/** A signal for a job: its whole process group (continued after, when stopped, so that it can die), or its line. */
function signalJob(jobs: Jobs, job: Job, signal: number): void {
  const name = (signalNames.get(signal) ?? 'TERM') as string;
  if (job.cancel && signal !== 0) {
    job.cancel(`SIG${name}` as NodeJS.Signals);
    return;
  }
  const group = job.group;
  if (group) {
    group.signal(signal);
    const { SIGKILL, SIGCONT } = constants.signals;
    if (jobs.stateOf(job) === 'stopped' && signal !== SIGKILL && signal !== SIGCONT && signal !== 0) group.signal('SIGCONT');
    return;
  }
  for (const pid of job.pids) {
    try {
      process.kill(pid, signal);
    } catch {}
  }
}

const disownBuiltin: Builtin = (args, _x, call) => {
  const parsed = options(args, 'ahr', 'disown', call);
  if (!parsed) return 2;
  const jobs = call.engine.jobs;
  if (parsed.flags.has('a')) {
    for (const job of jobs.all()) jobs.remove(job);
    return 0;
  }
  let status = 0;
  for (const spec of parsed.rest.length === 0 ? [undefined] : parsed.rest) {
    const job = jobs.pick('disown', spec);
    if (typeof job === 'string') {
      call.error(job);
      status = 1;
    } else jobs.remove(job);
  }
  return status;
};

export const jobBuiltins: [string, Builtin][] = [
  ['jobs', jobsBuiltin],
  ['fg', fgBuiltin],
  ['bg', bgBuiltin],
  ['kill', killBuiltin],
  ['disown', disownBuiltin],
];
