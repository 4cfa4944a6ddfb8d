/**
 * The whole plugin contract in one file: what a plugin author writes and what
 * the shell hands back to their code. The shell implements these interfaces;
 * nothing here imports the shell.
 */
import type { z } from 'zod';

/** Any zod object schema, as taken by `args` and `flags`. */
export type ObjectSchema = z.ZodObject;

/** The parsed type of an optional schema: `{}` where there is none. */
export type InferOr<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

/**
 * What a command says it gives through a pipe: a zod schema of its value, or
 * `'input'` for "what it was given" (verbs that filter or reorder their input,
 * such as `where`, `sort-by` and `first`).
 * @example z.array(z.object({ name: z.string(), size: z.number() }))
 */
export type OutputSchema = z.ZodType | 'input';

/** The type of `input` inside `run`: what the `input` schema parses to, or `unknown` without one. */
export type InputOf<S> = S extends z.ZodType ? z.output<S> : unknown;

/** What `run` may return: a value the `output` schema accepts (or a promise of one); anything without a schema or with `'input'`. */
export type OutputOf<S> = S extends z.ZodType ? z.input<S> | Promise<z.input<S>> : unknown;

/** A writable text stream: the command's standard output or error. */
export interface Output {
  /**
   * Write text as it is (no newline is added). The promise it returns settles
   * once the text is accepted: await it to write any amount in bounded memory,
   * however slow the reader (backpressure). Ignoring it is fine for a few lines.
   * @example await ctx.stdout.write('working…\n')
   */
  write(text: string): void | Promise<void>;
  /**
   * True when this stream is a terminal (false when piped, redirected or captured).
   * @default false outside a terminal
   */
  readonly isTTY: boolean;
  /** Width of the terminal in columns, or 80 when it is not one. @default 80 */
  readonly columns: number;
}

/** What `ctx.run(line)` gives back: the outcome of another command line, captured. */
export interface RunResult {
  /** 0 on success, 1 on failure, 2 on a usage error, 127 for an unknown command, 130 when interrupted. */
  exitCode: number;
  /** The value returned by the last command of the line (`undefined` when it returned nothing or failed). */
  value: unknown;
  /** Everything the line printed, rendered as plain text. */
  stdout: string;
  /** Error messages the line produced, one per line, as `tosh: <message>`. */
  stderr: string;
}

/** Options for `ctx.progress()`. */
export interface ProgressOptions {
  /**
   * Total amount of work. Without it the progress is a spinner.
   * @example ctx.progress({ total: files.length, label: 'copying' })
   */
  total?: number;
  /** A short label shown beside the bar or spinner. @default the command's name */
  label?: string;
}

/** Options for `ctx.prompt()`. */
export interface PromptOptions {
  /**
   * The answer when the user just presses Enter.
   * @example ctx.prompt('Overwrite? [y/N]', { default: 'n' })
   */
  default?: string;
}

/** A live progress bar (with a `total`) or spinner (without). */
export interface Progress {
  /**
   * Set the amount done so far, and optionally change the label.
   * @example bar.update(3)
   */
  update(current: number, label?: string): void;
  /** Advance by `step`. @default 1 */
  tick(step?: number): void;
  /** Finish: the bar or spinner disappears, and `message` (if any) is printed in its place. */
  done(message?: string): void;
}

/** Everything tosh knows about one command, as data (from the command's schemas). */
export interface CommandInfo {
  /** The command name as typed, such as `hello`. */
  name: string;
  /** The name of the plugin that owns it. */
  plugin: string;
  /** `plugin:command`, which always reaches this command. */
  qualified: string;
  /** True when a plugin of higher precedence owns the plain name. */
  shadowed: boolean;
  /** The command's one-line description (`''` when it has none). */
  description: string;
  /** Positional arguments, in order. */
  args: FieldInfo[];
  /** Flags, by their camelCase key. */
  flags: FieldInfo[];
  /** Short letters and the flag keys they stand for. */
  short: Record<string, string>;
  /** Example lines, as shown by `help COMMAND`. */
  examples: string[];
  /** The plugin's source file or folder, as shown to users. */
  source: string;
  /**
   * What it takes through a pipe, in words, from its `input` schema (absent without one).
   * @example 'a list of records'
   */
  input?: string;
  /**
   * What it gives, in words, from its `output` schema (absent without one).
   * @example 'what it was given'
   */
  output?: string;
  /**
   * The fields of the records it gives (a record, or a list of them), from its
   * `output` schema: what Tab offers after `cmd | where `. Absent when the
   * schema names none, or when it gives what it was given (see `passesInput`).
   */
  fields?: ValueField[];
  /** True when its `output` is `'input'`: it gives what it was given (`where`, `sort-by`, `first`). */
  passesInput?: boolean;
}

