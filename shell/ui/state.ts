/**
 * The state of the interactive shell that the view draws: the mode, the line
 * being edited, Tab's list, the history search, the running line with its
 * progress bars, a question asked, the live element. The view subscribes
 * (useSyncExternalStore) and re-renders after each input chunk.
 */
import type { Completion } from '../complete/commands.ts';
import type { EditState } from './editor.ts';
import { empty } from './editor.ts';

export interface Bar {
  id: number;
  label: string;
  total: number | undefined;
  current: number;
}

export type Mode = 'edit' | 'search' | 'running' | 'ask' | 'exiting';

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

export interface Search {
  query: string;
  index: number;
  saved: EditState;
}

export interface Ask {
  question: string;
  edit: EditState;
  resolve(answer: string): void;
  fallback: string;
}

export class UiState {
  mode: Mode = 'edit';
  edit: EditState = empty;
  /** Matches listed by the last Tab. */
  menu: Menu | undefined;
  /** A one-line hint above the prompt, until the next key. */
  hint: string | undefined;
  search: Search | undefined;
  running: { line: string; spinner: boolean } | undefined;
  bars: Bar[] = [];
  ask: Ask | undefined;
  /** A React element returned by the last command, live until the next line. */
  live: { element: unknown; command: string; id: number } | undefined;
  /** The status of the last line run (shown in the prompt when it is not 0). */
  status = 0;
  /** A program has the terminal (`vim`, `less`): the UI draws nothing and reads no keys. */
  away = false;
  private nextId = 0;
  private readonly listeners = new Set<() => void>();
  private version = 0;

  /** A fresh id for a live element or a progress bar. */
  id(): number {
    return this.nextId++;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): number => this.version;

  /** Something the view draws changed. */
  changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }
}
