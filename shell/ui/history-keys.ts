/**
 * The history at the prompt: Up/Down walk it (with text typed, only lines
 * that start with it), Ctrl-R searches it, and the autosuggestion is the rest
 * of the newest line that starts with what is typed (fish).
 */
import { scan } from '../line/scanner.ts';
import type { History } from '../state/history.ts';
import { cleanInput, type EditState, edit, empty, type KeyEvent } from './editor.ts';
import type { UiState } from './state.ts';

export class HistoryKeys {
  /** Where Up/Down are in the history: its length when not walking. */
  private index: number;
  /** The line typed before walking, to come back to. */
  private draft: EditState = empty;
  /** What Up/Down match history lines against: the text typed before walking (fish). */
  private walkPrefix = '';

  constructor(
    private readonly ui: UiState,
    private readonly history: History,
    /** Whether a word names something that runs (a suggestion whose command is gone is not made). */
    private readonly known: (word: string) => boolean,
    /** Enter in a search: run the match. */
    private readonly submit: () => void,
  ) {
    this.index = this.entries.length;
  }

  private get entries(): string[] {
    return this.history.all();
  }

  /** A line was run or dropped: walking starts again from the newest line. */
  reset(): void {
    this.draft = empty;
    this.index = this.entries.length;
  }

  /**
   * The rest of the newest history line that starts with the line (fish's
   * autosuggestion): only lines that succeeded, and (for lines from earlier
   * sessions, whose status is not kept) whose command still exists.
   */
  suggestion(): string | undefined {
    const { text, cursor } = this.ui.edit;
    if (this.ui.mode !== 'edit' || cursor !== text.length || text.trim() === '' || text.includes('\n') || text.length > 1000)
      return undefined;
    const accept = (entry: string) => {
      const first = scan(entry).find((p) => p.kind === 'word');
      return first !== undefined && this.known(first.value);
    };
    return this.history.suggest(text, accept)?.slice(text.length);
  }

  /** Up/Down: history lines that start with what was typed before walking (all of them for an empty line). */
  walk(step: number): void {
    const entries = this.entries;
    if (this.index >= entries.length) {
      this.draft = this.ui.edit;
      this.walkPrefix = this.ui.edit.text;
    }
    const shown = this.ui.edit.text;
    let index = this.index;
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
    if (index === this.index) return;
    this.index = index;
    const text = index === entries.length ? this.draft.text : (entries[index] as string);
    this.ui.edit = { text, cursor: text.length };
  }

  /** Ctrl-R: start searching. */
  startSearch(): void {
    this.ui.search = { query: '', index: this.entries.length, saved: this.ui.edit };
    this.ui.mode = 'search';
  }

  /** Ctrl-R: the matches shown under the search line, newest first, the current one first. */
  searchMatches(limit = 5): string[] {
    const search = this.ui.search;
    if (!search || search.index < 0 || search.query === '') return [];
    const entries = this.entries;
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

  /** A key while searching. */
  searchKey(event: KeyEvent): void {
    const ui = this.ui;
    const search = ui.search;
    if (!search) return;
    const entries = this.entries;
    const find = (query: string, before: number) => {
      let found = this.history.search(query, before);
      // Skip older copies of the line already shown.
      const current = search.index >= 0 ? entries[search.index] : undefined;
      while (found >= 0 && query === search.query && entries[found] === current) found = this.history.search(query, found);
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
        ui.mode = 'edit';
        ui.edit = search.saved;
        ui.search = undefined;
        return;
      case 'enter':
        ui.mode = 'edit';
        ui.search = undefined;
        if (match !== undefined) ui.edit = { text: match, cursor: match.length };
        this.submit();
        return;
      default: {
        ui.mode = 'edit';
        ui.search = undefined;
        if (match !== undefined) {
          this.index = search.index;
          ui.edit = { text: match, cursor: match.length };
        }
        const next = edit(ui.edit, event.key);
        if (next) ui.edit = next;
      }
    }
  }
}
