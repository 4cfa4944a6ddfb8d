import { readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import chalk from 'chalk';
import { SDK_VERSION } from '../../plugin-sdk/index.ts';
import type { Output } from '../../plugin-sdk/types.ts';
import { oneLine, quote, Status } from '../base/errors.ts';
import { interruptionCount, timers } from '../base/faults.ts';
import { stdoutSpool } from '../base/spool.ts';
import { shellQuote } from '../line/lexer.ts';
import type { PluginDir } from '../plugins/discover.ts';
import { renderValue, stripAnsi } from '../render/render.ts';
import { didYouMean } from '../run/args.ts';
import { loadConfig, toshHome } from '../state/config.ts';
import { drawFirstPrompt, promptText } from '../ui/prompt.ts';
import { type Host, plainProgress, Session, SHELL_VERSION, SIGNAL_EXIT_WAIT_MS, type Sink } from './session.ts';

/** What the command line asked for. */
export interface CliOptions {
  command?: string;
  script?: string;
  /** Words after the script: a command's arguments when the script names a command rather than a file. */
  args: string[];
  plugins: string[];
  watch?: boolean;
  json: boolean;
  errexit: boolean;
  debug: boolean;
  trust: boolean;
  help: boolean;
  version: boolean;
}

const USAGE = `Usage: tosh [options] [script-file]
       tosh [options] COMMAND [ARGS...]   (when COMMAND is not a file)

An interactive, pluggable command shell.

Options:
  -c, --command LINE   run one line, print its output, exit with its status
  --plugins DIR        load plugins from DIR first (repeatable)
  --watch, --no-watch  hot-reload plugins when their files change
  --json               print each pipeline's value as one line of JSON
  -e, --errexit        stop a script at the first failing line
  --trust              load plugins whatever their owner and permissions
  --debug              show stack traces with errors
  --version            print the version
  -h, --help           print this help

With no script and stdin a terminal, tosh starts the interactive shell;
with stdin a pipe, it runs the lines it reads.

A command word is an alias, a built-in or plugin command, else a program
on PATH (^name forces the program; 'which NAME' says which).

Plugin directories, first wins: --plugins, $TOSH_PLUGIN_PATH, "plugins" in
config.json, $TOSH_HOME/plugins, $TOSH_HOME/packages, the built-in commands.
`;

const FLAGS = ['--command', '--plugins', '--watch', '--no-watch', '--json', '--errexit', '--trust', '--debug', '--version', '--help'];

/** A usage error in the command line itself. */
class CliError extends Error {}

export function parseCli(argv: string[]): CliOptions {
  const options: CliOptions = {
    args: [],
    plugins: [],
    json: false,
    errexit: false,
    debug: false,
    trust: false,
    help: false,
    version: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (what: string) => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new CliError(`${name} needs ${what}`);
      return next;
    };
    if (options.script !== undefined) {
      options.args = argv.slice(i);
      break;
    }
    switch (name) {
      case '-c':
      case '--command':
        options.command = value('a line to run');
        break;
      case '--plugins':
        options.plugins.push(value('a directory'));
        break;
      case '--watch':
        options.watch = true;
        break;
      case '--no-watch':
        options.watch = false;
        break;
      case '--json':
        options.json = true;
        break;
      case '-e':
      case '--errexit':
        options.errexit = true;
        break;
      case '--trust':
        options.trust = true;
        break;
      case '--debug':
        options.debug = true;
        break;
      case '--version':
      case '-v':
        options.version = true;
        break;
      case '-h':
      case '--help':
        options.help = true;
        break;
      case '--':
        {
          const next = argv[i + 1];
          if (next !== undefined) options.script = next;
          options.args = argv.slice(i + 2);
          i = argv.length;
        }
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') {
          const near = didYouMean(name, FLAGS);
          throw new CliError(`unknown option ${quote(name)}${near ? ` (did you mean ${quote(near)}?)` : ''}`);
        }
        options.script = arg;
    }
  }
  return options;
}

/**
 * Standard output to a pipe or a file waits in the spool (shared with the
 * watchdog thread, so nothing is lost when a plugin then holds the thread)
 * until the current burst of work yields or the spool fills: one write per
 * burst instead of one per line on stdin. Standard error goes out at once.
 */
let flushScheduled = false;

export function flushOutput(): void {
  flushScheduled = false;
  const bytes = stdoutSpool.take();
  if (bytes && !outputClosed) process.stdout.write(bytes);
}

/** Set once the reader of standard output has gone (`| head -1`): the rest is dropped quietly. */
let outputClosed = false;

/** Note a reader that closed early; any other stream error is not ours to report on that stream. */
function watchStreams(onClosed: () => void): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' && !outputClosed) {
      outputClosed = true;
      onClosed();
    }
  });
  process.stderr.on('error', () => {});
}

