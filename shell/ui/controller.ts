/**
 * The interactive shell's state and what every key does to it, kept outside
 * React: keys of one input chunk must see each other's effects at once, and
 * the view only needs to re-render after a chunk. The view subscribes.
 */
import type { CompletionRequest, Output, Progress, ProgressOptions, PromptOptions } from '../../plugin-sdk/types.ts';
import { oneLine } from '../errors.ts';
import { isIncomplete } from '../line/parser.ts';
import { isElement, renderValue } from '../render.ts';
import type { Session, Sink } from '../session.ts';
import { applyCompletion, type CompletionSource, complete } from './complete.ts';
import { cleanInput, type EditState, edit, empty, insert, type KeyEvent, keysOf } from './editor.ts';

/** One finished piece of output, shown once in ink's `<Static>`. */
export interface Entry {
  id: number;
  kind: 'out' | 'err' | 'notice' | 'echo' | 'frozen';
  text: string;
  /** For `echo`: the prompt the line was typed at. */
  prompt?: string;
}

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
  /** Leave the shell with this status. */
  exit(status: number): void;
  /** Milliseconds before a running command shows a spinner. */
  spinnerDelay?: number;
}

/** Static output is handed to ink in batches; a new batch (generation) keeps the list short however long the session. */
const BATCH = 200;

export const LEAVE_HINT = 'Ctrl-D or exit to leave';

export class Controller {
  mode: Mode = 'edit';
  edit: EditState = empty;
  /** Matches listed by the last Tab. */
  list: string[] | undefined;
  /** A one-line hint above the prompt, until the next key. */
  hint: string | undefined;
  search: { query: string; index: number; saved: EditState } | undefined;
  running: { line: string; spinner: boolean } | undefined;
  bars: Bar[] = [];
  ask: { question: string; edit: EditState; resolve(answer: string): void; fallback: string } | undefined;
  /** A React element returned by the last command, live until the next line. */
  live: { element: unknown; command: string; id: number } | undefined;
  /** Set by the view: the live element's current look as text (to freeze it into Static). */
  captureLive: (() => string | undefined) | undefined;
  /** Set by the view: clear the terminal. */
  clearScreen: () => void = () => {};
  staticGen = 0;
  staticItems: Entry[] = [];
  /** How many of `staticItems` of `staticGen` ink has written (set by the view after each commit). */
  rendered = { gen: 0, count: 0 };

  private historyIndex: number;
  private draft: EditState = empty;
  private nextId = 0;
  private queue: KeyEvent[] = [];
  private completing = false;
  private listeners = new Set<() => void>();
  private version = 0;

  constructor(
    readonly session: Session,
    readonly options: ControllerOptions,
  ) {
    this.historyIndex = this.history.length;
  }

  get prompt(): string {
    return this.session.prompt;
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

  /** Add finished lines to the output above the prompt. */
  push(kind: Entry['kind'], text: string, prompt?: string): void {
    const entry: Entry = { id: this.nextId++, kind, text };
    if (prompt !== undefined) entry.prompt = prompt;
    const { gen, count } = this.rendered;
    if (this.staticItems.length >= BATCH && gen === this.staticGen && count === this.staticItems.length) {
      this.staticGen++;
      this.staticItems = [entry];
    } else {
      this.staticItems = [...this.staticItems, entry];
    }
    this.changed();
  }

  notice(message: string): void {
    this.push('notice', `tosh: ${message}`);
  }

  /** An output stream whose finished lines go to Static; `flush` ends a partial last line. */
  private stream(kind: 'out' | 'err', alive: () => boolean): Output & { flush(): void } {
    let partial = '';
    const controller = this;
    return {
      write(text: string) {
        if (!alive()) return;
        const lines = (partial + String(text)).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) controller.push(kind, line);
      },
      flush() {
        if (partial !== '') controller.push(kind, partial);
        partial = '';
      },
      isTTY: true,
      get columns() {
        return controller.options.columns();
      },
    };
  }

  // ---- keys -------------------------------------------------------------------

  /** Handle one raw input chunk from the terminal. */
  input(chunk: string): void {
    for (const event of keysOf(chunk)) this.key(event);
    this.changed();
  }

