import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { complete } from '../shell/complete/commands.ts';
import { Session } from '../shell/main/session.ts';
import { loadInkWorld } from '../shell/render/ink-world.ts';
import { captureSink } from '../shell/run/sink.ts';
import { defaultConfig } from '../shell/state/config.ts';
import { App } from '../shell/ui/app.tsx';
import { Controller, HELP_HINT, LEAVE_HINT } from '../shell/ui/controller.ts';
import { fixture, ROOT, tempDir } from './helpers/tosh.ts';

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

async function shell(options: { history?: string[]; write?: (text: string) => void; color?: boolean } = {}) {
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
    color: options.color ?? false,
    columns: () => 80,
    exit: (s) => void (exited = s),
    write: (text) => {
      written += text;
      options.write?.(text);
    },
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
  return { session, controller, ui, screen, until, type, exited: () => exited, home, notices, raw: () => written };
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
    expect(session.table.names()).toContain('demo:paint');
    await type('paint s', '\t');
    expect(controller.edit.text).toBe('paint src/');
  });
});

describe('as fish does', () => {
  it('puts a bracketed paste into the line, newlines included, and runs its lines in order on Enter', async () => {
    const { type, until, controller } = await shell();
    // The paste may arrive in several chunks; nothing runs until Enter.
    await type('\x1b[200~echo one\npaint', ' door\r\n\x1b[201~');
    expect(controller.edit).toEqual({ text: 'echo one\npaint door', cursor: 19 });
    expect(controller.mode).toBe('edit');
    await type('\r');
    await until('one\npainted door red x1\n~/work tosh>');
  });

  it('takes a 100 KB paste in one insert and draws only the lines that fit', async () => {
    const { type, until, controller, ui } = await shell();
    const lines = Array.from({ length: 5000 }, (_, i) => `echo line ${i} ${'x'.repeat(12)}`);
    const text = lines.join('\n');
    expect(text.length).toBeGreaterThan(100_000);
    await type(`\x1b[200~${text}\x1b[201~`);
    expect(controller.edit.text).toBe(text);
    await until('      > … 4980 more lines above\n      > echo line 4980 ');
    expect((ui.lastFrame() ?? '').split('\n').length).toBeLessThanOrEqual(24);
  });

  it('suggests only lines that succeeded, and Alt-F takes one word of it', async () => {
    const { type, until, controller, session } = await shell({ history: ['paint door --coats 2'] });
    await type('paint wal --coats 3', '\r');
    await until('~/work tosh> paint wal --coats 3\npainted wal red x3');
    await type('paint xyz --nope', '\r');
    await until("unknown flag '--nope'");
    await type('pa');
    expect(controller.suggestion()).toBe('int wal --coats 3');
    await type('\x1bf');
    expect(controller.edit.text).toBe('paint');
    await type('\x1bf');
    expect(controller.edit.text).toBe('paint wal');
    expect(session.history.all().at(-1)).toBe('paint xyz --nope');
  });

  it('recalls with Up only the lines that start with what was typed', async () => {
    const { type, controller } = await shell({ history: ['echo one', 'paint door', 'echo two', 'echo two'] });
    await type('pai', '\x1b[A');
    expect(controller.edit.text).toBe('paint door');
    await type('\x1b[A');
    expect(controller.edit.text).toBe('paint door');
    await type('\x1b[B');
    expect(controller.edit.text).toBe('pai');
    await type('\x15echo', '\x1b[A', '\x1b[A');
    expect(controller.edit.text).toBe('echo one');
  });

  it('expands !! to the previous line before running it, and does not store a repeat', async () => {
    const { type, until, session } = await shell();
    await type('echo again', '\r');
    await until('again\n~/work tosh>');
    await type('!! and again', '\r');
    await until('~/work tosh> echo again and again\nagain and again');
    await type("echo '!!'", '\r');
    await until('\n!!\n');
    await type("echo '!!'", '\r');
    await until(/!!\n[\s\S]*!!\n~\/work tosh> {2}$/);
    expect(session.history.all()).toEqual(['echo again', 'echo again and again', "echo '!!'"]);
  });

  it('shows several Ctrl-R matches, newest first', async () => {
    const { type, until } = await shell({ history: ['paint door', 'paint wall', 'echo x', 'paint roof'] });
    await type('\x12', 'paint');
    await until("(search) 'paint': paint roof \n  paint wall\n  paint door");
  });

  it('cycles through Tab matches, with their descriptions, and any other key keeps the one chosen', async () => {
    const { type, until, controller } = await shell();
    await type('paint x --co', '\t');
    await until('--coats                --color  (The colour)');
    await type('\t');
    expect(controller.edit.text).toBe('paint x --coats ');
    await type('\t');
    expect(controller.edit.text).toBe('paint x --color ');
    await type('\t');
    expect(controller.edit.text).toBe('paint x --coats ');
    await type('\x1b[Z');
    expect(controller.edit.text).toBe('paint x --color ');
    await type('g');
    expect(controller.menu).toBeUndefined();
    expect(controller.edit.text).toBe('paint x --color g');
  });

  it('says how to get help once, and shows the status of a failing line in the prompt', async () => {
    const { type, until, controller } = await shell();
    controller.greet();
    await until(`${HELP_HINT}\n~/work tosh>`);
    await type('fail', '\r');
    await until('tosh: demo:fail: it went wrong\n~/work [1] tosh>');
    await type('echo fine', '\r');
    await until('fine\n~/work tosh>');
  });

  it('prints a flood of lines as a few writes and drops what is left on Ctrl-C', async () => {
    const writes: string[] = [];
    const { type, until, controller } = await shell({ write: (text) => writes.push(text) });
    await type('many 50000', '\r');
    await until(/line 50000\n~\/work tosh>/);
    expect(writes.length).toBeLessThan(20);
    writes.length = 0;
    await type('many 400000', '\r');
    await until('line 1\n');
    await type('\x03');
    await until(/\^C\n~\/work \[130\] tosh>/);
    expect(writes.join('')).not.toContain('line 400000\n');
    expect(controller.status).toBe(130);
  });

  it('shows a failed reload in red with its source line and a caret; a good one dim', async () => {
    const { controller, until, home, raw } = await shell({ color: true });
    const file = join(home, 'work', 'bad.ts');
    writeFileSync(file, 'export default {\n  name: 1 +,\n};\n');
    controller.notice('reloaded greet 1.2.1 (14 ms)');
    controller.notice('reload of bad failed: bad.ts:2:12 Unexpected "," (keeping 1.0.0)');
    const shown = await until('^');
    expect(shown).toContain(
      'tosh: reloaded greet 1.2.1 (14 ms)\ntosh: reload of bad failed: bad.ts:2:12 Unexpected "," (keeping 1.0.0)\n2 |   name: 1 +,\n               ^\n',
    );
    expect(raw()).toContain('\u001b[2mtosh: reloaded greet 1.2.1 (14 ms)\u001b[22m');
    expect(raw()).toContain('\u001b[31mtosh: reload of bad failed');
  });
});

describe('built-ins inside the shell', () => {
  it('new gives advice for the shell it runs in, not for the system shell', async () => {
    const { type, until, home } = await shell();
    const dir = join(home, 'mine');
    await type(`new weather --dir ${dir}`, '\r');
    const screen = await until('Test it: ');
    expect(screen).toContain(`Try it:  weather Ada  (if ~/mine is not one of this shell's plugin folders: tosh --plugins ~/mine)\n`);
    expect(screen).toMatch(/Test it: \S*vitest run --root ~\/mine\n/);
    expect(screen).not.toContain("-c 'weather Ada'");
  });
});
