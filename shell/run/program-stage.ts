/**
 * A run of programs next to each other in a pipeline: started joined by OS
 * pipes, each one's descriptors where its channels and redirects say, their
 * output streamed to the terminal, a file, or the shell (a capture, the UI,
 * the next stage).
 */
import type { Readable, Writable } from 'node:stream';
import { oneLine } from '../base/errors.ts';
import type { ExpandedRedirect } from '../line/expand.ts';
import { writeChunks } from '../render/render.ts';
import { errorLine, type RunHost } from './host.ts';
import { type Channel, channel, type Io } from './io.ts';
import { adopt, jobControl, spawnDirectly, startJobPrograms, stoppedJob, whileForeground } from './job-control.ts';
import type { Job, Jobs } from './jobs.ts';
import { type ProgramSpec, type RunningPrograms, type StdioSpec, startPrograms } from './programs.ts';
import { applyRedirects } from './redirect.ts';
import type { Sink } from './sink.ts';

/** One program to run: its path, words, environment and own redirects. */
export interface ProgramCall {
  path: string;
  argv: string[];
  env: Readonly<Record<string, string>>;
  redirects: readonly ExpandedRedirect[];
}

export interface ProgramRun {
  /** The run's descriptors: its first program reads 0, its last writes 1, all write 2. */
  io: Io;
  /** The line's sink (the terminal hand-over, flushing before a program writes to the same stream). */
  sink: Sink;
  cwd: string;
  /** A value (or text) piped in from a plugin command before the run: the first program's input. */
  input?: unknown;
  /** What that plugin printed before its value (a program reads it first). */
  printed?: string;
  /** Rendering `input` threw (it is plugin code: getters, toString): the caller names the command. */
  onInputError?: (error: unknown) => void;
  /** Statuses of every program (`set -o pipefail`). */
  statuses?: boolean;
  /** Start the run, but let the caller read the last program's output (a shell stage after it reads it as it comes). */
  onOutput?: (output: Readable) => void;
  /** The first program's input is fed by the caller as it runs (a shell stage before it). */
  onInput?: (input: Writable) => void;
  /** Told each program's process id as it starts (a background job's `$!`). */
  onSpawn?: (pid: number) => void;
  /** A background job: its programs do not keep the shell from leaving. */
  detach?: boolean;
  /** The background job the run belongs to (with job control, its programs' group is the job's). */
  job?: Job;
  /** The pipeline's text, for the job a Ctrl-Z makes of it (`[1]+  Stopped  vim notes`). */
  text?: string;
  /** The line's signal: a Ctrl-C typed before the programs had the terminal means they do not start. */
  signal?: AbortSignal;
}

/** A stand-in channel for "the pipe between two programs of the run" (known by its identity; `2>&1` may copy it). */
const BETWEEN: Channel = { kind: 'stdin', inherit: 'ignore' };

export class ProgramRuns {
  private readonly running = new Set<RunningPrograms>();
  /** Programs that hold the terminal: Ctrl-C reaches them from the terminal, not from the shell. */
  private foreground = 0;

  constructor(
    private readonly host: RunHost,
    private readonly jobs: Jobs,
  ) {}

  /** Some program holds the terminal now. */
  get inForeground(): boolean {
    return this.foreground > 0;
  }

  /** The runs going on now (to pass a SIGINT on to them). */
  all(): RunningPrograms[] {
    return [...this.running];
  }

