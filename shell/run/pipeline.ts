/**
 * A pipeline of several commands (`a | b | c`). Each runs in a subshell (its
 * changes to the shell stay in it, as in bash). Between two plugin commands
 * the value passes as it is; programs next to each other share OS pipes; a
 * program's output is text for what follows it, read as it comes by a shell
 * stage (a loop, a function, a built-in) after it; a shell stage before a
 * program writes into its pipe as it runs; anything else is captured and
 * handed on: a value when it gave exactly one, else its text.
 */
import type { Writable } from 'node:stream';
import { oneLine, Status } from '../base/errors.ts';
import type { Command, Pipeline } from '../line/ast.ts';
import { jsonLine, renderValue } from '../render/render.ts';
import { type Exec, ExitFlow, LoopFlow, ReturnFlow } from './exec.ts';
import { Capture, type Channel, PipeClosed, StreamReader, TextReader } from './io.ts';
import type { ProgramCall } from './program-stage.ts';
import type { Outcome, Prepared, Simple, SimpleEngine } from './simple.ts';
import { commandEnv } from './stages.ts';
import { checkStages } from './typed.ts';

interface Interpreter extends SimpleEngine {
  readonly programs: import('./program-stage.ts').ProgramRuns;
  readonly host: import('./host.ts').RunHost;
}

type Stage =
  | { kind: 'program'; x: Exec; prepared: Extract<Prepared, { kind: 'program' }> }
  | { kind: 'plugin'; x: Exec; prepared: Extract<Prepared, { kind: 'plugin' }> }
  /** A function, built-in, compound command, or one that already failed (`status`). */
  | { kind: 'shell'; x: Exec; prepared?: Prepared; command?: Command; status?: number };

/** What flows from one stage to the next. */
type Carry = { value: unknown; printed: string } | { reader: StreamReader } | undefined;

/** Nothing to read (what a stage after one that gave nothing reads). */
const emptyInput = (): Channel => ({ kind: 'stdin', inherit: 'ignore' });

/** The channel a shell stage reads what came before it from. */
function inputChannel(carry: Carry, first: Channel): Channel {
  if (carry === undefined) return first;
  if ('reader' in carry) return { kind: 'stream', reader: carry.reader };
  if (carry.value === undefined && carry.printed === '') return emptyInput();
  // A value reads as `tosh -c` would print it (after what was printed before it).
  const text =
    carry.value === undefined
      ? carry.printed
      : carry.printed === ''
        ? undefined
        : carry.printed + renderValue(carry.value, { color: false, columns: 80 });
  return { kind: 'text', reader: new TextReader(text, carry.value) };
}

/** Run a stage as a subshell would: `exit` (and a stray `return` or `break`) ends only it; a closed pipe ends it quietly. */
async function contained(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (flow) {
    if (flow instanceof ExitFlow || flow instanceof ReturnFlow) return flow.status;
    if (flow instanceof LoopFlow) return 0;
    if (flow instanceof PipeClosed) return 141;
    throw flow;
  }
}