  key(event: KeyEvent): void {
    if (this.mode === 'exiting') return;
    const name = 'key' in event ? event.key : undefined;
    if (this.mode === 'running') {
      if (name === 'ctrl-c') {
        this.queue = [];
        this.session.interrupt();
      } else this.queue.push(event);
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

  private editKey(event: KeyEvent): void {
    const hadList = this.list;
    this.hint = undefined;
    this.list = undefined;
    if ('text' in event) {
      this.setEdit(insert(this.edit, cleanInput(event.text)));
      return;
    }
    const { text, cursor } = this.edit;
    const atEnd = cursor === text.length;
    switch (event.key) {
      case 'enter':
        this.submit();
        return;
      case 'tab':
        this.list = hadList;
        void this.tab();
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
        else this.push('echo', `${text}^C`, this.prompt);
        this.setEdit(empty);
        this.historyIndex = this.history.length;
        return;
      case 'ctrl-d':
        if (text === '') this.leave(0);
        else this.setEdit(edit(this.edit, 'delete') ?? this.edit);
        return;
      case 'ctrl-l':
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
    }
    const next = edit(this.edit, event.key);
    if (next) this.setEdit(next);
  }

  private setEdit(state: EditState): void {
    this.edit = state;
  }

  /** The rest of the newest history entry that starts with the line (fish's autosuggestion). */
  suggestion(): string | undefined {
    const { text, cursor } = this.edit;
    if (this.mode !== 'edit' || cursor !== text.length || text.trim() === '' || text.includes('\n')) return undefined;
    return this.session.historyStore.suggest(text)?.slice(text.length);
  }

  private walkHistory(step: number): void {
    const entries = this.history;
    const index = Math.min(entries.length, Math.max(0, this.historyIndex + step));
    if (index === this.historyIndex) return;
    if (this.historyIndex === entries.length) this.draft = this.edit;
    this.historyIndex = index;
    const text = index === entries.length ? this.draft.text : (entries[index] as string);
    this.setEdit({ text, cursor: text.length });
  }

  private searchKey(event: KeyEvent): void {
    const search = this.search;
    if (!search) return;
    const entries = this.history;
    const find = (query: string, before: number) => {
      const found = this.session.historyStore.search(query, before);
      if (found >= 0) search.index = found;
      else if (query !== search.query) search.index = -1;
      search.query = query;
    };
    if ('text' in event) {
      const query = search.query + cleanInput(event.text);
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
      cwd: session.options.cwd,
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
      this.list = found.items.length > 1 ? found.items : undefined;
    } catch (error) {
      this.hint = `completion failed: ${oneLine(error)}`;
    } finally {
      this.completing = false;
    }
    this.replay();
    this.changed();
  }

  /** Keys typed while a command ran or a completion was worked out, in order. */
  private replay(): void {
    const queued = this.queue;
    this.queue = [];
    for (const event of queued) this.key(event);
  }

  // ---- running ------------------------------------------------------------------

  /** Enter: continue an unfinished line, or run it. */
  submit(): void {
    const text = this.edit.text;
    if (isIncomplete(text)) {
      this.setEdit({ text: `${text}\n`, cursor: text.length + 1 });
      return;
    }
    this.freezeLive();
    this.push('echo', text, this.prompt);
    this.setEdit(empty);
    this.draft = empty;
    if (text.trim() !== '') this.session.historyStore.add(text);
    this.historyIndex = this.history.length;
    if (text.trim() === '') return;
    void this.run(text);
  }

  /** Move the live element of the previous command into Static, as it looks now. */
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
    if (text !== undefined && text !== '') for (const line of text.replace(/\n+$/, '').split('\n')) this.push('frozen', line);
  }

  private async run(line: string): Promise<void> {
    this.mode = 'running';
    this.running = { line, spinner: false };
    let alive = true;
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
          out.write(renderValue(value, { color: this.options.color, columns: this.options.columns() }));
        }
      },
      progress: (options, name) => this.progress(options, name, () => alive),
      ask: (question, options, signal) => this.askUser(question, options, signal),
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
    alive = false;
    this.running = undefined;
    this.bars = [];
    this.ask = undefined;
    if (status === 130) this.queue = [];
    const exit = this.session.exitRequested;
    if (exit !== undefined) return this.leave(exit);
    this.mode = 'edit';
    this.replay();
    this.changed();
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

  /** Leave the shell: freeze what is live, then exit with `status`. */
  leave(status: number): void {
    this.freezeLive();
    this.mode = 'exiting';
    this.changed();
    this.options.exit(status);
  }
}