/** One field of a record type, as completion offers it. */
export interface ValueField {
  /** The field's dotted path: `name`, `owner.team` for a field of a nested record. */
  path: string;
  /** The values an enum (or a union of literals) field may have. */
  values?: string[];
}

/** One argument or flag, described from its zod schema. */
export interface FieldInfo {
  /** The key in the schema (camelCase for flags). */
  key: string;
  /** What is typed: `name` for an argument, `--kebab-case` for a flag. */
  display: string;
  /** `string`, `number`, `boolean`, `enum`, `literal`, `date`, `bigint`, `unknown`. */
  type: string;
  /** Element type for variadic and repeatable (array) fields. */
  array: boolean;
  /** False when the field has a default or is optional. */
  required: boolean;
  /** The default value, when there is one. */
  default?: unknown;
  /** Allowed values of an enum or literal. */
  values?: string[];
  /** The schema's `.describe(…)` text. */
  description?: string;
}

/** What a plugin looks like from outside, as the `plugins` command shows it. */
export interface PluginInfo {
  /** The plugin's name (its file or folder name when it never loaded). */
  name: string;
  /** Its version (`''` when it never loaded). */
  version: string;
  /** Its description (`''` when it has none). */
  description: string;
  /** The plugin's file or folder, as shown to users. */
  source: string;
  /** Its command names (the ones it defines, shadowed or not). */
  commands: string[];
  /** `loaded`, `failed` (see `error`), or `not loaded`. */
  status: 'loaded' | 'failed' | 'not loaded';
  /** The error that made it fail, or the last failed reload's. */
  error?: string;
  /** When this version was loaded (ms since the epoch). */
  loadedAt?: number;
  /** How many times it has been reloaded this session. */
  reloads: number;
}

/** The outcome of one plugin's reload. */
export interface ReloadReport {
  /** The plugin's name. */
  plugin: string;
  /** False when the reload failed (the previous version, if any, keeps serving). */
  ok: boolean;
  /** The one-line report, as printed: `reloaded greet 1.2.1 (14 ms)`. */
  message: string;
}

/**
 * The shell itself, as commands may use it: its registry, history and session.
 * The built-in commands (`help`, `plugins`, `which`…) are written against this.
 */