/** Resolves once everything written to `stream` has been handed to the OS (a slow reader is waited for). */
export function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable || (stream === process.stdout && outputClosed)) return resolve();
    stream.write('', () => resolve());
  });
}

function enqueue(stream: NodeJS.WriteStream, text: string): void {
  if (stream === process.stderr) {
    // Errors and notices go out now, after the output made before them: a plugin that then holds the
    // thread until the process is ended (CONTRACT §11) must not take its last words with it.
    flushOutput();
    stream.write(text);
    return;
  }
  if (outputClosed) return;
  stdoutSpool.append(text, flushOutput);
  if (!flushScheduled) {
    flushScheduled = true;
    timers.setImmediate(flushOutput);
  }
}

/** A process stream as an SDK `Output`, stripping colour where there must be none. */
function processOutput(stream: NodeJS.WriteStream, color: boolean): Output {
  const send = stream.isTTY
    ? (text: string) => void (outputClosed && stream === process.stdout ? undefined : stream.write(text))
    : (text: string) => enqueue(stream, text);
  return {
    write: (text) => send(color ? text : stripAnsi(text)),
    get isTTY() {
      return stream.isTTY === true;
    },
    get columns() {
      return stream.columns || 80;
    },
  };
}

/** Should output be coloured? `NO_COLOR` wins, then `FORCE_COLOR`, then "is it a terminal". */
export function colorEnabled(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTTY;
}

/** The built-in plugins: the project's `commands/` (beside `shell/` in the source and `dist/` in the bundle). */
const builtinDir = () => fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../commands/' : '../../commands/', import.meta.url));

export function pluginDirs(options: CliOptions, env: NodeJS.ProcessEnv, home: string, extra: string[]): PluginDir[] {
  const fromEnv = (env.TOSH_PLUGIN_PATH ?? '').split(delimiter).filter(Boolean);
  return [
    ...options.plugins.map((dir) => ({ dir, builtin: false })),
    ...fromEnv.map((dir) => ({ dir, builtin: false })),
    ...extra.map((dir) => ({ dir, builtin: false })),
    { dir: join(home, 'plugins'), builtin: false },
    { dir: join(home, 'packages'), builtin: false, packages: true },
    { dir: builtinDir().replace(/\/$/, ''), builtin: true },
  ];
}

/** The status a shell leaves with when the reader of its output went away (as if killed by SIGPIPE). */
const PIPE_CLOSED = 141;

/**
 * Run tosh with these arguments; resolves to the exit status once all output
 * has been handed to the OS (exiting earlier would drop what a pipe has not
 * taken yet: CONTRACT §11).
 */
export async function main(argv: string[]): Promise<number> {
  let status: number;
  // Nothing left to wait for, yet the run has not finished: something the shell itself relies on was broken
  // (a plugin that replaced a global such as setTimeout). Fail loudly rather than leave with status 0.
  const stalled = () => {
    process.stderr.write('tosh: the shell stopped before its work was done (a plugin may have replaced a global it relies on)\n');
    // What is still queued goes out first (exitAfterOutput waits for the pipes, within a bound).
    void exitAfterOutput(Status.failed);
  };
  process.once('beforeExit', stalled);
  try {
    status = await run(argv);
  } catch (error) {
    // The shell's own code threw (through a global a plugin replaced, say): one line, status 1, never a silent 0.
    process.stderr.write(`tosh: internal error: ${oneLine(error)}\n`);
    status = Status.failed;
  } finally {
    process.off('beforeExit', stalled);
    flushOutput();
  }
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  return outputClosed ? PIPE_CLOSED : status;
}

/** Node's own `process.exit`, kept before any plugin runs: the one the shell leaves through. */
export const exitProcess: (status: number) => never = process.exit.bind(process);

/** Leave now, with whatever was written so far handed to the OS. */
async function exitAfterOutput(status: number): Promise<never> {
  flushOutput();
  await Promise.race([Promise.all([drained(process.stdout), drained(process.stderr)]), new Promise((r) => timers.setTimeout(r, 300))]);
  exitProcess(status);
}

