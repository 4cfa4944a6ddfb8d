/**
 * A line running in the interactive shell: its output streamed above the
 * prompt, its value shown (a React element stays live until the next line),
 * a spinner or its progress bars, a question it asks, Ctrl-C.
 */
import type { Progress, ProgressOptions, PromptOptions } from '../../plugin-sdk/types.ts';
import { oneLine } from '../base/errors.ts';
import { isElement, renderValue, writeChunks } from '../render/render.ts';
import { type Job, jobsOf } from '../run/jobs.ts';
import type { Sink } from '../run/sink.ts';
import type { Origin } from '../state/state.ts';
import { empty } from './editor.ts';
import type { OutputQueue } from './output.ts';
import type { UiShell } from './shell.ts';
import type { Bar, UiState } from './state.ts';

export interface RunView {
  color: boolean;
  columns(): number;
  /** Milliseconds before a running command shows a spinner. */
  spinnerDelay?: number;
  /** Let a program use the terminal for `run`. */
  handoff<T>(run: () => Promise<T>, stopped?: () => boolean): Promise<T>;
  /** The live element's current look as text (set by the view), to freeze it into the output. */
  captureLive(): string | undefined;
}

export class LineRuns {
  /** Ctrl-C stopped the running line. */
  interrupted = false;
  /** Ends the running line's output streams (Ctrl-C during a flood). */
  private silence: (() => void) | undefined;
  /** Ctrl-Z: the running line (plugin commands, which cannot be stopped) goes on in the background. */
  private toBackground: (() => void) | undefined;

  constructor(
    private readonly ui: UiState,
    private readonly shell: UiShell,
    private readonly output: OutputQueue,
    private readonly view: RunView,
  ) {}

  /** Run the lines of one entry in order; resolves to the last one's status. */
  async run(lines: string[], entry: string | undefined, origin?: Origin): Promise<number> {
    const ui = this.ui;
    ui.mode = 'running';
    this.interrupted = false;
    let status = 0;
    for (const line of lines) {
      status = await this.runOne(line, origin);
      if (this.interrupted || this.shell.state.exitRequested !== undefined) break;
    }
    ui.status = status;
    if (entry !== undefined) this.shell.history.setStatus(entry, status);
    ui.running = undefined;
    ui.bars = [];
    ui.ask = undefined;
    return status;
  }

  /** Ctrl-C while a line runs: its signal fires, output not yet shown is dropped. */
  interrupt(): void {
    this.shell.interrupt();
    this.output.drop();
    this.silence?.();
    this.interrupted = true;
  }

  /** Ctrl-Z while a line runs: it goes on as a background job, and the prompt is back. */
  suspend(): void {
    this.toBackground?.();
  }

  private async runOne(line: string, origin?: Origin): Promise<number> {
    const ui = this.ui;
    const view = this.view;
    ui.running = { line, spinner: false };
    let alive = true;
    this.silence = () => {
      alive = false;
    };
    const out = this.output.stream('out', () => alive);
    const err = this.output.stream('err', () => alive);
    const command = line.trim().split(/\s+/)[0] ?? '';
    const sink: Sink = {
      out,
      err,
      color: view.color,
      value: (value, signal) => {
        if (!alive) return;
        if (isElement(value)) {
          out.flush();
          this.freezeLive();
          ui.live = { element: value, command, id: ui.id() };
          ui.changed();
          return;
        }
        // Piece by piece: Ctrl-C (which silences this sink and aborts the line) stops a million rows at once.
        const options = { color: view.color, columns: view.columns(), fit: true };
        return writeChunks(value, options, (text) => (alive ? out.write(text) : undefined), signal);
      },
      progress: (options, name) => this.progress(options, name, () => alive),
      ask: (question, options, signal) => this.askUser(question.replace(/\s+$/, ''), options, signal),
      // Programs whose output goes to the terminal get the terminal itself.
      inherit: { stdin: 'inherit' },
      flush: async () => {
        out.flush();
        err.flush();
        await this.output.drained();
      },
      terminal: (run) =>
        view.handoff(run, () => {
          const stopped = sink.suspend?.stopped === true;
          if (sink.suspend) sink.suspend.stopped = false;
          return stopped;
        }),
      suspend: { handler: undefined },
      interrupted: () => {
        if (this.interrupted) return;
        this.interrupted = true;
        this.output.emit('^C\n');
      },
    };
    const suspend = sink.suspend;
    const backgrounded = new Promise<Job>((resolve) => {
      this.toBackground = () => {
        const job = suspend?.handler?.();
        if (job) resolve(job);
      };
    });
    const timer = setTimeout(() => {
      if (ui.running) {
        ui.running.spinner = true;
        ui.changed();
      }
    }, view.spinnerDelay ?? 100);
    let status: number;
    let job: Job | undefined;
    try {
      const result = await Promise.race([this.shell.runLine(line, sink, origin), backgrounded]);
      if (typeof result === 'number') status = result;
      else {
        // As `bg` says it; the line's output goes on above the prompt.
        job = result;
        status = 0;
        out.write(`[${job.id}]${jobsOf(this.shell)?.mark(job) ?? '+'} ${job.line} &\n`);
      }
    } catch (error) {
      err.write(`tosh: ${oneLine(error)}\n`);
      status = 1;
    }
    this.toBackground = undefined;
    clearTimeout(timer);
    out.flush();
    err.flush();
    if (ui.running) ui.running.spinner = false;
    ui.bars = [];
    ui.changed();
    // The prompt comes back once the output is on the screen (or Ctrl-C dropped it).
    await this.output.drained();
    if (!job) alive = false;
    this.silence = undefined;
    return this.interrupted ? 130 : status;
  }

  /** Move the live element of the previous command into the output, as it looks now. */
  freezeLive(): void {
    const ui = this.ui;
    if (!ui.live) return;
    let text: string | undefined;
    try {
      text = this.view.captureLive();
    } catch {
      text = undefined;
    }
    if (text === undefined) {
      try {
        text = renderValue(ui.live.element, { color: this.view.color, columns: this.view.columns() }).replace(/\n$/, '');
      } catch (error) {
        text = undefined;
        this.output.push('err', `tosh: ${ui.live.command}: cannot render: ${oneLine(error)}`);
      }
    }
    ui.live = undefined;
    if (text !== undefined && text.replace(/\n+$/, '') !== '') this.output.push('frozen', text.replace(/\n+$/, ''));
  }

  private progress(options: ProgressOptions, command: string, alive: () => boolean): Progress {
    const ui = this.ui;
    const bar: Bar = { id: ui.id(), label: options.label ?? command, total: options.total, current: 0 };
    ui.bars = [...ui.bars, bar];
    ui.changed();
    const update = () => {
      if (!alive()) return;
      ui.bars = ui.bars.map((b) => (b.id === bar.id ? { ...bar } : b));
      ui.changed();
    };
    return {
      update(current, label) {
        bar.current = current;
        if (label !== undefined) bar.label = label;
        update();
      },
      tick(step = 1) {
        bar.current += step;
        update();
      },
      done: (message) => {
        ui.bars = ui.bars.filter((b) => b.id !== bar.id);
        if (alive() && message) this.output.push('out', message);
        ui.changed();
      },
    };
  }

  private askUser(question: string, options: PromptOptions, signal: AbortSignal): Promise<string> {
    const ui = this.ui;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => {
        ui.ask = undefined;
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      ui.ask = {
        question,
        edit: empty,
        fallback: options.default ?? '',
        resolve: (answer) => {
          signal.removeEventListener('abort', onAbort);
          resolve(answer);
        },
      };
      ui.mode = 'ask';
      ui.changed();
    });
  }
}