  /** Run the programs; resolves to each one's status (the last is the run's). */
  async run(calls: ProgramCall[], options: ProgramRun): Promise<number[]> {
    const { sink } = options;
    const opened: (() => void)[] = [];
    const specs: ProgramSpec[] = [];
    /** What the shell must copy: from a program's pipe to a channel, or into its input. */
    const pumps: { from: 'out' | 'err'; to: Channel }[] = [];
    let feed: string | undefined;
    /** A value fed to the first program, rendered piece by piece as the program reads it. */
    let feedValue = false;
    let stream: Channel | undefined;
    let usesTerminal = false;
    const fed = options.input !== undefined || (options.printed ?? '') !== '';
    try {
      calls.forEach((call, k) => {
        const first = k === 0;
        const last = k === calls.length - 1;
        const base = new Map(options.io);
        if (!first) base.set(0, BETWEEN);
        if (!last) base.set(1, BETWEEN);
        const applied = applyRedirects(base, call.redirects, options.cwd);
        opened.push(applied.close);
        const io = applied.io;
        const ownInput = call.redirects.some((r) => r.fd === 0 && r.kind !== 'dup');
        const spec: ProgramSpec = {
          path: call.path,
          argv: call.argv,
          env: call.env as Record<string, string>,
          cwd: options.cwd,
          stdin: 'ignore',
          stdout: 'ignore',
          stderr: 'ignore',
        };
        // Standard input.
        const input = channel(io, 0);
        if (input === BETWEEN) spec.stdin = 'pipe';
        else if (first && fed && !ownInput) {
          spec.stdin = 'pipe';
          feed = options.printed ?? '';
          feedValue = options.input !== undefined;
        } else if (first && options.onInput && !ownInput) spec.stdin = 'pipe';
        else
          spec.stdin = this.inputSpec(
            input,
            first,
            (text) => (feed = text),
            (ch) => (stream = ch),
          );
        // Standard output and error: the same channel for both is `2>&1` (or `>&2`).
        const out = channel(io, 1);
        const err = channel(io, 2);
        spec.stdout = out === BETWEEN ? 'pipe' : this.outputSpec(out, 1, sink, last && options.onOutput !== undefined);
        if (err === out && out !== BETWEEN) spec.stderr = 'stdout';
        else spec.stderr = err === BETWEEN ? 'stdout' : (this.outputSpec(err, 2, sink, false) as StdioSpec);
        if (spec.stdout === 'pipe' && out !== BETWEEN && !(last && options.onOutput)) pumps.push({ from: 'out', to: out });
        if (spec.stderr === 'pipe') pumps.push({ from: 'err', to: err });
        for (let fd = 3; fd <= 9; fd++) {
          const ch = io.get(fd);
          if (ch?.kind === 'fd') {
            spec.extra ??= new Map();
            spec.extra.set(fd, ch.fd);
          }
        }
        if (spec.stdin === 'inherit' || spec.stdout === 'inherit') usesTerminal = true;
        specs.push(spec);
      });
      // While the UI draws, a program's errors go through it rather than across the screen.
      if (sink.terminal && !usesTerminal)
        for (const spec of specs)
          if (spec.stderr === 'inherit') {
            spec.stderr = 'pipe';
            pumps.push({ from: 'err', to: channel(options.io, 2) });
          }
      // The terminal is the first program's input only when its output goes to the terminal too (the UI steps aside for it).
      const firstSpec = specs[0] as ProgramSpec;
      if (sink.terminal && firstSpec.stdin === 'inherit' && (specs.at(-1) as ProgramSpec).stdout !== 'inherit') firstSpec.stdin = 'ignore';
    } catch (error) {
      for (const close of opened) close();
      errorLine(this.host, sink, oneLine(error));
      return calls.map(() => 1);
    }
    // Only the interactive shell hands its terminal over: there the terminal's own Ctrl-C is the programs' alone.
    const foreground = usesTerminal && sink.terminal !== undefined && !options.detach;
    // With job control, a run that holds the terminal, and every background run, is a process group of its own.
    const asGroup = jobControl() && (foreground || options.detach === true);
    const start = async (flush = true): Promise<number[]> => {
      if (flush) await sink.flush?.();
      if (options.signal?.aborted) {
        for (const close of opened) close();
        return calls.map(() => 130);
      }
      const onError = (message: string) => errorLine(this.host, sink, message);
      let programs: RunningPrograms;
      try {
        programs = asGroup
          ? startJobPrograms(specs, onError, { foreground })
          : spawnDirectly(specs.length)
            ? startJobPrograms(specs, onError, { foreground: false, inShellGroup: true })
            : startPrograms(specs, onError, { statuses: options.statuses === true });
      } catch (error) {
        // Only the FFI's spawn throws, when not one program could start (no pipe could be made).
        onError(oneLine(error));
        return calls.map(() => 126);
      } finally {
        for (const close of opened) close();
      }
      // A background job is not the line's: Ctrl-C passed on to the line's programs does not reach it.
      if (!options.detach) this.running.add(programs);
      const group = programs.group;
      for (const pid of group ? group.pids : programs.children.flatMap((c) => (c.pid === undefined ? [] : [c.pid]))) options.onSpawn?.(pid);
      if (group && options.job) adopt(this.jobs, options.job, group);
      if (options.detach) {
        group?.unref();
        for (const child of programs.children) {
          child.unref();
          for (const stream of child.stdio) (stream as { unref?: () => void } | null)?.unref?.();
        }
      }
      if (foreground) this.foreground++;
      // Ctrl-Z typed before the group had the terminal (the UI still read the keys): the group stops now.
      if (group && foreground && sink.suspend?.pending) {
        sink.suspend.pending = false;
        group.signal('SIGTSTP');
      }
      try {
        const copying: Promise<void>[] = [];
        const copy = (from: Readable, to: Channel) => {
          from.setEncoding('utf8');
          copying.push(
            new Promise<void>((done) => {
              from.on('data', (chunk: string) => {
                try {
                  write(to, chunk);
                } catch {
                  from.destroy();
                }
              });
              from.on('end', done);
              from.on('close', done);
              from.on('error', () => done());
            }),
          );
        };
        const outPump = pumps.find((p) => p.from === 'out');
        if (programs.output && options.onOutput) options.onOutput(programs.output);
        else if (programs.output && outPump) copy(programs.output, outPump.to);
        const errPump = pumps.find((p) => p.from === 'err');
        for (const stream of programs.errors) if (errPump) copy(stream, errPump.to);
        if (programs.input) {
          if (options.onInput) options.onInput(programs.input);
          else if (stream?.kind === 'stream') {
            const reader = stream.reader;
            programs.input.write(reader.takeBuffered());
            reader.stream.resume();
            reader.stream.pipe(programs.input);
          } else if (feedValue) {
            const columns = sink.out.columns;
            copying.push(feedInput(programs.input, feed ?? '', options.input, columns, options.signal, options.onInputError));
          } else programs.input.end(feed ?? '');
        }
        if (group && foreground) {
          const outcome = await whileForeground(group);
          if (outcome.stopped) {
            // Ctrl-Z: the run is a stopped job now; the line goes on (`sleep 9; echo next` prints next, as bash).
            const text = options.text ?? calls.map((c) => c.argv.join(' ')).join(' | ');
            const job = stoppedJob(this.jobs, text, group, outcome.modes);
            if (sink.suspend) sink.suspend.stopped = true;
            sink.out.write(`${this.jobs.describe(job)}\n`);
            return calls.map(() => outcome.status);
          }
        }
        const statuses = await programs.statuses;
        await Promise.all(copying);
        return statuses;
      } finally {
        this.running.delete(programs);
        if (foreground) this.foreground--;
      }
    };
    // A background job never takes the terminal (its output goes to it as it comes, as in bash).
    if (!(usesTerminal && sink.terminal && !options.detach)) return start();
    // From now until the programs end, Ctrl-Z is the terminal's (it stops them), not the UI's.
    const hold = sink.suspend;
    if (hold) hold.holding = (hold.holding ?? 0) + 1;
    try {
      // Flushed before the terminal is handed over, so that the programs start at once once it is cooked:
      // a key typed in between (Ctrl-C, Ctrl-Z) would reach the shell's process group, not theirs.
      await sink.flush?.();
      return await sink.terminal(() => start(false));
    } finally {
      if (hold) {
        hold.holding = (hold.holding ?? 1) - 1;
        hold.pending = false;
      }
    }
  }