export interface ShellApi {
  /** The shell's version. */
  readonly version: string;
  /** The version of the SDK the shell provides. */
  readonly sdkVersion: string;
  /** Every command, sorted by plugin then name. Shadowed ones are included. */
  commands(): CommandInfo[];
  /** The command a name (or `plugin:command`) reaches, if any. */
  resolve(name: string): CommandInfo | undefined;
  /** Every plugin found, loaded or failed. */
  plugins(): PluginInfo[];
  /** Reload every plugin, or the one named. */
  reload(plugin?: string): Promise<ReloadReport[]>;
  /**
   * Load, reload or unload the plugin at `path` (a file or folder in one of the
   * plugin directories, absolute) from what is on disk now, as the watcher does
   * when it sees a change: a new plugin is loaded, a gone one unloaded. Resolves
   * to the one-line report, or undefined when there is no plugin there.
   * @example await ctx.shell.reloadPath(join(dir, 'greet.ts'), { force: true })
   */
  reloadPath(path: string, options?: { force?: boolean }): Promise<ReloadReport | undefined>;
  /**
   * Whether the SDK this shell provides is in `range` (a semver range), as the
   * shell decides for a plugin's `sdk`. An invalid range is false.
   * @example ctx.shell.sdkAccepts('^1.0.0') // true on SDK 1.x
   */
  sdkAccepts(range: string): boolean;
  /** The command history, oldest first. */
  history(): string[];
  /** Leave the shell after this command, with `status` (default: the previous line's). */
  exit(status?: number): void;
  /** Clear the screen (nothing when output is not a terminal). */
  clear(): void;
  /** Change the prompt of the interactive shell for this session. */
  setPrompt(prompt: string): void;
  /** The status of the previous line. */
  readonly lastStatus: number;
  /**
   * The shell's working directory (what `cd` changes; `ctx.cwd` is this when a command starts).
   * @example ctx.shell.cwd // '/home/ada/src'
   */
  readonly cwd: string;
  /**
   * Change the working directory, relative to the current one. Updates `PWD`
   * and `OLDPWD`. Throws an error whose message says why (`x: not a directory`).
   * @example ctx.shell.chdir('..')
   */
  chdir(dir: string): string;
  /**
   * A variable's value: one set by `NAME=value` alone on a line, else an exported one.
   * @example ctx.shell.variable('HOME')
   */
  variable(name: string): string | undefined;
  /**
   * Set a variable, or remove it with `undefined`. Exported variables (and any
   * already in the environment) are what programs and `ctx.env` see.
   * @example ctx.shell.setVariable('EDITOR', 'vim', { export: true })
   */
  setVariable(name: string, value: string | undefined, options?: { export?: boolean }): void;
  /** Export a variable set earlier without `export`; false when there is no such variable. */
  exportVariable(name: string): boolean;
  /** The exported variables. */
  variables(): Record<string, string>;
  /**
   * The shell functions (`name() { …; }`), by name, each with its definition's text.
   * @example Object.keys(ctx.shell.functions())
   */
  functions(): Record<string, string>;
  /**
   * Remove a shell function; false when there was none of that name (`unset -f`).
   * @example ctx.shell.removeFunction('greet')
   */
  removeFunction(name: string): boolean;
  /** The aliases (`alias ll='ls -l'`), by name. */
  aliases(): Record<string, string>;
  /**
   * Define an alias, or remove it with `undefined`. Its value is replaced for
   * the first word of a command, once.
   * @example ctx.shell.setAlias('ll', 'ls -l')
   */
  setAlias(name: string, value: string | undefined): void;
  /**
   * What a command word runs, in the order the shell tries: an alias, a
   * function, a built-in (of the shell language, `plugin` then `''`, or a
   * built-in plugin's) or plugin command, an external program on `PATH`.
   * @example ctx.shell.locate('ls') // { kind: 'external', name: 'ls', path: '/usr/bin/ls' }
   */
  locate(name: string): CommandLocation | undefined;
}

/** What a command word leads to (`which`). */
export type CommandLocation =
  | { kind: 'alias'; name: string; value: string }
  /** A shell function (`name() { …; }`): `source` is its definition. */
  | { kind: 'function'; name: string; source: string }
  | { kind: 'builtin' | 'plugin'; name: string; plugin: string; source: string }
  | { kind: 'external'; name: string; path: string };

