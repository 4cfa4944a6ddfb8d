/**
 * Programs as jobs with job control (CONTRACT §15): the interactive shell,
 * once it owns its terminal (`takeTerminal` at start), runs the programs that
 * use the terminal, and every background job, through shell/sys: one process
 * group per run, the terminal given to the group in the foreground, Ctrl-Z
 * stopping the group (never the shell). Runs that only pipe into plugin
 * commands keep `child_process` (programs.ts), and so does every run where the
 * FFI is missing (`&`, `wait` and `jobs` work there all the same).
 */
import { closeSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import {
  available,
  bound,
  type Group,
  type ProgramSpec as GroupProgram,
  type GroupResult,
  type GroupSpec,
  giveTerminal,
  type Redirect,
  reclaimTerminal,
  type StartedGroup,
  type Stdio,
  startGroup,
  type TerminalModes,
  terminalFd,
} from '../sys/index.ts';
import type { Job, Jobs } from './jobs.ts';
import type { ProgramSpec, RunningPrograms, StdioSpec } from './programs.ts';

/** Whether job control is on: the shell took its terminal (interactive, with the FFI). */
export function jobControl(): boolean {
  return terminalFd() !== undefined;
}

let spawned = 0;

/**
 * Whether programs that are not a job of their own are spawned through the FFI all the same (in the
 * shell's process group): a pipeline always, so that each program gets its own argv (no `sh -c` and its
 * 128 KiB limit on one string) and no `sh` costs a fork; a lone program once the FFI is loaded, or from the
 * fourth on (a script that runs programs in a loop: posix_spawn costs half of child_process's fork of
 * this big process; loading koffi costs as much as a few spawns, so one `-c 'ls'` does not load it).
 */
export function spawnDirectly(count: number): boolean {
  spawned++;
  if (!(count > 1 || spawned > 3 || bound())) return false;
  return available();
}

/** Why a program did not start, in the words the child_process path uses (programs.ts). */
function failureLine(name: string, code: string, message: string): string {
  if (code === 'EACCES') return `${name}: permission denied`;
  if (code === 'ENOENT') return `${name}: no such file or directory`;
  return message;
}

/**
 * Start programs joined by OS pipes as ONE process group, with what programs.ts's `startPrograms` gives,
 * plus the group. `foreground`: the group gets the terminal at spawn.
 */
export function startJobPrograms(
  specs: ProgramSpec[],
  onError: (message: string) => void,
  options: { foreground: boolean; inShellGroup?: boolean },
): RunningPrograms & { group: Group; started: StartedGroup } {
  const opened: number[] = [];
  const devnull = () => {
    const fd = openSync('/dev/null', 'r+');
    opened.push(fd);
    return fd;
  };
  const last = specs.length - 1;
  const first = specs[0] as ProgramSpec;
  const lastSpec = specs[last] as ProgramSpec;
  const groupStdio = (s: StdioSpec | 'stderr' | 'stdout'): Stdio =>
    s === 'ignore' ? 'null' : s === 'pipe' || s === 'inherit' || typeof s === 'number' ? s : 'inherit';
  const errPipe = specs.some((s) => s.stderr === 'pipe');
  const from = (fd: number, s: StdioSpec): Redirect => ({ fd, from: s === 'ignore' ? devnull() : s === 'inherit' ? fd : (s as number) });
  const programs: GroupProgram[] = specs.map((spec, k) => {
    const redirects: Redirect[] = [];
    if (k > 0 && spec.stdin !== 'pipe') redirects.push(from(0, spec.stdin));
    if (k < last && spec.stdout !== 'pipe' && spec.stdout !== 'stderr') redirects.push(from(1, spec.stdout));
    if (spec.stderr === 'stdout') redirects.push({ fd: 2, dup: 1 });
    else if (spec.stderr !== 'pipe' && !(spec.stderr === 'inherit' && !errPipe)) redirects.push(from(2, spec.stderr));
    if (spec.stdout === 'stderr') redirects.push({ fd: 1, dup: 2 });
    for (const [fd, target] of spec.extra ?? []) redirects.push({ fd, from: target });
    return { path: spec.path, argv: spec.argv.slice(1), argv0: spec.argv[0] ?? spec.path, redirects };
  });
  const ttyFd = terminalFd();
  const groupSpec: GroupSpec = {
    programs,
    env: first.env,
    cwd: first.cwd,
    stdin: groupStdio(first.stdin),
    stdout: lastSpec.stdout === 'stderr' ? 'inherit' : groupStdio(lastSpec.stdout),
    stderr: errPipe ? 'pipe' : 'inherit',
    ...(options.foreground && ttyFd !== undefined ? { foreground: { ttyFd } } : {}),
    ...(options.inShellGroup ? { inShellGroup: true } : {}),
  };
  let started: StartedGroup;
  try {
    started = startGroup(groupSpec);
  } finally {
    for (const fd of opened) closeSync(fd);
  }
  started.programs.forEach((start, k) => {
    if (start.failure) onError(failureLine(specs[k]?.argv[0] ?? start.failure.message, start.failure.code, start.failure.message));
  });
  const group = started.group;
  const statuses = group.done.then((result: GroupResult) => {
    for (const { index, failure } of result.failures)
      onError(failureLine(specs[index]?.argv[0] ?? failure.message, failure.code, failure.message));
    return result.statuses;
  });
  started.stdin?.on('error', () => {});
  return {
    children: [],
    input: started.stdin,
    output: started.stdout,
    errors: started.stderr ? [started.stderr] : [],
    statuses,
    done: statuses.then((all) => all.at(-1) ?? 0),
    signal: (name) => void group.signal(name),
    group,
    started,
  };
}

/** How a foreground group came back: it ended, or it was stopped (Ctrl-Z) with the modes it left. */
export type Outcome = { stopped: false; result: GroupResult } | { stopped: true; status: number; modes: TerminalModes | undefined };

/**
 * Wait while a group holds the terminal, until it ends or every program in it is stopped; the terminal
 * comes back to the shell either way (the job's modes kept when it ended normally, as bash keeps what
 * `stty` leaves; the shell's own after a stop or a signal).
 */
export async function whileForeground(group: Group): Promise<Outcome> {
  const outcome = await new Promise<Outcome>((resolve) => {
    if (group.state === 'done' && group.result) return resolve({ stopped: false, result: group.result });
    const onStop = (status: number) => {
      group.off('done', onDone);
      resolve({ stopped: true, status, modes: undefined });
    };
    const onDone = (result: GroupResult) => {
      group.off('stopped', onStop);
      resolve({ stopped: false, result });
    };
    group.once('stopped', onStop);
    group.once('done', onDone);
  });
  const normal = !outcome.stopped && outcome.result.status < 128;
  const back = reclaimTerminal({ keepModes: normal });
  if (outcome.stopped && back.ok) outcome.modes = back.jobModes;
  return outcome;
}

/**
 * `fg`: give a stopped or background job's group the terminal (with its own modes back), continue it,
 * and wait as for any foreground group.
 */
export async function continueInForeground(job: Job): Promise<Outcome | undefined> {
  const group = job.group;
  if (!group || group.pgid === undefined) return undefined;
  const given = giveTerminal(group.pgid, job.modes ? { modes: job.modes } : {});
  if (!given.ok) return undefined;
  if (group.state === 'stopped') {
    const continued = new Promise<void>((resolve) => {
      const go = () => {
        group.off('continued', go);
        group.off('done', go);
        resolve();
      };
      group.on('continued', go);
      group.on('done', go);
    });
    group.signal('SIGCONT');
    await continued;
  }
  return whileForeground(group);
}

/** A foreground group the user stopped: a job of its own now, reported `[N]+  Stopped  LINE`. */
export function stoppedJob(jobs: Jobs, line: string, group: Group, modes: TerminalModes | undefined): Job {
  const job = jobs.add(line);
  adopt(jobs, job, group);
  job.modes = modes;
  job.shown = 'stopped';
  job.done = group.done.then((result) => {
    job.status = result.status;
    return result.status;
  });
  return job;
}

/** `job` runs its programs in `group` now: its pids, its `%+` on a stop. */
export function adopt(jobs: Jobs, job: Job, group: Group): void {
  job.group = group;
  for (const pid of group.pids) if (!job.pids.includes(pid)) job.pids.push(pid);
  const lastPid = group.pids.at(-1);
  if (lastPid !== undefined) job.pid = lastPid;
  group.on('stopped', () => jobs.touch(job));
}

/** `kill`'s signal, by name or number (`9`, `KILL`, `SIGKILL`, `kill`), as a number; undefined when there is none. */
export function signalNumber(word: string): number | undefined {
  if (/^[0-9]+$/.test(word)) {
    const n = Number(word);
    return n === 0 || Object.values(constants.signals).includes(n) ? n : undefined;
  }
  const upper = word.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return (constants.signals as Record<string, number>)[name];
}
