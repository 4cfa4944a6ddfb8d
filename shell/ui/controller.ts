/**
 * The interactive shell's state and what every key does to it, kept outside
 * React: keys of one input chunk must see each other's effects at once, and
 * the view only needs to re-render after a chunk. The view subscribes.
 *
 * It is put together from parts: the output queue (output.ts), the terminal
 * hand-over (handoff.ts), the history keys (history-keys.ts), Tab (tab.ts)
 * and the running line (running.ts); this file routes keys by mode.
 */
import { expandBang, splitLines } from '../line/history-expand.ts';
import { isIncomplete } from '../line/parser.ts';
import { runs } from '../resolve/lookup.ts';
import { jobsOf } from '../run/jobs.ts';
import { cleanInput, type EditState, edit, empty, insert, type KeyEvent, keysOf, wordRight } from './editor.ts';
import { handOff } from './handoff.ts';
import { HistoryKeys } from './history-keys.ts';
import { promptedLines } from './line.ts';
import { OutputQueue } from './output.ts';
import { HELP_HINT, promptText } from './prompt.ts';
import { LineRuns } from './running.ts';
import type { UiShell } from './shell.ts';
import { UiState } from './state.ts';
import { TabKeys } from './tab.ts';

export { HELP_HINT } from './prompt.ts';
export type { Bar, Menu, Mode } from './state.ts';

export interface ControllerOptions {
  color: boolean;
  columns(): number;
  /** Terminal height (to keep the live part of the screen inside it). @default 24 */
  rows?(): number;
  /** Leave the shell with this status. */
  exit(status: number): void;
  /** Milliseconds before a running command shows a spinner. */
  spinnerDelay?: number;
  /** Where finished output is written; by default the view's (ink's stdout, above the live part). */
  write?(text: string): void;
}

export const LEAVE_HINT = 'Ctrl-D or exit to leave';

const sameEdit = (a: EditState, b: EditState) => a.text === b.text && a.cursor === b.cursor;

/**
 * Keys typed this soon after Tab wait for its answer and apply after it, as
 * if it had been instant (fish waits for all of it); later ones go into the
 * line at once, and the answer, when it comes, is dropped.
 */
export const HOLD_KEYS_MS = 100;

export class Controller extends UiState {
  /** Set by the view: the live element's current look as text (to freeze it into the output). */
  captureLive: (() => string | undefined) | undefined;
  /** Set by the view: clear the terminal. */
  clearScreen: () => void = () => {};
  /** Set by the view: draw now (after coming back). */
  redraw: () => void = () => {};
  /** Set by the view: erase the live part of the screen and forget it, so a program writes where the prompt was. */
  release: () => void = () => {};

  readonly output: OutputQueue;
  private readonly historyKeys: HistoryKeys;
  private readonly tabKeys: TabKeys;
  private readonly runs: LineRuns;
  /** Keys typed while a command ran or a completion was worked out, replayed in order. */
  private queue: KeyEvent[] = [];
  private completing = false;
  /** Bracketed paste in progress: the text so far. */
  private pasting: string | undefined;

  constructor(
    readonly shell: UiShell,
    readonly options: ControllerOptions,
  ) {
    super();
    this.output = new OutputQueue({
      color: options.color,
      columns: options.columns,
      cwd: () => shell.state.cwd,
      ...(options.write ? { write: options.write } : {}),
    });
    this.historyKeys = new HistoryKeys(this, shell.history, this.isKnown, () => this.submit());
    this.tabKeys = new TabKeys(this, shell, (message) => this.output.notice(message));
    this.runs = new LineRuns(this, shell, this.output, {
      color: options.color,
      columns: options.columns,
      ...(options.spinnerDelay !== undefined ? { spinnerDelay: options.spinnerDelay } : {}),
      handoff: (run, stopped) => this.handoff(run, stopped),
      captureLive: () => this.captureLive?.(),
    });
  }

  /** The prompt as shown: working directory, a failed status, then the configured prompt (`tosh> `). */
  get prompt(): string {
    const { state, prompt } = this.shell;
    return promptText({ cwd: state.cwd, home: state.env.HOME, prompt, status: this.status, color: this.options.color });
  }

  /** Draw again (the prompt changed). */
  refresh(): void {
    this.changed();
  }

  /** Where finished output goes from now on (the view, once it is mounted; output before that waits). */
  attach(write: (text: string) => void): void {
    this.output.attach(write);
  }

  /** Resolves once all queued output is written. */
  drained(): Promise<void> {
    return this.output.drained();
  }

  /** Let a program use the terminal (the UI steps aside, then comes back). */
  handoff<T>(run: () => Promise<T>, stopped?: () => boolean): Promise<T> {
    return handOff(
      {
        color: this.options.color,
        drained: () => this.output.drained(),
        release: () => this.release(),
        away: (away) => {
          this.away = away;
          this.changed();
        },
        redraw: () => this.redraw(),
      },
      run,
      stopped,
    );
  }

  /** Said once above the first prompt. */
  greet(): void {
    this.output.push('notice', HELP_HINT);
  }