/** The second argument of every `run`: the command's view of the shell. */
export interface CommandContext {
  /**
   * Print values, like `console.log`: each rendered as a return value would be,
   * separated by spaces, then a newline.
   * @example ctx.print('copied', n, 'files')
   */
  print(...values: unknown[]): void;
  /**
   * The command's standard output (captured when the command is piped or redirected).
   * @example ctx.stdout.write(`${line}\n`)
   */
  stdout: Output;
  /**
   * The command's standard error: errors and diagnostics never go into pipes.
   * @example ctx.stderr.write('warning: no config, using defaults\n')
   */
  stderr: Output;
  /**
   * Fires when the user presses Ctrl-C: stop work and return (or throw). The
   * line ends with status 130 at once; pass the signal on so the work stops too.
   * @example await fetch(url, { signal: ctx.signal })
   */
  signal: AbortSignal;
  /**
   * Run another command line and get its outcome; nothing is printed.
   * @example const { value } = await ctx.run('ls --json')
   */
  run(line: string): Promise<RunResult>;
  /**
   * A per-plugin map that survives hot reloads of the plugin (module-level
   * variables do not). Shared by all commands of the plugin and its `setup`/`dispose`.
   * @example ctx.store.set('count', ((ctx.store.get('count') as number) ?? 0) + 1)
   */
  store: Map<string, unknown>;
  /**
   * Show a progress bar (with `total`) or spinner (without) while work goes on.
   * Outside a terminal it prints plain lines to standard error instead.
   * @example
   * const bar = ctx.progress({ total: 10, label: 'fetching' });
   * for (let i = 0; i < 10; i++) { await work(i); bar.tick(); }
   * bar.done('fetched 10');
   */
  progress(options?: ProgressOptions): Progress;
  /**
   * Ask the user a question and wait for a line of answer. Only the
   * interactive shell can ask; elsewhere (`-c`, scripts, stdin, pipes inside
   * them) it rejects with `CommandError('no terminal to ask on')`. Ctrl-C
   * rejects it and fires `signal`.
   * @example const name = await ctx.prompt('Your name?', { default: 'Ada' })
   */
  prompt(question: string, options?: PromptOptions): Promise<string>;
  /**
   * The shell's working directory: resolve relative paths the user typed against it.
   * @example const file = path.resolve(ctx.cwd, args.file)
   */
  cwd: string;
  /**
   * The environment variables of the shell.
   * @example const token = ctx.env.GITHUB_TOKEN
   */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * True in the interactive shell, false for `-c`, scripts and stdin.
   * @example if (!ctx.interactive) return rows // no live view in scripts
   */
  interactive: boolean;
  /**
   * True when output may be coloured (a terminal, `NO_COLOR` unset, or `FORCE_COLOR`).
   * @example const title = ctx.color ? chalk.bold(name) : name
   */
  color: boolean;
  /**
   * The name this command was called by, and its plugin and that plugin's version.
   * @example ctx.command.name // 'hello' (or the other name of an alias)
   */
  command: { name: string; plugin: string; version: string };
  /**
   * The shell's registry, history and session.
   * @example ctx.shell.commands().map((c) => c.name)
   */
  shell: ShellApi;
}

/**
 * What `run` receives first: the validated input of this call.
 * @typeParam I - the type of the piped `input` (`unknown` unless the command declares an `input` schema)
 */
export interface RunInput<A, F, I = unknown> {
  /** Positional arguments, parsed and validated by the `args` schema. */
  args: A;
  /** Flags, parsed and validated by the `flags` schema. */
  flags: F;
  /**
   * The value piped in by the previous command of a pipeline (`a | b`), or
   * `undefined`; text when it came from a program. Typed by the command's
   * `input` schema: the shell refuses a pipeline whose stage before gives a
   * type that cannot fit it, before any stage runs; a value of an unknown
   * type (`any`) still reaches `run` unchecked.
   */
  input: I;
  /** The words after the command name, as typed (after quote removal). */
  argv: string[];
}

/** What Tab completion asks a command's own `complete` hook. */
export interface CompletionRequest {
  /** The words typed after the command name, the last one being completed. */
  words: string[];
  /** The partial word being completed (may be ''). */
  current: string;
  /** The argument or flag being completed, when tosh can tell. */
  field?: FieldInfo;
  /**
   * The fields of the records piped in, from the output schema of the command
   * before this one in the pipeline (`tasks | where ` → `title`, `state`, `owner.name`…).
   */
  piped?: ValueField[];
}

/**
 * One command: its schemas, its documentation, and `run`.
 * @typeParam A - the zod object of positional arguments
 * @typeParam F - the zod object of flags
 * @typeParam I - the zod schema of the piped input
 * @typeParam O - the zod schema of the value it gives, or `'input'`
 */
export interface CommandDefinition<
  A extends ObjectSchema | undefined = undefined,
  F extends ObjectSchema | undefined = undefined,
  I extends z.ZodType | undefined = undefined,
  O extends OutputSchema | undefined = undefined,