export async function runPipeline(engine: Interpreter, simple: Simple, pipeline: Pipeline, x: Exec): Promise<number> {
  const commands = pipeline.commands;
  const stages: Stage[] = [];
  for (const command of commands) {
    const sx: Exec = { ...x, state: x.state.fork(), last: { value: undefined }, at: { offset: command.start } };
    if (command.kind !== 'simple') {
      stages.push({ kind: 'shell', x: sx, command });
      continue;
    }
    const prepared = await simple.prepare(command, sx);
    if (typeof prepared === 'number') stages.push({ kind: 'shell', x: sx, status: prepared });
    else if (prepared.kind === 'program' || prepared.kind === 'plugin') stages.push({ kind: prepared.kind, x: sx, prepared } as Stage);
    else stages.push({ kind: 'shell', x: sx, prepared });
    if (x.signal.aborted) return Status.interrupted;
  }
  // Typed pipelines (CONTRACT §17): a pair of stages that does not fit is refused before any runs.
  const refused = checkStages(stages, engine.host, x);
  if (refused !== undefined) {
    engine.error(x, refused);
    return Status.usage;
  }
  const statuses: number[] = commands.map(() => 0);
  const running: Promise<void>[] = [];
  const firstIn = x.io.get(0) ?? emptyInput();
  let carry: Carry;
  const n = stages.length;
  let i = 0;
  while (i < n) {
    const stage = stages[i] as Stage;
    const last = i === n - 1;
    const io = new Map(x.io);
    if (stage.kind === 'program') {
      let j = i;
      while (j + 1 < n && (stages[j + 1] as Stage).kind === 'program') j++;
      const group = stages.slice(i, j + 1) as Extract<Stage, { kind: 'program' }>[];
      const calls: ProgramCall[] = group.map((s) => ({
        path: s.prepared.path,
        argv: s.prepared.expanded.argv,
        env: commandEnv(s.x.state.exported(), s.prepared.expanded),
        redirects: s.prepared.expanded.redirects,
      }));
      const from = i;
      const next = stages[j + 1];
      const input: { value?: unknown; printed?: string } = {};
      if (carry && 'reader' in carry) io.set(0, { kind: 'stream', reader: carry.reader });
      else if (carry) {
        input.printed = carry.printed ?? '';
        if (carry.value !== undefined) input.value = carry.value;
      } else if (from > 0) io.set(0, emptyInput());
      const record = (list: number[]) => {
        list.forEach((status, k) => {
          statuses[from + k] = status;
        });
      };
      const options = {
        io,
        sink: x.sink,
        cwd: x.state.cwd,
        statuses: x.state.options.pipefail,
        ...(x.spawned ? { onSpawn: x.spawned } : {}),
        ...(x.background ? { detach: true } : {}),
        ...(x.job ? { job: x.job } : {}),
        ...(x.jobText ? { text: x.jobText } : {}),
        signal: x.signal,
        ...(input.value !== undefined ? { input: input.value, onInputError: renderFailed(engine, stages[i - 1], x) } : {}),
        ...(input.printed ? { printed: input.printed } : {}),
      };
      if (!next) {
        record(await engine.programs.run(calls, options));
        carry = undefined;
      } else if (next.kind === 'shell') {
        // The shell stage after the programs reads their output as it comes.
        let reader: StreamReader | undefined;
        const started = new Promise<void>((resolve) => {
          running.push(
            engine.programs
              .run(calls, {
                ...options,
                onOutput: (output) => {
                  reader = new StreamReader(output);
                  resolve();
                },
              })
              .then(record)
              .finally(resolve),
          );
        });
        await started;
        carry = reader ? { reader } : { value: undefined, printed: '' };
      } else {
        const capture = new Capture(x.sink.out.columns);
        io.set(1, { kind: 'capture', capture });
        record(await engine.programs.run(calls, options));
        carry = { value: capture.text() || undefined, printed: '' };
      }
      i = j + 1;
      continue;
    }
    if (stage.kind === 'plugin') {
      io.set(0, i === 0 ? firstIn : emptyInput());
      let input: unknown;
      if (carry && 'reader' in carry) input = await carry.reader.rest();
      // What was printed stands for the value when there is none.
      else if (carry) input = carry.value !== undefined ? carry.value : carry.printed || undefined;
      const capture = last ? undefined : new Capture(x.sink.out.columns);
      if (capture) io.set(1, { kind: 'capture', capture });
      const sx: Exec = { ...stage.x, io };
      const outcome = await contained(async () => {
        const result = await simple.execute(stage.prepared, sx, input !== undefined ? { input } : {}, last);
        if (last) return result.status;
        carry = handOn(result, capture as Capture);
        return result.status;
      });
      statuses[i] = outcome;
      i++;
      continue;
    }
    // A shell stage: its input is what came before; its output goes on as it is made when a program follows.
    io.set(0, inputChannel(carry, i === 0 ? firstIn : emptyInput()));
    const next = stages[i + 1];
    let feeding: Writable | undefined;
    let programsDone: Promise<void> | undefined;
    let capture: Capture | undefined;
    let skipTo = i + 1;
    if (next?.kind === 'program') {
      let j = i + 1;
      while (j + 1 < n && (stages[j + 1] as Stage).kind === 'program') j++;
      const group = stages.slice(i + 1, j + 1) as Extract<Stage, { kind: 'program' }>[];
      const calls: ProgramCall[] = group.map((s) => ({
        path: s.prepared.path,
        argv: s.prepared.expanded.argv,
        env: commandEnv(s.x.state.exported(), s.prepared.expanded),
        redirects: s.prepared.expanded.redirects,
      }));
      const from = i + 1;
      const after = stages[j + 1];
      const progIo = new Map(x.io);
      let progCapture: Capture | undefined;
      if (after) {
        progCapture = new Capture(x.sink.out.columns);
        progIo.set(1, { kind: 'capture', capture: progCapture });
      }
      const ready = new Promise<void>((resolve) => {
        programsDone = engine.programs
          .run(calls, {
            io: progIo,
            sink: x.sink,
            cwd: x.state.cwd,
            statuses: x.state.options.pipefail,
            onInput: (stream) => {
              feeding = stream;
              resolve();
            },
          })
          .then((list) => {
            list.forEach((status, k) => {
              statuses[from + k] = status;
            });
          })
          .finally(() => {
            resolve();
            carry = progCapture ? { value: progCapture.text() || undefined, printed: '' } : undefined;
          });
      });
      await ready;
      skipTo = j + 1;
    } else if (!last) {
      capture = new Capture(x.sink.out.columns);
      io.set(1, { kind: 'capture', capture });
    }
    if (feeding) {
      const state = { closed: false };
      feeding.on('error', () => (state.closed = true));
      feeding.on('close', () => (state.closed = true));
      io.set(1, { kind: 'pipe', stream: feeding, state });
    }
    const sx: Exec = { ...stage.x, io };
    statuses[i] = await contained(async () => {
      if (stage.status !== undefined) return stage.status;
      if (stage.command) return engine.command(stage.command, sx);
      const prepared = stage.prepared as Prepared;
      return (await simple.execute(prepared, sx, {}, true)).status;
    });
    if (feeding) feeding.end();
    if (programsDone) await programsDone;
    if (capture) {
      const result = capture.result();
      carry = typeof result === 'string' ? { value: undefined, printed: result } : { value: result, printed: '' };
    }
    i = skipTo;
  }
  await Promise.all(running);
  if (x.state.options.pipefail) return [...statuses].reverse().find((s) => s !== 0) ?? 0;
  return statuses.at(-1) ?? 0;
}

/** Rendering a plugin's value for a program runs its code (getters, toString): a failure is its, named, and the programs go on. */
function renderFailed(engine: Interpreter, from: Stage | undefined, x: Exec): (error: unknown) => void {
  return (error) => {
    const name = from && from.kind !== 'shell' ? from.prepared.expanded.argv[0] : 'value';
    engine.error(x, `${name}: cannot show the result: ${oneLine(error)}`, error);
  };
}

/** What a plugin stage in the middle hands on: its value (as JSON text with its own `--json`), or what it printed. */
function handOn(result: Outcome, capture: Capture): Carry {
  const printed = capture.text();
  if (result.status !== 0) return { value: undefined, printed };
  if (result.json) return { value: jsonLine(result.value), printed: '' };
  if (result.value === undefined) return { value: undefined, printed };
  return { value: result.value, printed };
}
