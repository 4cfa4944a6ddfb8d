/**
 * The interactive shell on ink. Finished output is written above the live
 * part of the screen as text (see `Controller.emit`); ink draws only the live
 * part: the element of the last command, progress, and the prompt. All state
 * and key handling is in `Controller`; this file only draws it.
 */
import { extendTheme, defaultTheme as inkUiTheme, ProgressBar, Spinner, ThemeProvider } from '@inkjs/ui';
import { Box, type DOMElement, render, Text, useStdin, useStdout } from 'ink';
import React, { useEffect, useLayoutEffect, useRef, useSyncExternalStore } from 'react';
import instances from '../../node_modules/ink/build/instances.js';
import Output from '../../node_modules/ink/build/output.js';
import renderNodeToOutput from '../../node_modules/ink/build/render-node-to-output.js';
import { oneLine } from '../base/errors.ts';
import type { HostRelay } from '../base/host.ts';
import { Controller, type Menu } from './controller.ts';
import { dim, inverse, promptedLines, visibleLength } from './line.ts';
import type { UiShell } from './shell.ts';

export { styles } from './line.ts';

/** Catches what a plugin's element throws while rendering: one red line instead of a broken shell. */
class Boundary extends React.Component<{ command: string; color: boolean; children: React.ReactNode }, { error: unknown }> {
  override state: { error: unknown } = { error: undefined };
  static getDerivedStateFromError(error: unknown) {
    return { error };
  }
  override render() {
    if (this.state.error === undefined) return this.props.children;
    const message = `tosh: ${this.props.command}: cannot render: ${oneLine(this.state.error)}`;
    return this.props.color ? <Text color="red">{message}</Text> : <Text>{message}</Text>;
  }
}

/** What a mounted part of the screen shows now, as text (to freeze a live element into the output). */
function textOf(node: DOMElement): string | undefined {
  const yoga = node.yogaNode;
  if (!yoga) return undefined;
  const output = new Output({ width: yoga.getComputedWidth(), height: yoga.getComputedHeight() });
  renderNodeToOutput(node, output, { offsetX: -yoga.getComputedLeft(), offsetY: -yoga.getComputedTop(), skipStaticElements: true });
  return output
    .get()
    .output.split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}

function Live({ controller }: { controller: Controller }) {
  const ref = useRef<DOMElement>(null);
  const live = controller.live;
  useEffect(() => {
    controller.captureLive = () => (ref.current ? textOf(ref.current) : undefined);
    return () => {
      controller.captureLive = undefined;
    };
  }, [controller]);
  if (!live) return null;
  return (
    <Box ref={ref} flexDirection="column">
      <Boundary key={live.id} command={live.command} color={controller.options.color}>
        {live.element as React.ReactNode}
      </Boundary>
    </Box>
  );
}

function Running({ controller }: { controller: Controller }) {
  const { running, bars } = controller;
  if (!running) return null;
  const columns = controller.options.columns();
  return (
    <Box flexDirection="column">
      {bars.map((bar) => {
        if (!bar.total) return <Spinner key={bar.id} label={bar.label.slice(0, Math.max(1, columns - 3))} />;
        // Narrower than the window, so that shrinking it does not wrap the bar onto a line ink forgets to erase.
        const count = `${bar.current}/${bar.total}`;
        const label = bar.label.slice(0, Math.max(1, Math.floor(columns / 3)));
        const width = Math.max(4, Math.min(24, columns - label.length - count.length - 4));
        return (
          <Box key={bar.id} gap={1}>
            <Text>{label}</Text>
            <Box width={width}>
              <ProgressBar value={Math.min(100, Math.round((bar.current / bar.total) * 100))} />
            </Box>
            <Text>{count}</Text>
          </Box>
        );
      })}
      {bars.length === 0 && running.spinner && !controller.ask ? (
        <Spinner label={running.line.replace(/\n/g, ' ').slice(0, Math.max(1, columns - 3))} />
      ) : null}
    </Box>
  );
}

/** The matches of a Tab, with their descriptions, in as many columns as fit; the one in the line inverted. */
export function menuLines(menu: Menu, columns: number, maxRows: number): string[] {
  const { items, descriptions } = menu;
  const cell = (item: string) => (descriptions[item] ? `${item}  (${descriptions[item]})` : item);
  const widest = Math.max(...items.map((i) => cell(i).length));
  const width = Math.min(columns - 1, widest + 2);
  const perRow = Math.max(1, Math.floor(columns / width));
  const clip = (text: string) => (text.length > width - 1 ? `${text.slice(0, Math.max(1, width - 2))}…` : text);
  const rowsNeeded = Math.ceil(items.length / perRow);
  const rows = Math.min(rowsNeeded, maxRows);
  // Keep the selected item in view when cycling past the rows shown.
  const selectedRow = menu.selected < 0 ? 0 : Math.floor(menu.selected / perRow);
  const firstRow = Math.max(0, Math.min(selectedRow - rows + 1, rowsNeeded - rows));
  const out: string[] = [];
  for (let r = firstRow; r < firstRow + rows; r++) {
    let line = '';
    for (let c = 0; c < perRow; c++) {
      const index = r * perRow + c;
      const item = items[index];
      if (item === undefined) break;
      const text = clip(cell(item));
      const name = text.slice(0, Math.min(item.length, text.length));
      const rest = text.slice(name.length);
      const shown = (index === menu.selected ? inverse(name) : name) + dim(rest);
      line += c === perRow - 1 ? shown : shown + ' '.repeat(Math.max(0, width - text.length));
    }
    out.push(line.trimEnd());
  }
  const hidden = items.length - rows * perRow;
  if (hidden > 0) out.push(dim(`…and ${hidden} more`));
  return out;
}

