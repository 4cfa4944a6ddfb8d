/**
 * The shapes the external-program completion engine speaks: what the shell
 * asks, what it answers, and the fig-style completion spec it reads (the
 * format of `@withfig/autocomplete`, which plugins can also contribute).
 */

/** One thing the word being completed could become. */
export interface Candidate {
  /** The whole word, unquoted, that replaces the word being completed (`--message=`, `src/`, `main`). */
  word: string;
  /** One line shown beside the word. */
  description?: string;
  /** No space after it: a directory, a `--flag=` waiting for its value. */
  partial?: boolean;
}

/** The sources, in the order they are asked; `files` is the last resort. */
export type SourceName = 'specs' | 'fish' | 'bash' | 'files';

/** What the shell asks about one command being typed. */
export interface ExternalRequest {
  /**
   * The words of the command being completed, already unquoted; the last is the one being completed (may be '').
   * @example ['git', 'checkout', 'fe']
   */
  words: string[];
  /** The text of that command as typed up to the cursor (what fish and bash are given). */
  line: string;
  cwd: string;
  /** The environment programs run with (PATH finds them; HOME finds `~/.ssh/config`). */
  env: Record<string, string>;
  /** Aborted when the answer is no longer wanted (the user typed on). */
  signal?: AbortSignal;
  /** Sources turned off in config.json: 'specs' | 'fish' | 'bash'. */
  disabled?: ReadonlySet<string>;
  /** Specs contributed by plugins, looked up by program name before the library's. */
  specFor?: (program: string) => CompletionSpec | undefined;
  /** Each source asked, how long it took and how it ended ('3 candidates', 'timed out', 'no spec', 'failed: …'). */
  debug?: (source: string, ms: number, outcome: string) => void;
}

/** The answer: which source answered and what it offers (at most {@link MAX_CANDIDATES}). */
export interface ExternalCompletion {
  source: SourceName | 'none';
  candidates: Candidate[];
}

/** Candidates beyond this are dropped: a list no one reads, and a slow one to draw. */
export const MAX_CANDIDATES = 1000;

/** Each source's time limit: past it the answer goes out with what is known. */
export const SOURCE_LIMIT_MS = 300;

// ---- the fig spec format --------------------------------------------------------------------------------
// A subset of `@withfig/autocomplete-types` (Fig.Subcommand and friends): the fields this engine reads. Spec
// files are code from a package or a plugin, so every field is read as possibly missing or of the wrong type.

export type SingleOrArray<T> = T | T[];

/** A suggestion as specs and generators write it. */
export interface Suggestion {
  /** One name, or several that mean the same (`['-q', '--quiet']`). */
  name?: SingleOrArray<string>;
  description?: string;
  /** What is inserted instead of the name (a `{cursor}` in it makes it a template, which is not offered). */
  insertValue?: string;
  displayName?: string;
  /** `folder` names get no space after them. */
  type?: string;
  /** Offered only when typed in full. */
  hidden?: boolean;
  priority?: number;
}

/** How a program's output, or a function, becomes suggestions. */
export interface Generator {
  template?: SingleOrArray<'filepaths' | 'folders' | 'history' | 'help'>;
  filterTemplateSuggestions?: (suggestions: TemplateSuggestion[]) => Suggestion[];
  /** The program to run (never through a shell): argv, `{ command, args }`, or a function of the tokens giving either. */
  script?: string | string[] | ExecuteCommandInput | ((tokens: string[]) => string | string[] | ExecuteCommandInput);
  /** @default 5000 (and never more) */
  scriptTimeout?: number;
  postProcess?: (out: string, tokens: string[]) => (string | Suggestion)[];
  splitOn?: string;
  /** When to run again while the same word is being typed (`'/'`: each time the count of `/` changes). */
  trigger?: string | ((newToken: string, oldToken: string) => boolean) | { on: string; length?: number; string?: string | string[] };
  /** The part of the word that filters the suggestions (the rest is kept as typed). */
  getQueryTerm?: string | ((token: string) => string);
  custom?: (
    tokens: string[],
    executeCommand: ExecuteCommand,
    context: GeneratorContext,
  ) => Promise<(string | Suggestion)[]> | (string | Suggestion)[];
  cache?: { ttl?: number; strategy?: string; cacheByDirectory?: boolean; cacheKey?: string };
}

