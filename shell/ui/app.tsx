/**
 * The interactive shell on ink: finished output in `<Static>`, below it the
 * live element of the last command, progress, and the prompt. All state and
 * key handling is in `Controller`; this file only draws it.
 */
import { extendTheme, defaultTheme as inkUiTheme, ProgressBar, Spinner, ThemeProvider } from '@inkjs/ui';
import { Box, type DOMElement, render, Static, Text, useStdin, useStdout } from 'ink';
import React, { useEffect, useLayoutEffect, useRef, useSyncExternalStore } from 'react';
import Output from '../../node_modules/ink/build/output.js';
import renderNodeToOutput from '../../node_modules/ink/build/render-node-to-output.js';
import { oneLine } from '../errors.ts';
import type { Session } from '../session.ts';
import { scan } from './complete.ts';
import { Controller, type Entry } from './controller.ts';

/** Styles as raw SGR codes: they survive where ink's colours are turned off (the cursor must always show). */
const sgr = (on: string, off: string, text: string) => `\u001b[${on}m${text}\u001b[${off}m`;
const inverse = (text: string) => sgr('7', '27', text);
const dim = (text: string) => sgr('2', '22', text);

type Style = 'plain' | 'known' | 'unknown' | 'flag' | 'string' | 'op' | 'comment';
const COLORS: Record<Style, string | undefined> = {
  plain: undefined,
  known: 'green',
  unknown: 'red',
  flag: 'cyan',
  string: 'yellow',
  op: 'magenta',
  comment: 'gray',
};

/** Each character's style: what the line means as typed so far. */
export function styles(line: string, known: (word: string) => boolean): Style[] {
  const out: Style[] = new Array(line.length).fill('plain');
  for (const piece of scan(line)) {
    let style: Style = 'plain';
    if (piece.kind === 'op') style = 'op';
    else if (piece.kind === 'comment') style = 'comment';
    else if (piece.kind === 'word') {
      if (piece.command) style = known(piece.value) ? 'known' : 'unknown';
      else if (piece.quoted) style = 'string';
      else if (piece.raw.startsWith('-')) style = 'flag';
    }
    out.fill(style, piece.start, piece.end);
  }
  return out;
}

interface LineProps {
  text: string;
  /** Where the cursor is drawn, if anywhere. */
  cursor?: number | undefined;
  suggestion?: string | undefined;
  prompt: string;
  color: boolean;
  known: (word: string) => boolean;
}

/** A highlighted line (or lines, for a continued one) with its prompt, cursor and suggestion. */
export function Highlighted({ text, cursor, suggestion, prompt, color, known }: LineProps) {
  const marks = color ? styles(text, known) : [];
  const lines: React.ReactNode[][] = [[]];
  let run = '';
  let runStyle: Style = 'plain';
  let key = 0;
  const flush = () => {
    if (run === '') return;
    const colour = color ? COLORS[runStyle] : undefined;
    (lines.at(-1) as React.ReactNode[]).push(
      colour ? (
        <Text key={key++} color={colour}>
          {run}
        </Text>
      ) : (
        run
      ),
    );
    run = '';
  };
  const emit = (node: React.ReactNode) => {
    flush();
    (lines.at(-1) as React.ReactNode[]).push(<React.Fragment key={key++}>{node}</React.Fragment>);
  };
  // At the end of the line the cursor sits on the suggestion's first character, as in fish.
  const rest = suggestion && cursor === text.length ? suggestion : undefined;
  for (let i = 0; i <= text.length; i++) {
    const ch = text[i];
    if (i === cursor) {
      emit(inverse(ch === undefined ? (rest?.[0] ?? ' ') : ch === '\n' ? ' ' : ch));
      if (ch === '\n') {
        flush();
        lines.push([]);
      }
      continue;
    }
    if (ch === undefined) break;
    if (ch === '\n') {
      flush();
      lines.push([]);
      continue;
    }
    const style = marks[i] ?? 'plain';
    if (style !== runStyle) flush();
    runStyle = style;
    run += ch;
  }
  flush();
  if (rest && rest.length > 1) emit(dim(rest.slice(1)));
  const continuation = '> '.padStart(prompt.length > 2 ? Math.min(prompt.length, 8) : 2);
  return (
    <Box flexDirection="column">
      {lines.map((nodes, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: lines of one text, in order
        <Text key={i}>
          {i === 0 ? prompt : continuation}
          {nodes}
        </Text>
      ))}
    </Box>
  );
}

function EntryView({ entry, color, known }: { entry: Entry; color: boolean; known: (w: string) => boolean }) {
  switch (entry.kind) {
    case 'echo':
      return <Highlighted text={entry.text} prompt={entry.prompt ?? ''} color={color} known={known} />;
    case 'err':
      return color ? <Text color="red">{entry.text}</Text> : <Text>{entry.text}</Text>;
    case 'notice':
      return <Text>{dim(entry.text)}</Text>;
    default:
      return <Text>{entry.text === '' ? ' ' : entry.text}</Text>;
  }
}

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