function Lines({ lines }: { lines: string[] }) {
  return (
    <Box flexDirection="column">
      {lines.map((line, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: lines of one text, in order
        <Text key={i}>{line === '' ? ' ' : line}</Text>
      ))}
    </Box>
  );
}

function Prompt({ controller }: { controller: Controller }) {
  const { mode, edit, search, ask, hint, menu, options } = controller;
  const rows = options.rows?.() ?? 24;
  const known = controller.isKnown;
  if (mode === 'ask' && ask) {
    return <Lines lines={promptedLines(`${ask.question} `, ask.edit.text, { cursor: ask.edit.cursor, color: false, known })} />;
  }
  if (mode === 'search' && search) {
    const matches = controller.searchMatches();
    const label = search.index < 0 && search.query !== '' ? 'failing search' : 'search';
    const lines = [`(${label}) '${search.query}': ${matches[0] ?? ''}${inverse(' ')}`, ...matches.slice(1).map((m) => dim(`  ${m}`))];
    return <Lines lines={lines.map((l) => l.replace(/\n/g, ' '))} />;
  }
  if (mode !== 'edit') return null;
  const menuRows = menu ? Math.max(1, Math.min(8, rows - 4)) : 0;
  const lines = promptedLines(controller.prompt, edit.text, {
    cursor: edit.cursor,
    suggestion: controller.suggestion(),
    color: options.color,
    known,
    // Only what fits on the screen: the rest of a long paste is summed up in a line.
    maxLines: Math.max(1, rows - menuRows - 4),
  });
  if (hint) lines.unshift(dim(hint));
  if (menu) lines.push(...menuLines(menu, options.columns(), menuRows));
  return <Lines lines={lines} />;
}

export function App({ controller }: { controller: Controller }) {
  useSyncExternalStore(controller.subscribe, controller.snapshot);
  const { setRawMode, internal_eventEmitter: events } = useStdin();
  const { write, stdout } = useStdout();
  useEffect(() => {
    setRawMode(true);
    const onInput = (data: string) => {
      // Echo a key at once: ink's own frames are throttled (30 a second), which a typist feels.
      if (controller.input(data)) setImmediate(() => instances.get(stdout)?.onRender());
    };
    events.on('input', onInput);
    return () => {
      events.off('input', onInput);
      setRawMode(false);
    };
  }, [controller, events, setRawMode, stdout]);
  useEffect(() => {
    // ink erases its own lines, writes this, and draws the live part again below it: drawn from the state
    // as it is now (ink's frames are throttled, and the last one may show the line before Enter).
    controller.attach((text) => {
      instances.get(stdout)?.onRender();
      write(text);
    });
    controller.clearScreen = () => write('\u001b[2J\u001b[3J\u001b[H');
    controller.redraw = () => instances.get(stdout)?.onRender();
    controller.release = () => {
      const ink = instances.get(stdout) as unknown as
        | { lastOutput: string; lastOutputToRender: string; lastOutputHeight: number; log: { clear(): void; sync(text: string): void } }
        | undefined;
      if (!ink) return;
      ink.log.clear();
      ink.log.sync('');
      ink.lastOutput = '';
      ink.lastOutputToRender = '';
      ink.lastOutputHeight = 0;
    };
  }, [controller, write, stdout]);
  useLayoutEffect(() => {
    // ink draws at most 30 frames a second, so a frame asked for within 33 ms of the last waits for the
    // throttle: the prompt after a command and the echo of a key are drawn at once instead (command lag).
    // Only while a command runs (progress bars, a spinner) are frames coalesced.
    if (controller.mode === 'running') return;
    const ink = instances.get(stdout) as unknown as
      | { throttledOnRender?: { flush(): void }; throttledLog?: { flush?(): void } }
      | undefined;
    ink?.throttledOnRender?.flush();
    ink?.throttledLog?.flush?.();
  });
  // A program has the terminal: nothing is drawn until it gives it back.
  if (controller.away) return null;
  return (
    <Box flexDirection="column">
      <Live controller={controller} />
      <Running controller={controller} />
      <Prompt controller={controller} />
    </Box>
  );
}

