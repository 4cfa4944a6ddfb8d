/**
 * `tosh`: the command line → a session → the mode it asked for (the
 * interactive UI, or `-c`, a script, stdin). The entry of the core bundle.
 */
import { SDK_VERSION } from '../../plugin-sdk/index.ts';
import { oneLine, Status } from '../base/errors.ts';
import { allSettled } from '../base/faults.ts';
import { HostRelay } from '../base/host.ts';
import { pluginColor } from '../plugins/shared-modules.ts';
import { writeChunks } from '../render/render.ts';
import { plainProgress, type Sink } from '../run/sink.ts';
import { loadConfig, toshHome } from '../state/config.ts';
import { readInit } from '../state/init.ts';
import type { InteractiveOptions } from '../ui/app.tsx';
import { drawFirstPrompt, promptText } from '../ui/prompt.ts';
import { type CliOptions, parseCli, USAGE } from './argv.ts';
import { runBatch } from './batch.ts';
import { pluginDirs, startDir } from './dirs.ts';
import {
  colorEnabled,
  drained,
  errorOut,
  exitAfterOutput,
  flushOutput,
  outputFailed,
  outputIsClosed,
  PIPE_CLOSED,
  processOutput,
} from './output.ts';
import { Session, SHELL_VERSION } from './session.ts';
import { installFaultHandlers } from './signals.ts';
import { startWatching } from './watch.ts';

export { flushOutput } from './output.ts';

/**
 * Run tosh with these arguments; resolves to the exit status once all output
 * has been handed to the OS (exiting earlier would drop what a pipe has not
 * taken yet: CONTRACT §11).
 */
export async function main(argv: string[]): Promise<number> {
  // Should this never resolve (a plugin broke what the shell waits with), the process still does not end with 0.
  process.exitCode = Status.failed;
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
    errorOut(`tosh: internal error: ${oneLine(error)}\n`);
    status = Status.failed;
  }
  try {
    process.off('beforeExit', stalled);
    flushOutput();
    await allSettled([drained(process.stdout), drained(process.stderr)]);
  } catch {}
  // A write error on standard output was said when it happened; the run failed, as in bash.
  return outputIsClosed() ? PIPE_CLOSED : outputFailed() && status === 0 ? Status.failed : status;
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
  const interactive =
    options.command === undefined && options.script === undefined && options.complete === undefined && process.stdin.isTTY === true;
  const color = colorEnabled(env, interactive || process.stdout.isTTY === true);
  pluginColor(color);
  const out = processOutput(process.stdout, color);
  const start = startDir(env);
  const home = toshHome(env, start);
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
  // Notices given while plugins load wait for the UI, which word-wraps them above the first prompt.
  const host = new HostRelay(
    interactive
      ? undefined
      : {
          clear: () => {
            if (process.stdout.isTTY) process.stdout.write('\u001b[2J\u001b[3J\u001b[H');
          },
          setPrompt: () => {},
          notice: errorLine,
        },
  );
  const renderOptions = { color, columns: out.columns, fit: out.isTTY };
  const sink: Sink = {
    out,
    err,
    color,
    value: (value, signal) => writeChunks(value, renderOptions, (text) => out.write(text), signal),
    progress: (progressOptions, command) => plainProgress(err, progressOptions, command),
    // Programs write to the shell's own stdout and stderr; lines read from stdin are not theirs to take.
    inherit: { stdin: fromStdin ? 'ignore' : 'inherit' },
    flush: async () => {
      flushOutput();
      await allSettled([drained(process.stdout), drained(process.stderr)]);
    },
  };
  const session = new Session({
    dirs: pluginDirs(options, env, home, config.plugins, start, (message) => host.notice(message)),
    home,
    config,
    trust: options.trust,
    json: options.json,
    debug: options.debug,
    interactive,
    longLived: interactive || (fromStdin && watch),
    cwd: start,
    // A relative TOSH_HOME is where this shell started, for the commands that read it too (`plugins install`).
    env: env.TOSH_HOME && env.TOSH_HOME !== home ? { ...env, TOSH_HOME: home } : env,
    aliases: config.aliases,
    chdirProcess: true,
    sink,
    host,
  });

  installFaultHandlers(session, interactive, errorLine);

  if (options.complete !== undefined) return printCompletions(session, options.complete, options.debug, errorLine);

  if (!interactive) return runBatch(session, options, watch, errorLine);
  // Load plugins while the UI module loads: both are needed for the first prompt.
  // The first prompt shows at once; the UI (react, ink) takes it over when loaded.
  const prompt = promptText({ cwd: session.state.cwd, home: session.state.env.HOME, prompt: session.prompt, status: 0, color });
  const firstPrompt = early ? takeEarlyPrompt(early.line, prompt) : drawFirstPrompt(prompt, color);
  const { loadInkWorld } = await import('../render/ink-world.ts');
  const started = session.start();
  const world = await loadInkWorld();
  const interactiveOptions: InteractiveOptions = { watch, started, host, firstPrompt, startWatching: () => startWatching(session) };
  if (!options.noInit) {
    const init = readInit(home);
    if (init.error) host.notice(init.error);
    if (init.text !== undefined) interactiveOptions.init = { file: init.file, text: init.text };
  }
  return (world.runInteractive as typeof import('../ui/app.tsx').runInteractive)(session, interactiveOptions);
}

