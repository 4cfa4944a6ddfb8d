/**
 * The interactive shell's state and what every key does to it, kept outside
 * React: keys of one input chunk must see each other's effects at once, and
 * the view only needs to re-render after a chunk. The view subscribes.
 *
 * Finished output (echoed lines, what commands print, notices) is not React:
 * it is text queued here and written above the live part of the screen in
 * chunks, yielding between them, so 50,000 lines cost a few writes, memory
 * stays flat, and a Ctrl-C typed during a flood is read and stops it.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import type { CompletionRequest, Output, Progress, ProgressOptions, PromptOptions } from '../../plugin-sdk/types.ts';
import { oneLine } from '../base/errors.ts';
import { applyCompletion, type Completion, type CompletionSource, complete, scan } from '../complete/commands.ts';
import { isIncomplete } from '../line/parser.ts';
import type { Session, Sink } from '../main/session.ts';
import { isElement, renderValue, wrapWords } from '../render/render.ts';
import { programNames } from '../run/programs.ts';
import { cleanInput, type EditState, edit, empty, insert, type KeyEvent, keysOf, wordRight } from './editor.ts';
import { dim, promptedLines, red } from './line.ts';
import { HELP_HINT, promptText, shellCwd } from './prompt.ts';

export { HELP_HINT, shellCwd } from './prompt.ts';

export interface Bar {
  id: number;
  label: string;
  total: number | undefined;
  current: number;
}

export type Mode = 'edit' | 'search' | 'running' | 'ask' | 'exiting';

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

/** Matches listed by Tab; a second Tab cycles through them (fish). */
export interface Menu {
  items: string[];
  descriptions: Record<string, string>;
  /** The line as it was before the first Tab of this menu, and where the completed word is. */
  base: EditState;
  completion: Completion;
  /** The item in the line now, or -1 before cycling starts. */
  selected: number;
  /** The line as the menu left it: any other change ends the menu. */
  shown: EditState;
}

export const LEAVE_HINT = 'Ctrl-D or exit to leave';
/** Said once, above the first prompt of a session. */
/** Output is written in chunks of about this many characters, with a turn of the event loop between them. */
const CHUNK = 64 * 1024;