/** @inkjs/ui's widgets without their colours, for NO_COLOR. */
const plainTheme = extendTheme(inkUiTheme, {
  components: {
    Spinner: { styles: { frame: () => ({}) } },
    ProgressBar: { styles: { completed: () => ({}), remaining: () => ({}) } },
  },
});

export function Themed({ controller }: { controller: Controller }) {
  const app = <App controller={controller} />;
  return controller.options.color ? app : <ThemeProvider theme={plainTheme}>{app}</ThemeProvider>;
}

export interface InteractiveOptions {
  watch: boolean;
  /** Starts the plugin watcher; returns what stops it. */
  startWatching?: () => Promise<() => Promise<void>>;
  /** Resolves when `session.start()` (begun by the caller, alongside loading this module) is done. */
  started?: Promise<void>;
  /** The session's driver: the UI attaches to it once it is up (notices given before then wait in it). */
  host: HostRelay;
  /** `$TOSH_HOME/init.tosh`, run before the first line. */
  init?: { file: string; text: string };
  /** Set when the caller drew the hint and first prompt already (`drawFirstPrompt`): what takes that line back. */
  firstPrompt?: string;
}

const PASTE_ON = '\u001b[?2004h';
const PASTE_OFF = '\u001b[?2004l';

/** Give the terminal back as it was found: cooked mode, cursor shown, bracketed paste off. */
function restoreTerminal(): void {
  try {
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
  } catch {}
  try {
    if (process.stdout.isTTY) process.stdout.write(`${PASTE_OFF}\u001b[?25h`);
  } catch {}
}

/** The session as the interactive shell drives it. */
export interface InteractiveShell extends UiShell {
  readonly options: { readonly sink: { readonly color: boolean } } & NonNullable<UiShell['options']>;
  /** The shell is leaving with `status`: its EXIT trap runs; resolves to the status to leave with. */
  leaving?(status: number): Promise<number>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The interactive shell. Resolves to the exit status. */
export async function runInteractive(session: InteractiveShell, options: InteractiveOptions): Promise<number> {
  const color = session.options.sink.color;
  let status = 0;
  let leave: (() => void) | undefined;
  const controller = new Controller(session, {
    color,
    columns: () => process.stdout.columns || 80,
    rows: () => process.stdout.rows || 24,
    exit: (code) => {
      status = code;
      leave?.();
    },
  });
  process.on('exit', restoreTerminal);
  // A terminal that reports no size (some pseudo-terminals) would make ink lay out in zero columns.
  if (!process.stdout.columns) process.stdout.columns = 80;
  if (!process.stdout.rows) process.stdout.rows = 24;
  await (options.started ?? session.start());
  if (options.firstPrompt !== undefined) {
    process.stdout.write(options.firstPrompt);
  } else {
    // Pasted text arrives between ESC[200~ and ESC[201~: it goes into the line, it does not run.
    if (process.stdout.isTTY) process.stdout.write(PASTE_ON);
    controller.greet();
  }
  options.host.attach({
    clear: () => controller.clearScreen(),
    setPrompt: () => controller.refresh(),
    notice: (message) => controller.notice(message),
  });
  // Before ink's own resize handler: a narrower window reflows the lines ink drew into more rows than
  // it will erase (a progress bar left behind); erase them all and let ink draw afresh.
  const onResize = () => {
    const ink = instances.get(process.stdout) as unknown as
      | { lastOutput: string; lastTerminalWidth: number; log: { sync(text: string): void } }
      | undefined;
    const columns = process.stdout.columns || 80;
    if (!ink || columns >= ink.lastTerminalWidth || ink.lastOutput === '') return;
    const rows = ink.lastOutput.split('\n').reduce((sum, line) => sum + Math.max(1, Math.ceil(visibleLength(line) / columns)), 0);
    process.stdout.write(`\r\u001b[2K${'\u001b[1A\u001b[2K'.repeat(rows)}`);
    ink.log.sync('');
  };
  process.stdout.on('resize', onResize);
  const instance = render(<Themed controller={controller} />, { exitOnCtrlC: false });
  leave = () => instance.unmount();
  // The start-up file runs once the view is up (its output is written above the prompt).
  if (options.init) void controller.startup(options.init.file, options.init.text);
  // The watcher's first scan is not needed for the first prompt: start it once the prompt is up.
  let stopWatching: (() => Promise<void>) | undefined;
  const watching =
    options.watch && options.startWatching
      ? options.startWatching().then(
          (stop) => void (stopWatching = stop),
          (error: unknown) => controller.notice(`cannot watch plugins: ${oneLine(error)}`),
        )
      : undefined;
  try {
    await instance.waitUntilExit();
  } catch (error) {
    process.stderr.write(`tosh: ${oneLine(error)}\n`);
    status = 1;
  } finally {
    restoreTerminal();
    status = (await session.leaving?.(status)) ?? status;
    process.off('exit', restoreTerminal);
    process.stdout.off('resize', onResize);
    await watching;
    await stopWatching?.().catch(() => {});
    await session.close();
  }
  return status;
}
