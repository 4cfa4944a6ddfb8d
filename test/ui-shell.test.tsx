import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../shell/config.ts';
import { loadInkWorld } from '../shell/ink-world.ts';
import { captureSink, Session } from '../shell/session.ts';
import { App } from '../shell/ui/app.tsx';
import { complete } from '../shell/ui/complete.ts';
import { Controller, LEAVE_HINT } from '../shell/ui/controller.ts';
import { fixture, ROOT, tempDir } from './helpers/tosh.ts';

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

async function shell(options: { history?: string[] } = {}) {
  await loadInkWorld();
  const home = tempDir('tosh-ui-home-');
  if (options.history) writeFileSync(join(home, 'history'), `${options.history.join('\n')}\n`);
  // The prompt shows the working directory: `~/work` (home is the temporary TOSH_HOME).
  const cwd = join(home, 'work');
  mkdirSync(join(cwd, 'src'), { recursive: true });
  writeFileSync(join(cwd, 'notes.txt'), '');
  const notices: string[] = [];
  const session = new Session({
    dirs: [
      { dir: join(fixture('ui'), 'plugins'), builtin: false },
      { dir: join(ROOT, 'commands'), builtin: true },
    ],
    home,
    config: defaultConfig(),
    trust: false,
    json: false,
    debug: false,
    interactive: true,
    longLived: false,
    cwd,
    env: { HOME: home },
    sink: captureSink(),
    host: { clear() {}, setPrompt() {}, notice: (m) => notices.push(m) },
  });
  await session.start();
  let exited: number | undefined;
  // Finished output is written above the live part of the screen: the screen is both.
  let written = '';
  const controller = new Controller(session, {
    color: false,
    columns: () => 80,
    exit: (s) => void (exited = s),
    write: (text) => void (written += text),
  });
  const ui = render(<App controller={controller} />);
  mounted.push(ui);
  const screen = () => (written + (ui.lastFrame() ?? '')).replace(ANSI, '');
  /** Wait (with a deadline) until the screen shows `text`. */
  const until = async (text: string | RegExp) => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const now = screen();
      if (typeof text === 'string' ? now.includes(text) : text.test(now)) return now;
      if (Date.now() > deadline) throw new Error(`screen never showed ${String(text)}; it shows:\n${now}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const type = async (...chunks: string[]) => {
    for (const chunk of chunks) {
      ui.stdin.write(chunk);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { session, controller, ui, screen, until, type, exited: () => exited, home, notices };
}

const mounted: { unmount(): void }[] = [];
afterEach(() => {
  for (const ui of mounted.splice(0)) ui.unmount();
});

describe('the prompt and line editor', () => {
  it('shows the prompt, echoes the line with its output above the next prompt', async () => {
    const { type, until } = await shell();
    await until('tosh> ');
    await type('echo hi   there', '\r');
    expect(await until('hi there')).toBe('~/work tosh> echo hi   there\nhi there\n~/work tosh>  ');
  });

  it('edits with Ctrl-A, Alt-F, Ctrl-W, Ctrl-K and Ctrl-U', async () => {
    const { type, until, controller } = await shell();
    await type('echo one two three', '\x01', '\x1bf', '\x1bf', '\x17');
    expect(controller.edit).toEqual({ text: 'echo  two three', cursor: 5 });
    await type('\x0b');
    expect(controller.edit).toEqual({ text: 'echo ', cursor: 5 });
    await type('\x15');
    expect(controller.edit).toEqual({ text: '', cursor: 0 });
    await type('paint x', '\x1b[D', '\x1b[D', '\x7f', '\x1b[3~');
    expect(controller.edit).toEqual({ text: 'painx', cursor: 4 });
    await until('tosh> painx');
  });

  it('continues a line with an open quote or a trailing pipe', async () => {
    const { type, until } = await shell();
    await type("echo 'a", '\r');
    await until("~/work tosh> echo 'a\n      > ");
    await type("b'", '\r');
    expect(await until('a\nb\n~/work tosh>')).toContain("~/work tosh> echo 'a\n      > b'\na\nb\n");
  });

  it('shows red one-line errors and keeps going', async () => {
    const { type, until } = await shell();
    await type('helo', '\r');
    await until("tosh: unknown command 'helo' (did you mean 'help'?)\n~/work [127] tosh>");
  });

  it('clears a typed line on Ctrl-C, and on an empty line says how to leave', async () => {
    const { type, until, controller, exited } = await shell();
    await type('echo never', '\x03');
    await until('tosh> echo never^C\n~/work tosh>');
    expect(controller.edit.text).toBe('');
    await type('\x03');
    await until(`${LEAVE_HINT}\n~/work tosh>`);
    expect(exited()).toBeUndefined();
    await type('\x04');
    expect(exited()).toBe(0);
  });

  it('asks the user through ctx.prompt', async () => {
    const { type, until } = await shell();
    await type('ask', '\r');
    await until('Your name? ');
    await type('Bob', '\r');
    await until('Your name? Bob\nhello Bob\n~/work tosh>');
  });

  it('catches a plugin element that throws while rendering', async () => {
    const { type, until } = await shell();
    await type('broken', '\r');
    await until('tosh: broken: cannot render: this widget is broken\n~/work tosh>');
    await type('echo after', '\r');
    await until('after\n~/work tosh>');
  });
});

describe('history', () => {
  it('walks with Up and Down, and suggests from history', async () => {
    const { type, until, controller } = await shell({ history: ['paint door', 'echo old'] });
    await type('\x1b[A');
    expect(controller.edit.text).toBe('echo old');
    await type('\x1b[A', '\x1b[A');
    expect(controller.edit.text).toBe('paint door');
    await type('\x1b[B', '\x1b[B');
    expect(controller.edit.text).toBe('');
    await type('pa');
    await until('tosh> paint door');
    await type('\x1b[C');
    expect(controller.edit.text).toBe('paint door');
  });

  it('finds with Ctrl-R and runs the match on Enter; the file gets the new line', async () => {
    const { type, until, home } = await shell({ history: ['paint door', 'echo old'] });
    await type('\x12', 'door');
    await until("(search) 'door': paint door");
    await type('\r');
    await until('painted door red x1');
    expect(readFileSync(join(home, 'history'), 'utf8')).toBe('paint door\necho old\npaint door\n');
  });
});

describe('Tab completion', () => {
  it('completes a command name inline', async () => {
    const { type, until, controller } = await shell();
    await type('pai', '\t');
    await until('tosh> paint ');
    expect(controller.edit.text).toBe('paint ');
  });

  it('lists several matches, then completes a flag and an enum value', async () => {
    const { type, until, controller } = await shell();
    await type('paint wall --co', '\t');
    await until('~/work tosh> paint wall --co \n--coats                --color  (The colour)');
    await type('l', '\t');
    expect(controller.edit.text).toBe('paint wall --color ');
    await type('\t');
    await until('blue   green  red');
    await type('g', '\t');
    expect(controller.edit.text).toBe('paint wall --color green ');
    await type('\r');
    await until('painted wall green x1');
  });

  it('offers plugin:command only once a colon is typed (a plugin named like its command completes inline)', async () => {
    const { controller, type } = await shell();
    const source = controller.completionSource();
    expect((await complete('hel', 3, source)).items).toEqual(['help']);
    expect((await complete('help:', 5, source)).items).toEqual(['help:help']);
    await type('histo', '\t');
    expect(controller.edit.text).toBe('history ');
  });

  it('asks the command’s own complete hook, and completes paths', async () => {
    const { session, controller, type } = await shell();
    const source = controller.completionSource();
    expect((await complete('fruit ap', 8, source)).items).toEqual(['apple', 'apricot']);
    expect((await complete('demo:paint x -c ', 16, source)).items).toEqual(['blue', 'green', 'red']);
    expect((await complete('paint ', 6, source)).items).toEqual(['notes.txt', 'src/']);
    expect((await complete('paint x --no', 12, source)).items).toEqual(['--no-glossy']);
    expect((await complete('demo:pa', 7, source)).items).toEqual(['demo:paint']);
    expect(session.registry.names()).toContain('demo:paint');
    await type('paint s', '\t');
    expect(controller.edit.text).toBe('paint src/');
  });
});