/** Whether `word` names an executable on PATH (for suggestions read from the history file). */
function onPath(word: string, path: string | undefined): boolean {
  if (!path || word === '' || word.includes('/')) return word.includes('/');
  for (const dir of path.split(delimiter)) {
    try {
      accessSync(join(dir, word), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

export class Controller {
  mode: Mode = 'edit';
  edit: EditState = empty;
  /** Matches listed by the last Tab. */
  menu: Menu | undefined;
  /** A one-line hint above the prompt, until the next key. */
  hint: string | undefined;
  search: { query: string; index: number; saved: EditState } | undefined;
  running: { line: string; spinner: boolean } | undefined;
  bars: Bar[] = [];
  ask: { question: string; edit: EditState; resolve(answer: string): void; fallback: string } | undefined;
  /** A React element returned by the last command, live until the next line. */
  live: { element: unknown; command: string; id: number } | undefined;
  /** Set by the view: the live element's current look as text (to freeze it into the output). */
  captureLive: (() => string | undefined) | undefined;
  /** Set by the view: clear the terminal. */
  clearScreen: () => void = () => {};
  /** Set by the view (`attach`): write finished text above the live part of the screen. */
  private writeAbove: ((text: string) => void) | undefined;
  /** The status of the last line run (shown in the prompt when it is not 0). */
  status = 0;

  private historyIndex: number;
  private draft: EditState = empty;
  /** What Up/Down match history lines against: the text typed before walking (fish). */
  private walkPrefix = '';
  private nextId = 0;
  private queue: KeyEvent[] = [];
  private completing = false;
  private listeners = new Set<() => void>();
  private version = 0;
  /** Bracketed paste in progress: the text so far. */
  private pasting: string | undefined;
  /** Output waiting to be written, and what waits for it to be written. */
  private pending = '';
  private pumpTimer: NodeJS.Immediate | undefined;
  private drainWaiters: (() => void)[] = [];
  /** Ends the running line's output streams (Ctrl-C during a flood). */
  private silence: (() => void) | undefined;
  /** Ctrl-C stopped the running line. */
  private interrupted = false;
  private readonly known = new Map<string, boolean>();

  constructor(
    readonly session: Session,
    readonly options: ControllerOptions,
  ) {
    this.historyIndex = this.history.length;
  }

  /** The prompt as shown: working directory, a failed status, then the configured prompt (`tosh> `). */
  get prompt(): string {
    return promptText(this.session, this.status, this.options.color);
  }

  private get history(): string[] {
    return this.session.historyStore.all();
  }

  // ---- subscription (useSyncExternalStore) ------------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): number => this.version;

  /** Draw again (the prompt changed). */
  refresh(): void {
    this.changed();
  }

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }

  // ---- output -----------------------------------------------------------------

  /** Queue finished text (whole lines) for the output above the prompt. */
  emit(text: string): void {
    if (text === '') return;
    this.pending += text;
    this.pumpTimer ??= setImmediate(() => this.pump());
  }

  /** Where finished output goes from now on (the view, once it is mounted; output before that waits). */
  attach(write: (text: string) => void): void {
    this.writeAbove = write;
    this.pumpTimer ??= setImmediate(() => this.pump());
  }

  private pump(): void {
    this.pumpTimer = undefined;
    if (this.pending === '') {
      this.drainedNow();
      return;
    }
    const write = this.options.write ?? this.writeAbove;
    if (!write) return;
    let cut = this.pending.length;
    if (cut > CHUNK) {
      const newline = this.pending.lastIndexOf('\n', CHUNK);
      cut = newline > 0 ? newline + 1 : CHUNK;
    }
    const chunk = this.pending.slice(0, cut);
    this.pending = this.pending.slice(cut);
    write(chunk);
    // Between chunks the event loop turns: keys (Ctrl-C) are read, and a command still printing goes on.
    if (this.pending !== '') this.pumpTimer = setImmediate(() => this.pump());
    else this.drainedNow();
  }

  private drainedNow(): void {
    for (const waiter of this.drainWaiters.splice(0)) waiter();
  }

  /** A program has the terminal (`vim`, `less`): the UI draws nothing and reads no keys. */
  away = false;

  /** Set by the view: draw now (after coming back). */
  redraw: () => void = () => {};

  /** Set by the view: erase the live part of the screen and forget it, so a program writes where the prompt was. */
  release: () => void = () => {};

  /**
   * Let a program use the terminal as in bash: the output so far is on the
   * screen, the live part is erased, raw mode is off and the shell stops
   * reading keys; afterwards all of it comes back and the prompt is drawn again.
   */
  async handoff<T>(run: () => Promise<T>): Promise<T> {
    await this.drained();
    this.away = true;
    this.release();
    this.changed();
    const stdin = process.stdin;
    const tty = stdin.isTTY === true;
    // ink reads through a 'readable' listener, which keeps the stream reading whatever pause() says:
    // the listeners go, and the handle stops reading, so every key reaches the program.
    const readable = stdin.rawListeners('readable') as ((...args: unknown[]) => void)[];
    const handle = (stdin as unknown as { _handle?: { reading?: boolean; readStop?(): number; readStart?(): number } })._handle;
    if (tty) {
      process.stdout.write('\u001b[?2004l\u001b[?25h');
      stdin.setRawMode(false);
      stdin.removeAllListeners('readable');
      stdin.pause();
      if (handle?.readStop) {
        handle.readStop();
        handle.reading = false;
      }
    }
    try {
      return await run();
    } finally {
      // A program that ended mid-line (`printf abc`, the terminal's own `^C`) keeps that line: a mark and a
      // line's width of spaces wrap onto a fresh line only when the cursor was not at its start (zsh's PROMPT_SP).
      const columns = process.stdout.columns || 80;
      if (process.stdout.isTTY) process.stdout.write(`${this.options.color ? dim('⏎') : '⏎'}${' '.repeat(columns - 1)}\r`);
      if (tty) {
        stdin.setRawMode(true);
        for (const listener of readable) stdin.on('readable', listener);
        if (handle?.readStart && !handle.reading) {
          handle.reading = true;
          handle.readStart();
        }
        process.stdout.write('\u001b[?2004h');
      }
      this.away = false;
      this.changed();
      this.redraw();
    }
  }

  /** Resolves once all queued output is written. */
  drained(): Promise<void> {
    if (this.pending === '' && !this.pumpTimer) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Drop output not yet written (Ctrl-C during a flood). */
  private dropOutput(): void {
    this.pending = '';
    this.silence?.();
  }

  /** Lines of a kind, styled: errors red, notices dim. */
  push(kind: 'out' | 'err' | 'notice' | 'frozen', text: string): void {
    const lines = text.endsWith('\n') ? text : `${text}\n`;
    if (!this.options.color || kind === 'out' || kind === 'frozen') {
      this.emit(lines);
      return;
    }
    const style = kind === 'err' ? red : dim;
    this.emit(
      lines
        .slice(0, -1)
        .split('\n')
        .map((line) => style(line))
        .join('\n') + '\n',
    );
  }

  /** A line as it was typed at its prompt. */
  private echo(text: string, prompt: string, tail = ''): void {
    const lines = promptedLines(prompt, text, { color: this.options.color, known: this.isKnown });
    this.emit(`${lines.join('\n')}${tail}\n`);
  }

  /** Said once above the first prompt. */
  greet(): void {
    this.push('notice', HELP_HINT);
  }

  /**
   * A notice from the shell (`tosh: …`), word-wrapped to the terminal. A failed
   * reload is red, with the source line and a caret under the column, as vite shows it.
   */
  notice(message: string): void {
    const columns = this.options.columns();
    const text = `tosh: ${message}`;
    const wrapped = wrapWords(text, columns, 6);
    if (!/failed|refused|cannot|error/i.test(message)) {
      this.push('notice', wrapped);
      return;
    }
    this.push('err', wrapped);
    const failed = /^reload of \S+ failed: (.+?):(\d+):(\d+) /.exec(message);
    if (!failed) return;
    const [, file, line, column] = failed;
    try {
      const source = readFileSync(resolve(shellCwd(this.session), file as string), 'utf8').split('\n')[Number(line) - 1];
      if (source === undefined) return;
      const number = `${line} | `;
      const caret = `${' '.repeat(number.length + Math.max(0, Number(column) - 1))}^`;
      this.emit(`${dim(number)}${source.slice(0, columns - number.length)}\n${this.options.color ? red(caret) : caret}\n`);
    } catch {
      // No source to show: the message alone says where.
    }
  }

  /** An output stream of the running line; `flush` ends a partial last line. */
  private stream(kind: 'out' | 'err', alive: () => boolean): Output & { flush(): void } {
    let partial = '';
    const controller = this;
    return {
      write(text: string) {
        if (!alive()) return;
        const all = partial + String(text);
        const end = all.lastIndexOf('\n');
        if (end < 0) {
          partial = all;
          return;
        }
        partial = all.slice(end + 1);
        controller.push(kind, all.slice(0, end + 1));
      },
      flush() {
        if (partial !== '' && alive()) controller.push(kind, partial);
        partial = '';
      },
      isTTY: true,
      get columns() {
        return controller.options.columns();
      },
    };
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
      else this.queue.push(event);
      return;
    }
    if (this.completing && name !== 'ctrl-c') {
      this.queue.push(event);
      return;
    }
    if (this.mode === 'ask') this.askKey(event);
    else if (this.mode === 'search') this.searchKey(event);
    else this.editKey(event);
  }

  /** Ctrl-C while a line runs: its signal fires, output not yet shown is dropped, `^C` is left where it stopped. */
  private interrupt(): void {
    this.queue = [];
    this.session.interrupt();
    this.dropOutput();
    this.emit('^C\n');
    this.interrupted = true;
  }

  private editKey(event: KeyEvent): void {
    const menu = this.menu;
    this.hint = undefined;
    if (!('key' in event && (event.key === 'tab' || event.key === 'shift-tab'))) this.menu = undefined;
    if ('text' in event) {
      this.setEdit(insert(this.edit, cleanInput(event.text, 'pasted' in event)));
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
          this.cycle(menu, event.key === 'tab' ? 1 : -1);
          return;
        }
        this.menu = undefined;
        if (event.key === 'tab') void this.tab();
        return;
      case 'up':
        this.walkHistory(-1);
        return;
      case 'down':
        this.walkHistory(1);
        return;
      case 'ctrl-r':
        this.search = { query: '', index: this.history.length, saved: this.edit };
        this.mode = 'search';
        return;
      case 'ctrl-c':
        if (text === '') this.hint = LEAVE_HINT;
        else this.echo(text, this.prompt, '^C');
        this.setEdit(empty);
        this.historyIndex = this.history.length;
        return;
      case 'ctrl-d':
        if (text === '') this.leave(0);
        else this.setEdit(edit(this.edit, 'delete') ?? this.edit);
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
          this.setEdit({ text: text + suggestion, cursor: text.length + suggestion.length });
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
          this.setEdit({ text: full.slice(0, to), cursor: to });
          return;
        }
        break;
      }
    }
    const next = edit(this.edit, event.key);
    if (next) this.setEdit(next);
  }

  private setEdit(state: EditState): void {
    this.edit = state;
  }

  /** A command word the shell can run: a plugin's or built-in command, or a program on PATH. */
  isKnown = (word: string): boolean => {
    if (this.session.registry.resolve(word) !== undefined || this.session.aliasTable.has(word)) return true;
    let known = this.known.get(word);
    if (known === undefined) {
      known = onPath(word.startsWith('^') ? word.slice(1) : word, this.session.env.PATH);
      if (this.known.size > 500) this.known.clear();
      this.known.set(word, known);
    }
    return known;
  };

  /**
   * The rest of the newest history line that starts with the line (fish's
   * autosuggestion): only lines that succeeded, and (for lines from earlier
   * sessions, whose status is not kept) whose command still exists.
   */
  suggestion(): string | undefined {
    const { text, cursor } = this.edit;
    if (this.mode !== 'edit' || cursor !== text.length || text.trim() === '' || text.includes('\n') || text.length > 1000) return undefined;
    const accept = (entry: string) => {
      const first = scan(entry).find((p) => p.kind === 'word');
      return first !== undefined && this.isKnown(first.value);
    };
    return this.session.historyStore.suggest(text, accept)?.slice(text.length);
  }

  /** Up/Down: history lines that start with what was typed before walking (all of them for an empty line). */
  private walkHistory(step: number): void {
    const entries = this.history;
    if (this.historyIndex >= entries.length) {
      this.draft = this.edit;
      this.walkPrefix = this.edit.text;
    }
    const shown = this.edit.text;
    let index = this.historyIndex;
    for (;;) {
      index += step;
      if (index < 0) return;
      if (index >= entries.length) {
        index = entries.length;
        break;
      }
      const entry = entries[index] as string;
      if (entry.startsWith(this.walkPrefix) && entry !== shown) break;
    }
    if (index === this.historyIndex) return;
    this.historyIndex = index;
    const text = index === entries.length ? this.draft.text : (entries[index] as string);
    this.setEdit({ text, cursor: text.length });
  }

  /** Ctrl-R: the matches shown under the search line, newest first, the current one first. */
  searchMatches(limit = 5): string[] {
    const search = this.search;
    if (!search || search.index < 0 || search.query === '') return [];
    const entries = this.history;
    const seen = new Set<string>();
    const out: string[] = [];
    for (let i = Math.min(search.index, entries.length - 1); i >= 0 && out.length < limit; i--) {
      const entry = entries[i] as string;
      if (entry.includes(search.query) && !seen.has(entry)) {
        seen.add(entry);
        out.push(entry);
      }
    }
    return out;
  }

  private searchKey(event: KeyEvent): void {
    const search = this.search;
    if (!search) return;
    const entries = this.history;
    const find = (query: string, before: number) => {
      let found = this.session.historyStore.search(query, before);
      // Skip older copies of the line already shown.
      const current = search.index >= 0 ? entries[search.index] : undefined;
      while (found >= 0 && query === search.query && entries[found] === current) found = this.session.historyStore.search(query, found);
      if (found >= 0) search.index = found;
      else if (query !== search.query) search.index = -1;
      search.query = query;
    };
    if ('text' in event) {
      const query = search.query + cleanInput(event.text).replace(/\n/g, ' ');
      find(query, search.index >= 0 ? search.index + 1 : entries.length);
      return;
    }
    const match = search.index >= 0 && search.index < entries.length ? (entries[search.index] as string) : undefined;
    switch (event.key) {
      case 'ctrl-r':
        if (search.query !== '') find(search.query, search.index >= 0 ? search.index : entries.length);
        return;
      case 'backspace':
        find(search.query.slice(0, -1), entries.length);
        return;
      case 'ctrl-c':
      case 'ctrl-g':
      case 'escape':
        this.mode = 'edit';
        this.setEdit(search.saved);
        this.search = undefined;
        return;
      case 'enter':
        this.mode = 'edit';
        this.search = undefined;
        if (match !== undefined) this.setEdit({ text: match, cursor: match.length });
        this.submit();
        return;
      default: {
        this.mode = 'edit';
        this.search = undefined;
        if (match !== undefined) {
          this.historyIndex = search.index;
          this.setEdit({ text: match, cursor: match.length });
        }
        const next = edit(this.edit, event.key);
        if (next) this.setEdit(next);
      }
    }
  }

  private askKey(event: KeyEvent): void {
    const ask = this.ask;
    if (!ask) return;
    if ('text' in event) {
      ask.edit = insert(ask.edit, cleanInput(event.text).replace(/\n/g, ' '));
      return;
    }
    if (event.key === 'ctrl-c') {
      this.session.interrupt();
      return;
    }
    if (event.key === 'enter') {
      const answer = ask.edit.text === '' ? ask.fallback : ask.edit.text;
      this.push('out', `${ask.question} ${answer}`);
      this.ask = undefined;
      this.mode = 'running';
      ask.resolve(answer);
      return;
    }
    const next = edit(ask.edit, event.key);
    if (next) ask.edit = next;
  }

  // ---- completion ---------------------------------------------------------------

  completionSource(): CompletionSource {
    const session = this.session;
    return {
      names: () => session.registry.names(),
      programs: () => [...Object.keys(session.aliases()), ...programNames(session.env)],
      resolve: (word) => session.resolve(word),
      hook: (word: string, request: CompletionRequest) => {
        const resolved = session.registry.resolve(word);
        if (!resolved?.spec.hasComplete) return undefined;
        return (async () => {
          const instance = await session.activate(resolved.record);
          const command = instance.definition.commands[resolved.name];
          if (!command?.complete) return [];
          const ctx = session.context(instance, resolved.name, this.quietSink(), new AbortController().signal);
          return command.complete(request, ctx);
        })();
      },
      cwd: shellCwd(session),
    };
  }

  private quietSink(): Sink {
    const nothing: Output = { write() {}, isTTY: false, columns: this.options.columns() };
    return {
      out: nothing,
      err: nothing,
      color: false,
      value() {},
      progress: () => ({ update() {}, tick() {}, done() {} }),
    };
  }

  private async tab(): Promise<void> {
    const before = this.edit;
    this.completing = true;
    try {
      const found = await complete(before.text, before.cursor, this.completionSource());
      const applied = applyCompletion(before.text, found);
      if (applied) this.setEdit({ text: applied.text + before.text.slice(before.cursor), cursor: applied.cursor });
      if (found.items.length > 1) {
        this.menu = {
          items: found.items,
          descriptions: found.descriptions ?? {},
          base: before,
          completion: found,
          selected: -1,
          shown: this.edit,
        };
      }
    } catch (error) {
      this.hint = `completion failed: ${oneLine(error)}`;
    } finally {
      this.completing = false;
    }
    this.replay();
    this.changed();
  }

  /** The next (or previous) listed match into the line. */
  private cycle(menu: Menu, step: number): void {
    const n = menu.items.length;
    menu.selected = menu.selected < 0 ? (step > 0 ? 0 : n - 1) : (menu.selected + step + n) % n;
    const item = menu.items[menu.selected] as string;
    const { base, completion } = menu;
    const applied = applyCompletion(base.text, { ...completion, items: [item] });
    if (applied) this.setEdit({ text: applied.text + base.text.slice(base.cursor), cursor: applied.cursor });
    menu.shown = this.edit;
    this.menu = menu;
  }

  /** Keys typed while a command ran or a completion was worked out, in order. */
  private replay(): void {
    const queued = this.queue;
    this.queue = [];
    for (const event of queued) this.key(event);
  }

  // ---- running ------------------------------------------------------------------

  /** `!!` outside single quotes: the previous history line (as in bash and zsh). */
  private expandBang(text: string): string {
    if (!text.includes('!!')) return text;
    const previous = this.history.at(-1);
    if (previous === undefined) return text;
    let out = '';
    let last = 0;
    for (const piece of scan(text)) {
      if (piece.kind !== 'word' || !piece.raw.includes('!!')) continue;
      // Replace only where no single quote opened before the `!!` in this word.
      let i = piece.start;
      let inSingle = false;
      for (; i < piece.end; i++) {
        const ch = text[i];
        if (ch === "'") inSingle = !inSingle;
        else if (ch === '\\') i++;
        else if (!inSingle && ch === '!' && text[i + 1] === '!') {
          out += text.slice(last, i) + previous;
          last = i + 2;
          i++;
        }
      }
    }
    return out + text.slice(last);
  }

  /** Enter: continue an unfinished line, or run it (a pasted text: its lines, in order). */
  submit(): void {
    const typed = this.edit.text;
    if (isIncomplete(typed)) {
      this.setEdit({ text: `${typed}\n`, cursor: typed.length + 1 });
      return;
    }
    this.freezeLive();
    const text = this.expandBang(typed);
    this.echo(text, this.prompt);
    this.setEdit(empty);
    this.draft = empty;
    if (text.trim() !== '') this.session.historyStore.add(text);
    this.historyIndex = this.history.length;
    if (text.trim() === '') return;
    void this.run(splitLines(text), text);
  }

  /** Move the live element of the previous command into the output, as it looks now. */
  freezeLive(): void {
    if (!this.live) return;
    let text: string | undefined;
    try {
      text = this.captureLive?.();
    } catch {
      text = undefined;
    }
    if (text === undefined) {
      try {
        text = renderValue(this.live.element, { color: this.options.color, columns: this.options.columns() }).replace(/\n$/, '');
      } catch (error) {
        text = undefined;
        this.push('err', `tosh: ${this.live.command}: cannot render: ${oneLine(error)}`);
      }
    }
    this.live = undefined;
    if (text !== undefined && text.replace(/\n+$/, '') !== '') this.push('frozen', text.replace(/\n+$/, ''));
  }

  private async run(lines: string[], entry: string): Promise<void> {
    this.mode = 'running';
    this.interrupted = false;
    let status = 0;
    for (const line of lines) {
      status = await this.runOne(line);
      if (this.interrupted || this.session.exitRequested !== undefined) break;
    }
    this.status = status;
    this.session.historyStore.setStatus(entry, status);
    this.running = undefined;
    this.bars = [];
    this.ask = undefined;
    if (this.interrupted) this.queue = [];
    const exit = this.session.exitRequested;
    if (exit !== undefined) {
      this.leave(exit);
      return;
    }
    this.mode = 'edit';
    this.replay();
    this.changed();
  }

  private async runOne(line: string): Promise<number> {
    this.running = { line, spinner: false };
    let alive = true;
    this.silence = () => {
      alive = false;
    };
    const out = this.stream('out', () => alive);
    const err = this.stream('err', () => alive);
    const command = line.trim().split(/\s+/)[0] ?? '';
    const sink: Sink = {
      out,
      err,
      color: this.options.color,
      value: (value) => {
        if (!alive) return;
        if (isElement(value)) {
          out.flush();
          this.freezeLive();
          this.live = { element: value, command, id: this.nextId++ };
          this.changed();
        } else {
          out.write(renderValue(value, { color: this.options.color, columns: this.options.columns(), fit: true }));
        }
      },
      progress: (options, name) => this.progress(options, name, () => alive),
      ask: (question, options, signal) => this.askUser(question, options, signal),
      // Programs whose output goes to the terminal get the terminal itself.
      inherit: { stdin: 'inherit' },
      flush: async () => {
        out.flush();
        err.flush();
        await this.drained();
      },
      terminal: (run) => this.handoff(run),
    };
    const timer = setTimeout(() => {
      if (this.running) {
        this.running.spinner = true;
        this.changed();
      }
    }, this.options.spinnerDelay ?? 100);
    let status: number;
    try {
      status = await this.session.runLine(line, sink);
    } catch (error) {
      err.write(`tosh: ${oneLine(error)}\n`);
      status = 1;
    }
    clearTimeout(timer);
    out.flush();
    err.flush();
    if (this.running) this.running.spinner = false;
    this.bars = [];
    this.changed();
    // The prompt comes back once the output is on the screen (or Ctrl-C dropped it).
    await this.drained();
    alive = false;
    this.silence = undefined;
    return this.interrupted ? 130 : status;
  }

  private progress(options: ProgressOptions, command: string, alive: () => boolean): Progress {
    const bar: Bar = { id: this.nextId++, label: options.label ?? command, total: options.total, current: 0 };
    this.bars = [...this.bars, bar];
    this.changed();
    const update = () => {
      if (!alive()) return;
      this.bars = this.bars.map((b) => (b.id === bar.id ? { ...bar } : b));
      this.changed();
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
        this.bars = this.bars.filter((b) => b.id !== bar.id);
        if (alive() && message) this.push('out', message);
        this.changed();
      },
    };
  }

  private askUser(question: string, options: PromptOptions, signal: AbortSignal): Promise<string> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => {
        this.ask = undefined;
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.ask = {
        question,
        edit: empty,
        fallback: options.default ?? '',
        resolve: (answer) => {
          signal.removeEventListener('abort', onAbort);
          resolve(answer);
        },
      };
      this.mode = 'ask';
      this.changed();
    });
  }

  /** Leave the shell: freeze what is live, write what is queued, then exit with `status`. */
  leave(status: number): void {
    this.freezeLive();
    this.mode = 'exiting';
    this.changed();
    void this.drained().then(() => this.options.exit(status));
  }
}

const sameEdit = (a: EditState, b: EditState) => a.text === b.text && a.cursor === b.cursor;

/** A text of several lines (a paste) as the lines to run, in order; a line continued by an open quote or a `|` stays whole. */
export function splitLines(text: string): string[] {
  const out: string[] = [];
  let current: string | undefined;
  for (const line of text.split('\n')) {
    current = current === undefined ? line : `${current}\n${line}`;
    if (!isIncomplete(current)) {
      if (current.trim() !== '') out.push(current);
      current = undefined;
    }
  }
  if (current !== undefined && current.trim() !== '') out.push(current);
  return out;
}