async function run(argv: string[]): Promise<number> {
  const env = process.env;
  const stderrColor = colorEnabled(env, process.stderr.isTTY === true);
  const err = processOutput(process.stderr, stderrColor);
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (error) {
    err.write(`tosh: ${(error as Error).message}\n`);
    return Status.usage;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (options.version) {
    process.stdout.write(`tosh ${SHELL_VERSION} (plugin SDK ${SDK_VERSION})\n`);
    return 0;
  }
  const interactive = options.command === undefined && options.script === undefined && process.stdin.isTTY === true;
  const color = colorEnabled(env, interactive || process.stdout.isTTY === true);
  if (!color) chalk.level = 0;
  const out = processOutput(process.stdout, color);
  const home = toshHome(env);
  const { config, error: configError } = loadConfig(home);
  const errorLine = (message: string) => err.write(`tosh: ${message}\n`);
  // bin/tosh.js may have drawn the first prompt already: a message goes above it, on a line of its own.
  const early = interactive ? (globalThis as { __toshEarlyPrompt?: { hint: string; line: string } }).__toshEarlyPrompt : undefined;
  if (configError) {
    if (early) process.stdout.write('\r\u001b[2K');
    errorLine(configError);
    if (early) process.stdout.write(early.line);
  }

  const fromStdin = options.command === undefined && options.script === undefined;
  const watch = options.watch ?? config.watch ?? fromStdin;
  const host: Host = {
    clear: () => {
      if (process.stdout.isTTY) process.stdout.write('\u001b[2J\u001b[3J\u001b[H');
    },
    setPrompt: () => {},
    notice: errorLine,
  };
  const renderOptions = { color, columns: out.columns, fit: out.isTTY };
  const sink: Sink = {
    out,
    err,
    color,
    value: (value) => out.write(renderValue(value, renderOptions)),
    progress: (progressOptions, command) => plainProgress(err, progressOptions, command),
    // Programs write to the shell's own stdout and stderr; lines read from stdin are not theirs to take.
    inherit: { stdin: fromStdin ? 'ignore' : 'inherit' },
    flush: async () => {
      flushOutput();
      await Promise.all([drained(process.stdout), drained(process.stderr)]);
    },
  };
  const session = new Session({
    dirs: pluginDirs(options, env, home, config.plugins),
    home,
    config,
    trust: options.trust,
    json: options.json,
    debug: options.debug,
    interactive,
    longLived: interactive || (fromStdin && watch),
    cwd: process.cwd(),
    env,
    aliases: config.aliases,
    chdirProcess: true,
    sink,
    host,
  });

  installFaultHandlers(session, interactive, errorLine);

  if (interactive) {
    // Load plugins while the UI module loads: both are needed for the first prompt.
    // The first prompt shows at once; the UI (react, ink) takes it over when loaded.
    const firstPrompt = early ? takeEarlyPrompt(early.line, promptText(session, 0, color)) : drawFirstPrompt(session, color);
    const { loadInkWorld } = await import('../render/ink-world.ts');
    // Notices given while plugins load wait for the UI, which word-wraps them above the first prompt.
    const notices: string[] = [];
    host.notice = (message) => notices.push(message);
    const started = session.start();
    const world = await loadInkWorld();
    return world.runInteractive(session, { watch, started, notices, firstPrompt, startWatching: () => startWatching(session) });
  }

  let script: string[] | undefined;
  // `tosh new greet`: a first word that is no file but a command runs as one line, with its arguments.
  let commandLine: string | undefined;
  const cannotRead = (code: string | undefined, message: string) =>
    errorLine(
      `cannot read script ${quote(options.script ?? '')}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : message}`,
    );
  if (options.script !== undefined) {
    try {
      script = readFileSync(options.script, 'utf8').split(/\r?\n/);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' || options.script.includes('/')) {
        cannotRead(code, (error as Error).message);
        return Status.unknownCommand;
      }
      commandLine = [options.script, ...options.args].map(shellQuote).join(' ');
    }
  }

  const interrupted = interruptionCount();
  await session.start();
  // Ctrl-C while a plugin's top level held the start: that plugin is marked failed, and the run ends there.
  if (interruptionCount() !== interrupted) {
    await session.close(SIGNAL_EXIT_WAIT_MS);
    return Status.interrupted;
  }
  if (commandLine !== undefined && !session.registry.resolve(options.script ?? '')) {
    cannotRead('ENOENT', '');
    return Status.unknownCommand;
  }
  const stopWatching = watch ? await startWatching(session) : undefined;
  let status = 0;
  try {
    const line = options.command ?? commandLine;
    // A plugin error reported while a line ran (from a timer, an event…) fails that line.
    let faults = session.faultCount;
    if (line !== undefined) {
      status = await session.runLine(line);
      await settle();
      if (faults !== session.faultCount) status = status || Status.failed;
    } else {
      // readline is loaded only for stdin (it pulls in Node's streams).
      const lines: AsyncIterable<string> | Iterable<string> =
        script ?? process.getBuiltinModule('node:readline').createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
      let stopped = false;
      for await (const line of lines) {
        const trimmed = line.trim();
        if (trimmed === '' || trimmed.startsWith('#')) continue;
        const asyncBefore = session.asyncRuns;
        status = await session.runLine(line);
        // After an async command, one turn of the event loop reports a rejection it left behind, failing
        // this line. The output of a burst of lines waits in the spool (the watchdog writes it if a later line holds the thread).
        if (session.asyncRuns !== asyncBefore) await settle();
        // Ctrl-C stops a script as it would in sh, not just the line it interrupted.
        if (faults !== session.faultCount) status = status || Status.failed;
        faults = session.faultCount;
        if (outputClosed || session.exitRequested !== undefined || status === Status.interrupted || (options.errexit && status !== 0)) {
          stopped = true;
          break;
        }
      }
      // The lines stopped coming before the end of stdin: readline broke (a plugin replaced a global it uses).
      if (!script && !stopped && !process.stdin.readableEnded) {
        errorLine('stopped reading lines before the end of the input (a plugin may have replaced a global the shell relies on)');
        status = Status.failed;
      }
    }
  } finally {
    await stopWatching?.();
    await session.close();
  }
  return session.exitRequested ?? status;
}