  /** A notice from the shell (`tosh: …`), word-wrapped to the terminal. */
  notice(message: string): void {
    this.output.notice(message);
  }

  /** A line as it was typed at its prompt. */
  private echo(text: string, prompt: string, tail = ''): void {
    const lines = promptedLines(prompt, text, { color: this.options.color, known: this.isKnown });
    this.output.emit(`${lines.join('\n')}${tail}\n`);
  }

  /** A command word the shell can run: an alias, a plugin's or built-in command, or a program on PATH. */
  isKnown = (word: string): boolean => runs(word, this.shell.scope);

  /** The autosuggestion: the rest of a history line that starts with the line. */
  suggestion(): string | undefined {
    return this.historyKeys.suggestion();
  }

  /** Ctrl-R: the matches shown under the search line. */
  searchMatches(limit = 5): string[] {
    return this.historyKeys.searchMatches(limit);
  }

  /** What Tab completes from (the shell's command table and hooks). */
  completionSource() {
    return this.shell.completion();
  }

  // ---- keys -------------------------------------------------------------------

  /** Handle one raw input chunk from the terminal. Returns false when nothing can look different (a paste still arriving). */
  input(chunk: string): boolean {
    if (this.pasting !== undefined || chunk.startsWith('\x1b[200~')) {
      this.paste(chunk);
      if (this.pasting !== undefined) return false;
    } else {
      for (const event of keysOf(chunk)) this.key(event);
    }
    this.changed();
    return true;
  }

  /** Bracketed paste: everything between `ESC[200~` and `ESC[201~` is text, newlines included. */
  private paste(chunk: string): void {
    let text = chunk;
    if (this.pasting === undefined) {
      this.pasting = '';
      text = text.slice('\x1b[200~'.length);
    }
    const end = text.indexOf('\x1b[201~');
    if (end < 0) {
      this.pasting += text;
      return;
    }
    // Trailing newlines would only add empty lines to run (fish drops them too).
    const pasted = (this.pasting + text.slice(0, end)).replace(/[\r\n]+$/, '');
    this.pasting = undefined;
    this.key({ text: pasted, pasted: true });
    const rest = text.slice(end + '\x1b[201~'.length);
    if (rest !== '') for (const event of keysOf(rest)) this.key(event);
  }

  key(event: KeyEvent): void {
    if (this.mode === 'exiting') return;
    const name = 'key' in event ? event.key : undefined;
    if (this.mode === 'running') {
      if (name === 'ctrl-c') this.interrupt();
      else if (name === 'ctrl-z') this.runs.suspend();
      else this.queue.push(event);
      return;
    }
    if (this.completing && name !== 'ctrl-c') {
      this.queue.push(event);
      return;
    }
    if (this.mode === 'ask') this.askKey(event);
    else if (this.mode === 'search') this.historyKeys.searchKey(event);
    else this.editKey(event);
  }

  /** Ctrl-C while a line runs: its signal fires, output not yet shown is dropped, `^C` is left where it stopped. */
  private interrupt(): void {
    this.queue = [];
    this.runs.interrupt();
    this.output.emit('^C\n');
  }