> {
  /**
   * One line shown by `help`.
   * @example 'Say hello'
   */
  description?: string;
  /**
   * Positional arguments, in key order. A last key with an array schema takes
   * all remaining words. Without `args`, any positional word is a usage error.
   * @default undefined (no arguments)
   * @example z.object({ name: z.string().default('Universe') })
   */
  args?: A;
  /**
   * Flags: `camelCase` keys are typed `--kebab-case`. Booleans take `--x` and
   * `--no-x`; others take `--x value` or `--x=value`; arrays may repeat.
   * Text is coerced to the schema's type (write `z.number()`, not `z.coerce`).
   * @default undefined (no flags)
   * @example z.object({ loud: z.boolean().default(false).describe('Shout it') })
   */
  flags?: F;
  /**
   * What the command takes through a pipe (`a | this`): `run`'s `input` is
   * typed by it. It describes the command to the shell (a pipeline whose
   * stages do not fit can be refused before it runs) and to `help`.
   * @default undefined (takes anything, or nothing: `input` is `unknown`)
   * @example z.array(z.record(z.string(), z.unknown())) // a list of records
   */
  input?: I;
  /**
   * What the command gives to the next stage: a zod schema of its value
   * (`run` must return what it accepts), or `'input'` when it gives what it
   * was given (`where`, `sort-by`, `first`).
   * @default undefined (nothing is said: any value)
   * @example z.array(z.object({ name: z.string(), size: z.number() }))
   */
  output?: O;
  /**
   * Single letters standing for flags.
   * @default {}
   * @example { l: 'loud' }
   */
  short?: Record<string, F extends ObjectSchema ? keyof z.output<F> & string : never>;
  /**
   * Example lines shown by `help <command>`.
   * @example ['hello Ada --loud']
   */
  examples?: string[];
  /**
   * Its words are an expression with comparisons: a `<` or `>` typed among
   * them is text for the command, not one of the shell's redirects, so
   * `where size > 10kb` needs no quotes. (Its output can still go to a file
   * through a pipe: `… | where a > 1 | save out.json`.)
   * @default false
   */
  comparisons?: boolean;
  /**
   * Leave the command out of `help`'s list (it still runs and shows its own help).
   * @default false
   */
  hidden?: boolean;
  /**
   * Offer completions for Tab beyond what the schemas imply (enum values and
   * paths are completed for you).
   * @example complete: ({ current }) => ['red', 'green'].filter((c) => c.startsWith(current))
   */
  complete?(request: CompletionRequest, ctx: CommandContext): string[] | Promise<string[]>;
  /**
   * Do the work. May be async. The return value is shown: a string as is, a
   * number or boolean as text, an array of plain objects as a table, a plain
   * object as `key: value` lines, a React element rendered with ink,
   * `undefined` as nothing. Throw `CommandError` to fail with a message.
   * With an `output` schema, TypeScript checks the return value against it.
   * @example run({ args, flags }, ctx) { return flags.loud ? args.name.toUpperCase() : args.name }
   */
  run(input: RunInput<InferOr<A>, InferOr<F>, InputOf<I>>, ctx: CommandContext): OutputOf<O>;
}

/** A command of any schemas, as stored in a plugin's command map. */
export interface AnyCommand {
  description?: string | undefined;
  args?: ObjectSchema | undefined;
  flags?: ObjectSchema | undefined;
  input?: z.ZodType | undefined;
  output?: OutputSchema | undefined;
  short?: Record<string, string> | undefined;
  examples?: string[] | undefined;
  hidden?: boolean | undefined;
  comparisons?: boolean | undefined;
  complete?: ((request: CompletionRequest, ctx: CommandContext) => string[] | Promise<string[]>) | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: a map holds commands of every input type
  run(input: RunInput<any, any, any>, ctx: CommandContext): unknown;
}

/** What `setup` and `dispose` receive. */
export interface PluginContext {
  /** The same per-plugin map that commands see as `ctx.store`; it survives reloads. */
  store: Map<string, unknown>;
  /** Print a line to standard error, tagged with the plugin's name. */
  log(message: string): void;
  /** The shell's registry, history and session. */
  shell: ShellApi;
}

