/**
 * The tree of a line or script (CONTRACT §5, §10, §14), after POSIX's grammar
 * (XCU 2.10) with tosh's own additions (`^name`, `plugin:cmd`). Every node
 * knows where it is in the source (`start`, `end`: offsets), so the runner can
 * name a script's line, and highlighting and completion read the same tree.
 */

/**
 * How a piece of a word was written: `'single'` and `'double'` quotes (and
 * `$'…'`, which is single), `'escaped'` by a backslash, or `'none'`. Only
 * `'none'` text may glob, split or brace-expand.
 */
export type Quoting = 'none' | 'single' | 'double' | 'escaped';

/** The operators of `${NAME op word}`. */
export type ParamOp = ':' | '-' | ':-' | '=' | ':=' | '?' | ':?' | '+' | ':+' | '#' | '##' | '%' | '%%' | '/' | '//' | '/#' | '/%';

/** A piece of a word, in order; expansion (`expand.ts`) turns the pieces into text. */
export type WordPart =
  /** Text as written, quotes and escapes removed. */
  | { kind: 'literal'; text: string; quoted: Quoting }
  /**
   * `$NAME`, `${NAME}`, a special parameter (`$?`, `$#`, `$@`, `$*`, `$$`, `$!`, `$0`…`$9`, `${10}`, `$-`),
   * `${#NAME}` (`length`), or `${NAME op word}`.
   */
  | {
      kind: 'param';
      name: string;
      quoted: 'none' | 'double';
      length?: boolean;
      /** `${!name}`: the variable whose name is the value of `name`. */
      indirect?: boolean;
      /** `:` is `${x:offset:length}` (offset in `arg`, length in `replace`). */
      op?: ParamOp;
      /** The word after the operator (for `/` and `//`: the pattern). */
      arg?: Word;
      /** For `/` and `//`: the replacement. */
      replace?: Word;
    }
  /**
   * `$(line)` or `` `line` ``: `line` is the text inside, `start` its offset in the source
   * (for backquotes, of the text as unescaped), `body` its tree.
   */
  | { kind: 'subst'; line: string; start: number; quoted: 'none' | 'double'; body: Script; backquote?: boolean }
  /** `$((expr))`: the expression's text, parsed when it is first evaluated. */
  | { kind: 'arith'; expr: string; start: number; quoted: 'none' | 'double' }
  /** An unquoted `~` or `~user` that starts a word (or follows `=`/`:` in an assignment): a home directory. */
  | { kind: 'tilde'; user: string };

/** One word, with where it is and what it is made of. */
export interface Word {
  /** The text as typed, quotes included: `source.slice(start, end)`. */
  raw: string;
  /** The text with quotes and escapes removed and nothing expanded (`"$A"b` is `$Ab`). */
  value: string;
  start: number;
  end: number;
  parts: WordPart[];
}

/** `NAME=value` before a command's first word (`FOO=1 cmd`), or alone (`FOO=1`). */
export interface Assignment {
  name: string;
  value: Word;
  start: number;
  end: number;
}

/**
 * A redirect, in the order written. `fd` is the descriptor it changes
 * (0–9; `&>` changes 1 and 2).
 */
export type Redirect =
  /** `< FILE`, `N< FILE`; `<>` opens for reading and writing. */
  | { kind: 'read' | 'readwrite'; fd: number; target: Word; op: string; start: number; end: number }
  /** `> FILE`, `>| FILE` (replace), `>> FILE` (append); `&>` / `&>>` for both 1 and 2. */
  | { kind: 'write' | 'append'; fd: number; both?: boolean; target: Word; op: string; start: number; end: number }
  /** `N>&M` / `N<&M`: fd N becomes what M is now; `N>&-` closes N. `target` is a word (`>&$fd`). */
  | { kind: 'dup'; fd: number; target: Word; op: string; start: number; end: number }
  /** `<<WORD`, `<<-WORD` (tabs dropped), `<<< word`: `body` is the text (expanded unless `literal`). */
  | { kind: 'heredoc'; fd: number; body: Word; literal: boolean; delimiter: string; op: string; start: number; end: number };

/** A simple command: assignments, words (its name first), redirects. */
export interface SimpleCommand {
  kind: 'simple';
  /**
   * The command's words, its name first; empty when the command is only
   * assignments or redirects. A word written like an assignment (`export P=~/bin:~/lib`)
   * has its `~`s after `=` and `:` as `tilde` parts, as in bash.
   */
  words: Word[];
  assignments: Assignment[];
  redirects: Redirect[];
  /** Written `^name`: run the external program `name` even if a plugin owns the word (the `^` is not in `words`). */
  external: boolean;
  start: number;
  end: number;
}

export interface IfCommand {
  kind: 'if';
  clauses: { condition: Script; body: Script }[];
  otherwise?: Script;
  redirects: Redirect[];
  start: number;
  end: number;
}

export interface LoopCommand {
  kind: 'while' | 'until';
  condition: Script;
  body: Script;
  redirects: Redirect[];
  start: number;
  end: number;
}

export interface ForCommand {
  kind: 'for';
  name: string;
  /** Undefined without `in`: the positional parameters. */
  words: Word[] | undefined;
  body: Script;
  redirects: Redirect[];
  start: number;
  end: number;
}

export interface CaseCommand {
  kind: 'case';
  word: Word;
  items: { patterns: Word[]; body: Script; start: number; end: number }[];
  redirects: Redirect[];
  start: number;
  end: number;
}

/** `{ LIST; }` (this shell) or `( LIST )` (a subshell: nothing it changes leaks out). */
export interface GroupCommand {
  kind: 'group' | 'subshell';
  body: Script;
  redirects: Redirect[];
  start: number;
  end: number;
}

/** `name() COMMAND` or `function name COMMAND`. */
export interface FunctionDefinition {
  kind: 'function';
  name: string;
  body: Command;
  /** The definition's text, as `type` shows it. */
  source: string;
  start: number;
  end: number;
}

export type CompoundCommand = IfCommand | LoopCommand | ForCommand | CaseCommand | GroupCommand;
export type Command = SimpleCommand | CompoundCommand | FunctionDefinition;

/** Commands joined by `|`; `!` negates the status. */
export interface Pipeline {
  bang: boolean;
  commands: Command[];
  start: number;
  end: number;
}

/** Pipelines joined by `&&` and `||`, left to right. */
export interface AndOr {
  first: Pipeline;
  rest: { op: '&&' | '||'; pipeline: Pipeline }[];
  /** Ended by `&`: run in the background. */
  background: boolean;
  start: number;
  end: number;
}

/** A list of and-or lists separated by `;`, `&` or newlines: a whole line, a script, or the body of a construct. */
export interface Script {
  items: AndOr[];
  start: number;
  end: number;
}
