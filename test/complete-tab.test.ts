// Tab's answer arrives after the keys: it is applied only to the line it was asked for (a stale one is dropped),
// and a newer Tab gives up on the older one. TabKeys driven directly, with a command whose hook answers when told.
import { describe, expect, it } from 'vitest';
import type { CommandInfo } from '../plugin-sdk/types.ts';
import type { CompletionSource } from '../shell/complete/commands.ts';
import type { CompletingShell } from '../shell/complete/context.ts';
import { UiState } from '../shell/ui/state.ts';
import { TabKeys } from '../shell/ui/tab.ts';
import { tempDir } from './helpers/tosh.ts';

const slow: CommandInfo = {
  name: 'slow',
  plugin: 'test',
  qualified: 'test:slow',
  shadowed: false,
  description: 'Answers Tab when told',
  args: [{ key: 'thing', display: 'thing', type: 'string', array: false, required: true }],
  flags: [],
  short: {},
  examples: [],
  source: 'test',
};

/** A shell with one command, `slow`, whose complete hook answers with `answer()`'s words when `release` is called. */
function shellWithSlowHook() {
  const releases: ((words: string[]) => void)[] = [];
  const source: CompletionSource = {
    names: () => ['slow'],
    resolve: (word) => (word === 'slow' ? slow : undefined),
    hook: () => new Promise<string[]>((resolve) => releases.push(resolve)),
    cwd: tempDir(),
  };
  const shell: CompletingShell = {
    state: { cwd: source.cwd, env: { PATH: '' }, shellVariables: () => ({}), functions: new Map(), aliases: () => ({}) },
    completion: () => source,
  };
  const asked = async () => {
    while (releases.length === 0) await new Promise((resolve) => setImmediate(resolve));
    return releases.shift() as (words: string[]) => void;
  };
  return { shell, asked };
}

describe('Tab answers that arrive after the keys', () => {
  it('applies an answer to the line it was asked for', async () => {
    const { shell, asked } = shellWithSlowHook();
    const ui = new UiState();
    const tab = new TabKeys(ui, shell);
    ui.edit = { text: 'slow ', cursor: 5 };
    const done = tab.complete();
    (await asked())(['alpha', 'alps']);
    await done;
    expect(ui.edit).toEqual({ text: 'slow alp', cursor: 8 });
    expect(ui.menu?.items).toEqual(['alpha', 'alps']);
  });

  it('drops an answer once the line has changed', async () => {
    const { shell, asked } = shellWithSlowHook();
    const ui = new UiState();
    const tab = new TabKeys(ui, shell);
    ui.edit = { text: 'slow ', cursor: 5 };
    const done = tab.complete();
    const release = await asked();
    // The user typed on while the hook was working.
    ui.edit = { text: 'slow b', cursor: 6 };
    tab.cancel();
    release(['alpha']);
    await done;
    expect(ui.edit).toEqual({ text: 'slow b', cursor: 6 });
    expect(ui.menu).toBeUndefined();
  });

  it('gives up on an older Tab when a newer one starts', async () => {
    const { shell, asked } = shellWithSlowHook();
    const ui = new UiState();
    const tab = new TabKeys(ui, shell);
    ui.edit = { text: 'slow ', cursor: 5 };
    const first = tab.complete();
    const releaseFirst = await asked();
    const second = tab.complete();
    const releaseSecond = await asked();
    releaseSecond(['beta']);
    await second;
    expect(ui.edit).toEqual({ text: 'slow beta ', cursor: 10 });
    releaseFirst(['alpha']);
    await first;
    expect(ui.edit).toEqual({ text: 'slow beta ', cursor: 10 });
  });
});
