/**
 * Tab at the prompt: one match completes inline, several complete their
 * common prefix and are listed with their descriptions, and Tab again cycles
 * through them (fish). Candidates come from every source (complete/line.ts);
 * the answer is applied only if the line is still the one Tab was pressed on.
 */
import { oneLine } from '../base/errors.ts';
import { applyCompletion } from '../complete/commands.ts';
import { type CompletingShell, lineContext } from '../complete/context.ts';
import { completeLine } from '../complete/line.ts';
import type { EditState } from './editor.ts';
import type { Menu, UiState } from './state.ts';

/** A source slower than this is reported under `--debug`. */
const SLOW_SOURCE_MS = 100;

const sameEdit = (a: EditState, b: EditState) => a.text === b.text && a.cursor === b.cursor;

export class TabKeys {
  /** The Tab being answered: given up on when another starts. */
  private pending: AbortController | undefined;

  constructor(
    private readonly ui: UiState,
    private readonly shell: CompletingShell,
    /** A line for `--debug` (a slow source). */
    private readonly debugLine?: (message: string) => void,
  ) {}

  /** Complete the word at the cursor. An answer that comes after the line changed is dropped. */
  async complete(): Promise<void> {
    const ui = this.ui;
    const before = ui.edit;
    this.pending?.abort();
    const pending = new AbortController();
    this.pending = pending;
    const extra: Parameters<typeof lineContext>[1] = { signal: pending.signal };
    const debugLine = this.debugLine;
    if (debugLine && this.shell.options?.debug) {
      extra.debug = (source, ms, outcome) => {
        if (ms >= SLOW_SOURCE_MS || outcome.includes('timed out')) debugLine(`completion: ${source} took ${ms.toFixed(0)} ms: ${outcome}`);
      };
    }
    try {
      const found = await completeLine(before.text, before.cursor, lineContext(this.shell, extra));
      if (pending.signal.aborted || !sameEdit(ui.edit, before)) return;
      const applied = applyCompletion(before.text, found);
      if (applied) ui.edit = { text: applied.text + before.text.slice(before.cursor), cursor: applied.cursor };
      if (found.items.length > 1) {
        ui.menu = {
          items: found.items,
          descriptions: found.descriptions ?? {},
          base: before,
          completion: found,
          selected: -1,
          shown: ui.edit,
        };
      }
    } catch (error) {
      if (!pending.signal.aborted) ui.hint = `completion failed: ${oneLine(error)}`;
    } finally {
      if (this.pending === pending) this.pending = undefined;
    }
  }

  /** The line changed: the Tab being answered is no longer wanted. */
  cancel(): void {
    this.pending?.abort();
    this.pending = undefined;
  }

  /**
   * A command name was just typed and followed by a space: start loading what
   * completing its arguments needs (its spec, git's own commands), so that the
   * first Tab finds it ready. Never waits, never fails.
   */
  prepare(typed: string): void {
    const context = lineContext(this.shell);
    // An alias is completed as what it stands for (`co` → `git checkout`): prepare that program.
    const command = context.aliases()[typed]?.trim().split(/\s+/)[0] ?? typed;
    if (command === '' || context.source.resolve(command) || context.disabled?.has('specs')) return;
    void import('../complete/external/index.ts')
      .then(({ prepareExternal }) =>
        prepareExternal({
          words: [command, ''],
          cwd: context.cwd,
          env: context.env,
          specFor: (program) => context.specFor?.(program),
          ...(context.disabled ? { disabled: context.disabled } : {}),
        }),
      )
      .catch(() => {});
  }

  /** The next (or previous) listed match into the line. */
  cycle(menu: Menu, step: number): void {
    const ui = this.ui;
    const n = menu.items.length;
    menu.selected = menu.selected < 0 ? (step > 0 ? 0 : n - 1) : (menu.selected + step + n) % n;
    const item = menu.items[menu.selected] as string;
    const { base, completion } = menu;
    const applied = applyCompletion(base.text, { ...completion, items: [item] });
    if (applied) ui.edit = { text: applied.text + base.text.slice(base.cursor), cursor: applied.cursor };
    menu.shown = ui.edit;
    ui.menu = menu;
  }
}