  /** What a program's standard input is, for a channel. */
  private inputSpec(ch: Channel, first: boolean, feed: (text: string) => void, stream: (ch: Channel) => void): StdioSpec {
    switch (ch.kind) {
      case 'stdin':
        return ch.inherit === 'inherit' && first ? 'inherit' : 'ignore';
      case 'fd':
        return ch.fd;
      case 'text':
        feed(ch.reader.rest());
        return 'pipe';
      case 'stream':
        stream(ch);
        return 'pipe';
      default:
        return 'ignore';
    }
  }

  /** What a program's output descriptor (1 or 2) is, for a channel. */
  private outputSpec(ch: Channel, fd: 1 | 2, sink: Sink, toCaller: boolean): StdioSpec | 'stderr' {
    if (toCaller) return 'pipe';
    switch (ch.kind) {
      case 'sink':
        if (!ch.sink.inherit || ch.sink !== sink) return 'pipe';
        if (ch.stream === 'out') return fd === 1 ? 'inherit' : 1;
        return fd === 2 ? 'inherit' : 2;
      case 'fd':
        return ch.fd;
      case 'capture':
      case 'pipe':
        return 'pipe';
      default:
        return 'ignore';
    }
  }
}

/** Copy a program's output to a channel. */
function write(to: Channel, text: string): void {
  switch (to.kind) {
    case 'sink':
      (to.stream === 'out' ? to.sink.out : to.sink.err).write(text);
      break;
    case 'capture':
      to.capture.write(text);
      break;
    case 'pipe':
      if (!to.state.closed) to.stream.write(text);
      break;
    default:
      break;
  }
}

/**
 * Write what a plugin printed, then its value's text piece by piece, into a program's input, each piece
 * after the last was taken (backpressure: a million rows into `wc -l` cost a piece of memory, not the
 * whole text); stops when the program stops reading (`head`) or Ctrl-C aborts the line.
 */
async function feedInput(
  input: Writable,
  printed: string,
  value: unknown,
  columns: number,
  signal: AbortSignal | undefined,
  onError: ((error: unknown) => void) | undefined,
): Promise<void> {
  const gone = new AbortController();
  const stop = () => gone.abort();
  input.once('close', stop);
  input.once('error', stop);
  const stopped = signal ? AbortSignal.any([signal, gone.signal]) : gone.signal;
  const ended = new Promise<void>((resolve) => stopped.addEventListener('abort', () => resolve(), { once: true }));
  const write = (text: string): void | Promise<void> => {
    if (stopped.aborted || input.write(text)) return;
    return Promise.race([new Promise<void>((resolve) => input.once('drain', resolve)), ended]);
  };
  try {
    if (printed !== '') await write(printed);
    await writeChunks(value, { color: false, columns }, write, stopped);
  } catch (error) {
    if (onError) onError(error);
  } finally {
    input.off('close', stop);
    input.off('error', stop);
    if (!gone.signal.aborted) input.end();
  }
}
