/**
 * One plugin command of a pipeline with its redirects, as sh applies them:
 * in the order written, each file opened (and truncated) before the command
 * runs, `2>&1` and `>&2` naming wherever the other stream goes at that point.
 */
import { closeSync, writeSync } from 'node:fs';
import type { Output } from '../../plugin-sdk/types.ts';
import { oneLine, Status } from '../base/errors.ts';
import { jsonLine, renderValue, stripAnsi } from '../render/render.ts';
import { errorLine, type RunHost } from './host.ts';
import { openTarget, readInput } from './redirects.ts';
import { captureSink, type Sink } from './sink.ts';
import type { PipelineResult, PluginStage, Stage, StageResult } from './stages.ts';

/** Where a plugin command's output or errors go: the sink's streams, the next command, or an open file. */
type Place = 'out' | 'err' | 'pipe' | number;

/** What running a plugin stage needs from the runner. */
export interface StageCalls {
  host: RunHost;
  /** Validate and run the command itself. */
  command(stage: PluginStage, input: unknown, sink: Sink, signal: AbortSignal): Promise<StageResult>;
  /** Show a value; false when it could not be rendered (reported). */
  show(sink: Sink, command: string | undefined, write: () => void): boolean;
}

/**
 * One plugin command of a pipeline, with its redirects applied as sh does:
 * in the order written, each file opened (and truncated) before the command
 * runs, `2>&1` and `>&2` naming wherever the other stream goes at that
 * point. Everything the command writes, its value and its error messages go
 * to those places as it runs.
 */
export async function runPluginStage(
  calls: StageCalls,
  stage: Extract<Stage, { kind: 'plugin' | 'missing' }>,
  input: unknown,
  sink: Sink,
  last: boolean,
  signal: AbortSignal,
  json: boolean,
): Promise<PipelineResult> {
  const redirects = stage.command.redirects;
  const command = stage.kind === 'plugin' ? stage.name : (stage.command.argv[0] as string);
  const stageJson = stage.kind === 'plugin' && stage.json;
  const run = (to: Sink, given: unknown): Promise<StageResult> => {
    if (stage.kind === 'plugin') return calls.command(stage, given, to, signal);
    errorLine(calls.host, to, stage.message);
    return Promise.resolve({ status: stage.status, value: undefined });
  };
  // The plain case, by far the most common: everything to the sink, the value shown by the caller.
  if (last && redirects.length === 0) {
    const result = await run(sink, input);
    if (result.status !== 0) return { status: result.status, value: undefined };
    return result.value !== undefined
      ? { status: 0, value: result.value, shown: stageJson ? undefined : result.value, json: stageJson, command }
      : { status: 0, value: result.value, json: stageJson, command };
  }
  const pipe = captureSink(false, sink.out.columns);
  const opened: number[] = [];
  let out: Place = last ? 'out' : 'pipe';
  let err: Place = 'err';
  try {
    for (const r of redirects) {
      if (r.kind === 'read') input = readInput(calls.host.state.cwd, r.path);
      else if (r.kind === 'write' || r.kind === 'append') {
        const fd = openTarget(calls.host.state.cwd, r.path, r.kind === 'append' ? 'a' : 'w');
        opened.push(fd);
        if (r.fd === 1) out = fd;
        else err = fd;
      } else if (r.fd === 2) err = out;
      else out = err;
    }
  } catch (error) {
    for (const fd of opened) closeSync(fd);
    errorLine(calls.host, sink, oneLine(error));
    return { status: Status.failed, value: undefined };
  }
  const failures: string[] = [];
  const output = (place: Place): Output => {
    if (place === 'out') return sink.out;
    if (place === 'err') return sink.err;
    if (place === 'pipe') return pipe.out;
    return {
      write: (text) => {
        try {
          writeSync(place, stripAnsi(text));
        } catch (error) {
          failures.push(`cannot write: ${oneLine(error)}`);
        }
      },
      isTTY: false,
      columns: sink.out.columns,
    };
  };
  const color = out === 'out' ? sink.color : false;
  const stageOut = output(out);
  const stageSink: Sink = {
    out: stageOut,
    err: output(err),
    color,
    value: (value) => stageOut.write(renderValue(value, { color, columns: sink.out.columns })),
    progress: sink.progress,
    ...(sink.ask ? { ask: sink.ask } : {}),
  };
  try {
    const result = await run(stageSink, input);
    if (result.status !== 0)
      return out === 'pipe'
        ? { status: result.status, value: undefined, printed: pipe.text() }
        : { status: result.status, value: undefined };
    if (out === 'pipe') {
      // The next command's input: the value, or what was printed; a program reads both, as `tosh -c` writes them to a file.
      const printed = pipe.text();
      return { status: 0, value: result.value !== undefined ? result.value : printed || undefined, printed, command };
    }
    if (out === 'out') {
      return result.value !== undefined
        ? { status: 0, value: result.value, shown: stageJson ? undefined : result.value, json: stageJson, command }
        : { status: 0, value: result.value, json: stageJson, command };
    }
    const rendered = calls.show(sink, command, () => {
      if (json || stageJson) stageOut.write(jsonLine(result.value));
      else if (result.value !== undefined) stageSink.value(result.value);
    });
    if (!rendered) return { status: Status.failed, value: undefined };
    if (failures.length > 0) {
      errorLine(calls.host, sink, failures[0] as string);
      return { status: Status.failed, value: undefined };
    }
    return { status: 0, value: last ? result.value : undefined, redirected: true, command };
  } finally {
    for (const fd of opened) closeSync(fd);
  }
}