export interface TemplateSuggestion extends Suggestion {
  name: string;
  context: { templateType: 'filepaths' | 'folders' };
}

export interface Arg {
  name?: string;
  description?: string;
  suggestions?: (string | Suggestion)[];
  template?: Generator['template'];
  generators?: SingleOrArray<Generator>;
  isVariadic?: boolean;
  isOptional?: boolean;
  /** The rest of the line is a command of its own (`sudo`, `time`). */
  isCommand?: boolean;
  /** The rest of the line is completed with this spec. */
  loadSpec?: LoadSpec;
  optionsCanBreakVariadicArg?: boolean;
  default?: string;
  parserDirectives?: {
    /** The word is an alias: what it stands for is read in its place (`git co` → `git checkout`). */
    alias?: string | ((token: string, executeCommand: ExecuteCommand) => Promise<string> | string);
  };
}

export interface Option extends Suggestion {
  name: SingleOrArray<string>;
  args?: SingleOrArray<Arg>;
  /** Also offered in every subcommand below. */
  isPersistent?: boolean;
  /** `--opt=value` only (or `--opt:value` when a string). */
  requiresSeparator?: boolean | string;
  /** @deprecated by `requiresSeparator` */
  requiresEquals?: boolean;
  /** How many times it may be given (`true`: any). @default 1 */
  isRepeatable?: boolean | number;
  exclusiveOn?: string[];
  dependsOn?: string[];
}

/** A program or one of its subcommands: the root of a spec is one too. */
export interface Subcommand extends Suggestion {
  name: SingleOrArray<string>;
  subcommands?: Subcommand[];
  requiresSubcommand?: boolean;
  options?: Option[];
  args?: SingleOrArray<Arg>;
  /** Where the rest of this subcommand's spec lives (`'aws/s3'`), or the spec itself. */
  loadSpec?: LoadSpec;
  /** Adds to the spec at completion time (git's external commands from `git help -a`). */
  generateSpec?: (tokens: string[], executeCommand: ExecuteCommand) => Promise<Subcommand> | Subcommand;
  generateSpecCacheKey?: string | ((input: { tokens: string[] }) => string | undefined);
  parserDirectives?: {
    /** `-work` is one option, not `-w -o -r -k`. */
    flagsArePosixNoncompliant?: boolean;
    optionsMustPrecedeArguments?: boolean;
    optionArgSeparators?: SingleOrArray<string>;
  };
}

export type LoadSpec =
  | string
  | Subcommand
  | ((token: string, executeCommand: ExecuteCommand) => Promise<SpecLocation | SpecLocation[] | Subcommand>);

export type SpecLocation = { type: 'global'; name: string } | { type: 'local'; path?: string; name: string };

/** A spec as a plugin contributes it: the program's root subcommand (`name` is the program). */
export type CompletionSpec = Subcommand;

export interface ExecuteCommandInput {
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string | undefined>;
  timeout?: number;
}

export interface ExecuteCommandOutput {
  stdout: string;
  stderr: string;
  status: number;
}

/**
 * What specs call to run a program: the current form (`{ command, args }` → `{ stdout, stderr, status }`)
 * or the old one (a command line → its stdout), which is split into words here and never given to a shell.
 */
export interface ExecuteCommand {
  (input: ExecuteCommandInput): Promise<ExecuteCommandOutput>;
  (input: string): Promise<string>;
}

export interface GeneratorContext {
  currentWorkingDirectory: string;
  environmentVariables: Record<string, string>;
  currentProcess: string;
  sshPrefix: string;
  searchTerm: string;
  isDangerous: boolean;
}