/** How long `--complete` waits for a source that ran late before it asks again. */
const LATE_WAIT_MS = 2000;

/**
 * `tosh --complete LINE`: the candidates Tab shows at the end of LINE, one a
 * line (`word<TAB>description`), from the same sources; with `--debug`, each
 * source asked and how long it took, on stderr. Where a source ran past its
 * limit, it is asked again once it is done (the answer of a second Tab).
 */
async function printCompletions(session: Session, line: string, debug: boolean, errorLine: (message: string) => void): Promise<number> {
  await session.start();
  // Plugins' completion specs live in their definitions: evaluate them (the interactive shell does this after loading).
  await allSettled(session.plugins.registry.usable().map((record) => session.plugins.activate(record)));
  const { completeLine, candidateLines } = await import('../complete/line.ts');
  const { lineContext } = await import('../complete/context.ts');
  const { generatorsSettled, prepareExternal, stopCompletion } = await import('../complete/external/index.ts');
  let late = false;
  const report = (source: string, ms: number, outcome: string) => {
    if (outcome.includes('timed out')) late = true;
    if (debug) errorLine(`complete: ${source}: ${ms.toFixed(1)} ms: ${outcome}`);
  };
  const context = lineContext(session, { debug: report });
  // The helpers completion runs do not keep the process alive (a shell must not wait on them): this does, until the answer.
  const alive = setInterval(() => {}, 60_000);
  try {
    // At the prompt, what completing a program needs starts loading once its name and a space are typed: so here.
    const first = /^\s*([^\s'"\\|;&<>()$`]+)\s/.exec(line)?.[1];
    if (first !== undefined && !session.table.resolve(first)) {
      const prepare: Parameters<typeof prepareExternal>[0] = { words: [first, ''], cwd: context.cwd, env: context.env };
      if (context.disabled) prepare.disabled = context.disabled;
      if (context.specFor) prepare.specFor = context.specFor;
      await prepareExternal(prepare);
    }
    let found = await completeLine(line, line.length, context);
    if (late) {
      // A source ran past its limit: at the prompt, the next Tab has its answer. A script gets that one, within a bound.
      late = false;
      await Promise.race([generatorsSettled(), new Promise((resolve) => setTimeout(resolve, LATE_WAIT_MS))]);
      found = await completeLine(line, line.length, context);
    }
    process.stdout.write(candidateLines(found));
  } finally {
    clearInterval(alive);
    stopCompletion();
  }
  return 0;
}

/** The prompt bin/tosh.js drew, redrawn if the core's differs (a config.json it did not read). */
function takeEarlyPrompt(drawn: string, wanted: string): string {
  if (drawn !== wanted) process.stdout.write(`\r\u001b[2K${wanted}`);
  return '\r\u001b[2K';
}