/** What a mounted part of the screen shows now, as text (to freeze a live element into Static). */
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
  return (
    <Box flexDirection="column">
      {bars.map((bar) =>
        bar.total ? (
          <Box key={bar.id} gap={1}>
            <Text>{bar.label}</Text>
            <Box width={24}>
              <ProgressBar value={Math.min(100, Math.round((bar.current / bar.total) * 100))} />
            </Box>
            <Text>
              {bar.current}/{bar.total}
            </Text>
          </Box>
        ) : (
          <Spinner key={bar.id} label={bar.label} />
        ),
      )}
      {bars.length === 0 && running.spinner && !controller.ask ? <Spinner label={running.line.replace(/\n/g, ' ')} /> : null}
    </Box>
  );
}

function CompletionList({ items, columns }: { items: string[]; columns: number }) {
  const width = Math.min(columns, Math.max(...items.map((i) => i.length)) + 2);
  const perRow = Math.max(1, Math.floor(columns / width));
  const maxRows = 8;
  const rows: string[] = [];
  for (let i = 0; i < items.length && rows.length < maxRows; i += perRow) {
    rows.push(
      items
        .slice(i, i + perRow)
        .map((item) => item.padEnd(width))
        .join('')
        .trimEnd(),
    );
  }
  const shown = Math.min(items.length, maxRows * perRow);
  return (
    <Box flexDirection="column">
      {rows.map((row, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows in order
        <Text key={i}>{row}</Text>
      ))}
      {shown < items.length ? <Text>{dim(`…and ${items.length - shown} more`)}</Text> : null}
    </Box>
  );
}

function Prompt({ controller }: { controller: Controller }) {
  const { mode, edit, search, ask, hint, list, options } = controller;
  const known = (word: string) => controller.session.registry.resolve(word) !== undefined;
  if (mode === 'ask' && ask) {
    return <Highlighted text={ask.edit.text} cursor={ask.edit.cursor} prompt={`${ask.question} `} color={false} known={known} />;
  }
  if (mode === 'search' && search) {
    const match = search.index >= 0 ? controller.session.historyStore.all()[search.index] : undefined;
    const label = search.index < 0 && search.query !== '' ? 'failing search' : 'search';
    return (
      <Text>
        {`(${label}) '${search.query}': `}
        {match ?? ''}
        {inverse(' ')}
      </Text>
    );
  }
  if (mode !== 'edit') return null;
  return (
    <Box flexDirection="column">
      {hint ? <Text>{dim(hint)}</Text> : null}
      <Highlighted
        text={edit.text}
        cursor={edit.cursor}
        suggestion={controller.suggestion()}
        prompt={controller.prompt}
        color={options.color}
        known={known}
      />
      {list ? <CompletionList items={list} columns={options.columns()} /> : null}
    </Box>
  );
}

export function App({ controller }: { controller: Controller }) {
  useSyncExternalStore(controller.subscribe, controller.snapshot);
  const { setRawMode, internal_eventEmitter: events } = useStdin();
  const { write } = useStdout();
  useEffect(() => {
    setRawMode(true);
    const onInput = (data: string) => controller.input(data);
    events.on('input', onInput);
    return () => {
      events.off('input', onInput);
      setRawMode(false);
    };
  }, [controller, events, setRawMode]);
  useEffect(() => {
    // ink erases its own lines, writes this, and draws the prompt again at the top.
    controller.clearScreen = () => write('\u001b[2J\u001b[3J\u001b[H');
  }, [controller, write]);
  useLayoutEffect(() => {
    controller.rendered = { gen: controller.staticGen, count: controller.staticItems.length };
  });
  const { color } = controller.options;
  const known = (word: string) => controller.session.registry.resolve(word) !== undefined;
  return (
    <Box flexDirection="column">
      <Static key={controller.staticGen} items={controller.staticItems}>
        {(entry) => <EntryView key={entry.id} entry={entry} color={color} known={known} />}
      </Static>
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
}

/** Give the terminal back as it was found: cooked mode, cursor shown. */
function restoreTerminal(): void {
  try {
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
  } catch {}
  try {
    if (process.stdout.isTTY) process.stdout.write('\u001b[?25h');
  } catch {}
}

/** The interactive shell. Resolves to the exit status. */
export async function runInteractive(session: Session, options: InteractiveOptions): Promise<number> {
  const color = session.options.sink.color;
  let status = 0;
  let leave: (() => void) | undefined;
  const controller = new Controller(session, {
    color,
    columns: () => process.stdout.columns || 80,
    exit: (code) => {
      status = code;
      leave?.();
    },
  });
  session.options.host = {
    clear: () => controller.clearScreen(),
    setPrompt: () => controller.refresh(),
    notice: (message) => controller.notice(message),
  };
  process.on('exit', restoreTerminal);
  // A terminal that reports no size (some pseudo-terminals) would make ink lay out in zero columns.
  if (!process.stdout.columns) process.stdout.columns = 80;
  if (!process.stdout.rows) process.stdout.rows = 24;
  await (options.started ?? session.start());
  const instance = render(<Themed controller={controller} />, { exitOnCtrlC: false });
  leave = () => instance.unmount();
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
    process.off('exit', restoreTerminal);
    await watching;
    await stopWatching?.().catch(() => {});
    await session.close();
  }
  return status;
}