/**
 * Signals and errors no code caught. Ctrl-C cancels the running command
 * (status 130); a second one for a command that does not give way ends the
 * shell; with nothing running, Ctrl-C (outside the interactive shell),
 * SIGTERM and SIGHUP leave after each plugin's `dispose`. A plugin's error
 * thrown from a timer or a rejection is reported and the shell goes on.
 */
function installFaultHandlers(session: Session, interactive: boolean, errorLine: (message: string) => void): void {
  // A plugin's dynamic import() goes through vm's main-context loader, which Node 20 flags as
  // experimental on first use: that warning is the shell's business, not the user's output.
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (type === 'ExperimentalWarning' && String(warning).includes('USE_MAIN_CONTEXT_DEFAULT_LOADER')) return;
    emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
  watchStreams(() => session.interrupt());
  // The last line of defence must not throw itself (a plugin may have broken what reporting uses): then one bare line.
  const fault = (error: unknown) => {
    try {
      session.pluginFault(error);
    } catch {
      const text = String(error instanceof Error ? error.message : error);
      const end = text.indexOf('\n');
      process.stderr.write(`tosh: ${end < 0 ? text : text.slice(0, end)}\n`);
    }
  };
  process.on('uncaughtException', fault);
  process.on('unhandledRejection', fault);
  // A plugin's process.exit() would end the shell with its output still held: it throws where it was called
  // instead, so the command (or, from a timer, the plugin) fails with one line. The shell leaves through exitProcess.
  process.exit = ((code?: number | string | null) => {
    throw new Error(`process.exit(${code ?? ''}) cannot end the shell; a command fails with a status by throwing CommandError`);
  }) as typeof process.exit;
  // Whatever ends the process after all, output held in the spool goes out first.
  process.on('exit', flushOutput);
  let leaving = false;
  const leave = async (status: number) => {
    if (leaving) return;
    leaving = true;
    session.interrupt();
    await session.close(SIGNAL_EXIT_WAIT_MS);
    await exitAfterOutput(status);
  };
  const onSigint = () => {
    if (session.stuck) {
      errorLine('the running command does not give way to Ctrl-C: leaving the shell');
      void exitAfterOutput(Status.interrupted);
      return;
    }
    if (session.interrupt() || interactive) return;
    void leave(Status.interrupted);
  };
  session.onSigint = onSigint;
  process.on('SIGINT', onSigint);
  for (const [signal, status] of [
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.on(signal, () => {
      void leave(status);
    });
  }
}

/** The prompt bin/tosh.js drew, redrawn if the core's differs (a config.json it did not read). */
function takeEarlyPrompt(drawn: string, wanted: string): string {
  if (drawn !== wanted) process.stdout.write(`\r\u001b[2K${wanted}`);
  return '\r\u001b[2K';
}

/** Let Node report a promise the line left rejected, so the line it belongs to fails. */
const settle = () => new Promise<void>((resolve) => timers.setImmediate(resolve));

/** How long the shell waits for the plugin directories to be watched before it goes on without hot reload. */
const WATCH_START_MS = 5000;

async function startWatching(session: Session): Promise<() => Promise<void>> {
  const { watchPlugins } = await import('../plugins/watcher.ts');
  const started = watchPlugins(session, (report) => session.notice(report.message));
  // A watcher that never gets ready (a plugin broke a global it relies on) must not hold up the lines.
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = timers.setTimeout(() => resolve(undefined), WATCH_START_MS);
  });
  const stop = await Promise.race([started, late]);
  timers.clearTimeout(timer);
  if (stop) return stop;
  session.notice(`hot reload is off: watching the plugin directories did not start within ${WATCH_START_MS / 1000} s`);
  void started.then((close) => close()).catch(() => {});
  return async () => {};
}
