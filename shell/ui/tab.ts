/**
 * Tab at the prompt: one match completes inline, several complete their
 * common prefix and are listed with their descriptions, and Tab again cycles
 * through them (fish).
 */
import { oneLine } from '../base/errors.ts';
import { applyCompletion, type CompletionSource, complete } from '../complete/commands.ts';
import type { Menu, UiState } from './state.ts';

export class TabKeys {
  constructor(
    private readonly ui: UiState,
    private readonly source: () => CompletionSource,
  ) {}

  /** Complete the word at the cursor. */
  async complete(): Promise<void> {
    const ui = this.ui;
    const before = ui.edit;
    try {
      const found = await complete(before.text, before.cursor, this.source());
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
      ui.hint = `completion failed: ${oneLine(error)}`;
    }
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
