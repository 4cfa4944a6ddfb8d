/**
 * A run of programs next to each other in a pipeline: started joined by OS
 * pipes, their output streamed to the terminal or collected for the next
 * stage, their redirects applied as sh does.
 */
import { closeSync } from 'node:fs';
import { oneLine, Status } from '../base/errors.ts';
import { renderValue } from '../render/render.ts';
import { errorLine, type RunHost } from './host.ts';
import { type ProgramSpec, type RunningPrograms, startPrograms } from './programs.ts';
import { openTarget } from './redirects.ts';
import type { Sink } from './sink.ts';
import { commandEnv, type PipelineResult, type ProgramStage } from './stages.ts';

export class ProgramRuns {
  private readonly running = new Set<RunningPrograms>();
  /** Programs that hold the terminal: Ctrl-C reaches them from the terminal, not from the shell. */
  private foreground = 0;

  constructor(private readonly host: RunHost) {}

  /** Some program holds the terminal now. */
  get inForeground(): boolean {
    return this.foreground > 0;
  }

  /** The runs going on now (to pass a SIGINT on to them). */
  all(): RunningPrograms[] {
    return [...this.running];
  }

  /**
   * Programs next to each other in a pipeline, joined by OS pipes. Their
   * output streams straight to the shell's own standard output when it is
   * the last stage (the UI steps aside for a program that uses the terminal);
   * otherwise it is collected as text for the next command.
   */
  async run(
    run: ProgramStage[],
    input: unknown,
    sink: Sink,
    last: boolean,
    first: boolean,
    json: boolean,
    printed = '',
  ): Promise<PipelineResult> {
    const opened: number[] = [];
    // With --json the last program's output is the line's value (a string), not text on the screen.
    const keep = last && json;
    const specs: ProgramSpec[] = [];
    const fed = input !== undefined || printed !== '';
    let usesTerminal = false;
    try {
      run.forEach((stage, k) => {
        const isFirst = k === 0;
        const isLast = k === run.length - 1;
        const spec: ProgramSpec = {
          path: stage.path,
          argv: stage.command.argv,
          env: commandEnv(this.host.state.exported(), stage.command),
          cwd: this.host.state.cwd,
          // The terminal (or tosh's stdin) is the first program's input; in the interactive shell only when
          // the run's output goes to the terminal too (the UI steps aside for it), as `ls | upper` needs neither.
          stdin: isFirst ? (fed ? 'pipe' : first && sink.inherit && (last || !sink.terminal) ? sink.inherit.stdin : 'ignore') : 'pipe',
          stdout: isLast && last && sink.inherit && !keep ? 'inherit' : 'pipe',
          stderr: sink.inherit ? 'inherit' : 'pipe',
        };
        // Redirects, in the order written (`2>&1 > f` and `> f 2>&1` differ, as in sh).
        for (const r of stage.command.redirects) {
          if (r.kind === 'read') {
            const fd = openTarget(this.host.state.cwd, r.path, 'r');
            opened.push(fd);
            spec.stdin = fd;
          } else if (r.kind === 'write' || r.kind === 'append') {
            const fd = openTarget(this.host.state.cwd, r.path, r.kind === 'append' ? 'a' : 'w');
            opened.push(fd);
            if (r.fd === 1) spec.stdout = fd;
            else spec.stderr = fd;
          } else if (r.kind === 'dup') {
            // Where the other stream goes now: a file, the shell's own stream, or the pipe (sh joins those).
            const other = r.fd === 2 ? spec.stdout : spec.stderr;
            const same = typeof other === 'number' ? other : other === 'inherit' ? (r.fd === 2 ? 1 : 2) : undefined;
            if (r.fd === 2) spec.stderr = same ?? 'stdout';
            else spec.stdout = same ?? 'stderr';
          }
        }
        if (spec.stdin === 'inherit' || spec.stdout === 'inherit') usesTerminal = true;
        specs.push(spec);
      });
      // While the UI draws, a program's errors go through it rather than across the screen.
      if (sink.terminal && !usesTerminal) for (const spec of specs) if (spec.stderr === 'inherit') spec.stderr = 'pipe';
    } catch (error) {
      for (const fd of opened) closeSync(fd);
      errorLine(this.host, sink, oneLine(error));
      return { status: Status.failed, value: undefined };
    }
    const start = async (): Promise<PipelineResult> => {
      await sink.flush?.();
      const programs = startPrograms(specs, (message) => errorLine(this.host, sink, message));
      for (const fd of opened) closeSync(fd);
      this.running.add(programs);
      // Only the interactive shell hands its terminal over: there the terminal's own Ctrl-C is the programs' alone.
      const foreground = usesTerminal && sink.terminal !== undefined;
      if (foreground) this.foreground++;
      try {
        let text = '';
        const collected = programs.output
          ? new Promise<void>((done) => {
              const stream = programs.output as NonNullable<typeof programs.output>;
              stream.setEncoding('utf8');
              stream.on('data', (chunk: string) => {
                // A last stage that cannot inherit (the UI, a capture) streams into the sink as it comes.
                if (last && !sink.inherit && !keep) sink.out.write(chunk);
                else text += chunk;
              });
              stream.on('end', done);
              stream.on('error', () => done());
            })
          : Promise.resolve();
        for (const stream of programs.errors) {
          stream.setEncoding('utf8');
          stream.on('data', (chunk: string) => sink.err.write(chunk));
        }
        if (programs.input) {
          // Exactly what `tosh -c` would write to a file (a string gets its newline too).
          programs.input.end(printed + renderValue(input, { color: false, columns: sink.out.columns }));
        }
        const status = await programs.done;
        await collected;
        if (last) return { status, value: keep ? text : undefined, command: run[run.length - 1]?.command.argv[0] as string };
        return { status, value: text };
      } finally {
        this.running.delete(programs);
        if (foreground) this.foreground--;
      }
    };
    return usesTerminal && sink.terminal ? sink.terminal(start) : start();
  }
}