/** A plugin: a named, versioned command map with optional life-cycle hooks. */
export interface PluginDefinition<C extends Record<string, AnyCommand> = Record<string, AnyCommand>> {
  /**
   * kebab-case, unique among loaded plugins; `plugin:command` uses it.
   * @example 'greet'
   */
  name: string;
  /**
   * The plugin's own semantic version.
   * @example '1.2.0'
   */
  version: string;
  /**
   * The SDK versions this plugin works with (a semver range). A shell whose
   * SDK is outside it refuses the plugin.
   * @default any version
   * @example '^1.0.0'
   */
  sdk?: string;
  /**
   * One line shown by `help` and `plugins`.
   * @example 'Greetings in several languages'
   */
  description?: string;
  /**
   * The command map: each key is a command name.
   * @example { hello: defineCommand({ run: () => 'hi' }) }
   */
  commands: C;
  /**
   * Runs once after this version is loaded (before its first command). A throw
   * is reported and the commands still run.
   * @default none
   * @example setup(ctx) { ctx.store.set('timer', setInterval(poll, 60_000)) }
   */
  setup?(ctx: PluginContext): void | Promise<void>;
  /**
   * Runs once before this version is unloaded or replaced (after the commands
   * still running on it end), or when the shell exits; clear timers here.
   * @default none
   * @example dispose(ctx) { clearInterval(ctx.store.get('timer') as NodeJS.Timeout) }
   */
  dispose?(ctx: PluginContext): void | Promise<void>;
  /**
   * Completion specs for external programs, by program name: Tab completes
   * `NAME …` with this spec before the shell's library of specs (see
   * "Completion of external programs" below).
   * @default none
   * @example completions: { deploy: { name: 'deploy', subcommands: [{ name: 'staging' }, { name: 'production' }] } }
   */
  completions?: Record<string, CompletionSpec>;
}

// ---- Completion of external programs ----------------------------------------------------------------------
// The format of `@withfig/autocomplete` (the spec library Tab reads), in the part tosh reads. A plugin's
// `completions` give specs for programs that are not plugin commands (its own CLI, a company tool).

/** A candidate as a spec or a generator writes it. */
export interface CompletionSuggestion {
  /** One name, or several that mean the same. @example ['-q', '--quiet'] */
  name: string | string[];
  /** One line shown beside it. */
  description?: string;
  /** Offered only once typed in full. @default false */
  hidden?: boolean;
}

/** How candidates are made when Tab is pressed: a program's output, or a function. */
export interface CompletionGenerator {
  /**
   * The program to run (argv, never through a shell), in the shell's working directory and environment, within 5 s.
   * @example ['git', 'branch', '--format=%(refname:short)']
   */
  script?: string[] | ((tokens: string[]) => string[]);
  /** Its output → candidates. @default one candidate a line (`splitOn`) */
  postProcess?: (out: string, tokens: string[]) => (string | CompletionSuggestion)[];
  /** What splits the output into candidates when there is no `postProcess`. @default '\n' */
  splitOn?: string;
  /**
   * Candidates from code: `tokens` are the words typed so far.
   * @example custom: async (tokens) => ['staging', 'production']
   */
  custom?: (tokens: string[]) => Promise<(string | CompletionSuggestion)[]> | (string | CompletionSuggestion)[];
}

/** A positional argument, or an option's value. */
export interface CompletionArg {
  name?: string;
  description?: string;
  /** Fixed candidates. @example ['json', 'yaml'] */
  suggestions?: (string | CompletionSuggestion)[];
  /** File names, or directories only. */
  template?: 'filepaths' | 'folders' | ('filepaths' | 'folders')[];
  generators?: CompletionGenerator | CompletionGenerator[];
  /** Takes every word that follows. @default false */
  isVariadic?: boolean;
  isOptional?: boolean;
  /** The rest of the line is a command of its own (`sudo`). @default false */
  isCommand?: boolean;
}

/** An option (`-v`, `--output FILE`). */
export interface CompletionOption extends CompletionSuggestion {
  args?: CompletionArg | CompletionArg[];
  /** Also offered in every subcommand below. @default false */
  isPersistent?: boolean;
  /** `--opt=value` only. @default false */
  requiresSeparator?: boolean;
  /** How many times it may be given (`true`: any). @default 1 */
  isRepeatable?: boolean | number;
}

/**
 * A program's completion spec (the root is the program itself), or one of its subcommands.
 * @example { name: 'deploy', options: [{ name: ['-f', '--force'], description: 'Skip the checks' }], subcommands: [{ name: 'staging' }] }
 */
export interface CompletionSpec extends CompletionSuggestion {
  subcommands?: CompletionSpec[];
  options?: CompletionOption[];
  args?: CompletionArg | CompletionArg[];
}