  private editKey(event: KeyEvent): void {
    const menu = this.menu;
    this.hint = undefined;
    if (!('key' in event && (event.key === 'tab' || event.key === 'shift-tab'))) this.menu = undefined;
    if (!('key' in event && (event.key === 'tab' || event.key === 'shift-tab'))) this.tabKeys.cancel();
    if ('text' in event) {
      this.edit = insert(this.edit, cleanInput(event.text, 'pasted' in event));
      // `git ` typed: what completing git's words needs starts loading now, not at the first Tab.
      const command = /^\s*([^\s'"\\|;&<>()$`]+) $/.exec(this.edit.text)?.[1];
      if (command !== undefined && this.edit.cursor === this.edit.text.length) this.tabKeys.prepare(command);
      return;
    }
    const { text, cursor } = this.edit;
    const atEnd = cursor === text.length;
    switch (event.key) {
      case 'enter':
        // While Tab cycles through matches, Enter takes the one in the line and closes the list (fish): it does not run the line.
        if (menu && menu.selected >= 0 && sameEdit(menu.shown, this.edit)) return;
        this.submit();
        return;
      case 'tab':
      case 'shift-tab':
        if (menu && sameEdit(menu.shown, this.edit)) {
          this.tabKeys.cycle(menu, event.key === 'tab' ? 1 : -1);
          return;
        }
        this.menu = undefined;
        if (event.key === 'tab') void this.tab();
        return;
      case 'up':
        this.historyKeys.walk(-1);
        return;
      case 'down':
        this.historyKeys.walk(1);
        return;
      case 'ctrl-r':
        this.historyKeys.startSearch();
        return;
      case 'ctrl-c':
        if (text === '') this.hint = LEAVE_HINT;
        else this.echo(text, this.prompt, '^C');
        this.edit = empty;
        this.historyKeys.reset();
        return;
      case 'ctrl-d':
        if (text === '') this.leave(0);
        else this.edit = edit(this.edit, 'delete') ?? this.edit;
        return;
      case 'ctrl-l':
        // Everything goes, the live element of the last command too; the prompt is drawn again at the top.
        this.live = undefined;
        this.changed();
        this.clearScreen();
        return;
      case 'right':
      case 'ctrl-f':
      case 'end':
      case 'ctrl-e': {
        const suggestion = atEnd ? this.suggestion() : undefined;
        if (suggestion) {
          this.edit = { text: text + suggestion, cursor: text.length + suggestion.length };
          return;
        }
        break;
      }
      case 'alt-f': {
        // One word of the suggestion (fish's Alt-F / Alt-Right).
        const suggestion = atEnd ? this.suggestion() : undefined;
        if (suggestion) {
          const full = text + suggestion;
          const to = wordRight(full, cursor);
          this.edit = { text: full.slice(0, to), cursor: to };
          return;
        }
        break;
      }
    }
    const next = edit(this.edit, event.key);
    if (next) this.edit = next;
  }

  private askKey(event: KeyEvent): void {
    const ask = this.ask;
    if (!ask) return;
    if ('text' in event) {
      ask.edit = insert(ask.edit, cleanInput(event.text).replace(/\n/g, ' '));
      return;
    }
    if (event.key === 'ctrl-c') {
      this.shell.interrupt();
      return;
    }
    if (event.key === 'enter') {
      const answer = ask.edit.text === '' ? ask.fallback : ask.edit.text;
      this.output.push('out', `${ask.question} ${answer}`);
      this.ask = undefined;
      this.mode = 'running';
      ask.resolve(answer);
      return;
    }
    const next = edit(ask.edit, event.key);
    if (next) ask.edit = next;
  }

  private async tab(): Promise<void> {
    this.completing = true;
    const hold = setTimeout(() => {
      if (!this.completing) return;
      this.completing = false;
      this.replay();
      this.changed();
    }, HOLD_KEYS_MS);
    try {
      await this.tabKeys.complete();
    } finally {
      clearTimeout(hold);
    }
    if (this.completing) {
      this.completing = false;
      this.replay();
    }
    this.changed();
  }

  /** Keys typed while a command ran or a completion was worked out, in order. */
  private replay(): void {
    const queued = this.queue;
    this.queue = [];
    for (const event of queued) this.key(event);
  }

  // ---- running ------------------------------------------------------------------

  /** Enter: continue an unfinished line, or run it (a pasted text: its lines, in order). */
  submit(): void {
    const typed = this.edit.text;
    if (isIncomplete(typed)) {
      this.edit = { text: `${typed}\n`, cursor: typed.length + 1 };
      return;
    }
    this.freezeLive();
    const history = this.shell.history;
    const text = expandBang(typed, history.all().at(-1));
    this.echo(text, this.prompt);
    this.edit = empty;
    if (text.trim() !== '') history.add(text);
    this.historyKeys.reset();
    if (text.trim() === '') {
      this.jobNotes();
      return;
    }
    void this.run(splitLines(text), text);
  }

  /** Run the start-up file before the first line: its output above the prompt, nothing echoed, nothing in the history. */
  async startup(file: string, text: string): Promise<void> {
    await this.runs.run([text], undefined, { file, text });
    this.afterRun();
  }

  /** Move the live element of the previous command into the output, as it looks now. */
  freezeLive(): void {
    this.runs.freezeLive();
  }

  private async run(lines: string[], entry: string): Promise<void> {
    await this.runs.run(lines, entry);
    this.afterRun();
  }

  /** A line ended: the shell leaves (`exit`), or the prompt is back with the keys typed meanwhile. */
  private afterRun(): void {
    if (this.runs.interrupted) this.queue = [];
    const exit = this.shell.state.exitRequested;
    if (exit !== undefined) {
      this.leave(exit);
      if (this.mode === 'exiting') return;
    } else this.leaveWarned = false;
    this.jobNotes();
    this.mode = 'edit';
    this.replay();
    this.changed();
  }

  /** `exit` or Ctrl-D was refused once for stopped jobs (a second in a row leaves). */
  private leaveWarned = false;

  /** What changed in the jobs since the last prompt (`[1]+  Done  sleep 3`), said before the next one. */
  private jobNotes(): void {
    const notes = jobsOf(this.shell)?.notes() ?? [];
    if (notes.length > 0) this.output.push('out', notes.join('\n'));
  }

  /** Leave the shell: freeze what is live, write what is queued, then exit with `status`. */
  leave(status: number): void {
    // Stopped jobs: warn once and stay (as bash); the second time they get SIGHUP and SIGCONT as the shell goes.
    const jobs = jobsOf(this.shell);
    if (jobs && jobs.stopped().length > 0) {
      if (!this.leaveWarned) {
        this.leaveWarned = true;
        this.shell.state.exitRequested = undefined;
        this.output.notice('there are stopped jobs');
        return;
      }
      jobs.hangUp();
    }
    this.freezeLive();
    this.mode = 'exiting';
    this.changed();
    void this.output.drained().then(() => this.options.exit(status));
  }
}
