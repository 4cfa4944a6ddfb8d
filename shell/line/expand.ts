/**
 * Expansion of parsed words (CONTRACT §10, §14), in sh's order: braces,
 * tilde, parameters (with `${…}`'s operators), command substitution,
 * arithmetic, field splitting of `$(…)`, globs. Differences from sh, on
 * purpose (as in zsh and fish): a variable's value is never split or globbed,
 * the output of `$(…)` is split but never globbed, and a glob that matches
 * nothing is an error.
 *
 * A word is expanded by a generator that yields each `$(…)` it needs: words
 * without one (nearly all) expand without a promise in sight.
 */
import { ExpansionError, quote, ShellError, Status } from '../base/errors.ts';
import { evaluate } from './arith.ts';
import type { Redirect, Script, SimpleCommand, Word, WordPart } from './ast.ts';
import { braceExpand } from './braces.ts';
import { glob, isPattern, type Piece } from './glob.ts';
import { matchesPattern, removeAffix, replacePattern } from './pattern.ts';
import { arithmeticWord } from './words.ts';

/** What expansion reads from the shell. */
export interface ExpandEnv {
  /** A variable's or special parameter's value (`?`, `#`, `$`, `!`, `0`, `1`…, `-`); undefined when unset. */
  param(name: string): string | undefined;
  /** Set a variable (`${x:=word}`, `$((x+=1))`); throws a ShellError for a read-only or special name. */
  assign(name: string, value: string): void;
  /** The positional parameters, `$1` first (`$@`, `$*`). */
  positional(): readonly string[];
  /** `$HOME` (`~`). */
  home: string;
  /** The home directory of `user` (`~user`), or undefined when there is none. */
  homeOf(user: string): string | undefined;
  /** The working directory globs are matched against. */
  cwd: string;
  /** `set -u`: an unset variable is an error. */
  nounset?: boolean;
  /** Run a line and give what it printed (`$(line)`); trailing newlines are removed here. */
  substitute(body: Script, text: string): Promise<string>;
}

/** A redirect with its words expanded (paths not yet resolved against the working directory). */
export type ExpandedRedirect =
  | { kind: 'read' | 'readwrite' | 'write' | 'append'; fd: number; both?: boolean; path: string; op: string }
  | { kind: 'dup'; fd: number; target: string; op: string }
  | { kind: 'heredoc'; fd: number; text: string; op: string };

/** A command ready to run: its arguments (name first), variables for it alone, redirects in order. */
export interface ExpandedCommand {
  /** Empty when the words expanded to nothing (`$UNSET`) or there were none (`FOO=1`). */
  argv: string[];
  assignments: { name: string; value: string }[];
  redirects: ExpandedRedirect[];
  /** Written `^name`: run the program even if a plugin owns the name. */
  external: boolean;
}

type Need = { body: Script; text: string };
type Gen<T> = Generator<Need, T, string>;

/** Run an expansion generator: synchronously while it needs no `$(…)`, then with the substitutions awaited. */
function drive<T>(gen: Gen<T>, env: ExpandEnv): T | Promise<T> {
  let step = gen.next();
  if (step.done) return step.value;
  return (async () => {
    while (!step.done) step = gen.next(await env.substitute(step.value.body, step.value.text));
    return step.value;
  })();
}

/** A field of a word after expansion and splitting; `quoted` keeps an empty field (`""`). */
interface Field {
  pieces: Piece[];
  quoted: boolean;
}

const IFS_WHITESPACE = /[ \t\n]+/;

function* fieldsOf(parts: readonly WordPart[], env: ExpandEnv, split: boolean, pattern = false): Gen<Field[]> {
  const out: Field[] = [];
  let current: Field = { pieces: [], quoted: false };
  const end = () => {
    if (current.quoted || current.pieces.some((p) => p.text !== '')) out.push(current);
    current = { pieces: [], quoted: false };
  };
  for (const part of parts) {
    switch (part.kind) {
      case 'literal':
        if (part.quoted !== 'none') current.quoted = true;
        current.pieces.push({ text: part.text, glob: split && part.quoted === 'none' });
        break;
      case 'tilde': {
        const home = part.user === '' ? env.home : env.homeOf(part.user);
        current.pieces.push({ text: home ?? `~${part.user}`, glob: false });
        break;
      }
      case 'arith': {
        const expr = yield* expandToString(arithmeticWord(part.expr, part.start), env);
        current.pieces.push({ text: evaluate(expr, arith(env)), glob: false });
        break;
      }
      case 'subst': {
        if (part.quoted !== 'none') current.quoted = true;
        const output = (yield { body: part.body, text: part.line }).replace(/\n+$/, '');
        if (part.quoted !== 'none' || !split) {
          current.pieces.push({ text: output, glob: false });
          break;
        }
        output.split(IFS_WHITESPACE).forEach((text, index) => {
          if (index > 0) end();
          if (text !== '') current.pieces.push({ text, glob: false });
        });
        break;
      }
      case 'param': {
        if (part.quoted !== 'none') current.quoted = true;
        const result = yield* paramResult(part, env, pattern);
        if ('word' in result) {
          // The chosen word of `${x:-word}` (`${1+"$@"}`, `${x:-""}`): its own fields, in place.
          const inner = yield* fieldsOf(result.word.parts, env, false, pattern);
          inner.forEach((field, index) => {
            if (index > 0) end();
            current.pieces.push(...field.pieces);
            if (field.quoted) current.quoted = true;
          });
          break;
        }
        const { values, each } = result;
        if (!each) {
          // In a pattern (`case`, `${x#…}`) an unquoted variable's value is a pattern too, as in sh.
          current.pieces.push({ text: values.join(part.quoted === 'double' ? joiner(env) : ' '), glob: pattern && part.quoted === 'none' });
          break;
        }
        // "$@" is one field per parameter (none for none); unquoted, empty parameters drop out.
        if (values.length === 0 && part.quoted === 'double')
          current.quoted = current.pieces.some((p) => p.text !== '') || hasOther(parts, part);
        values.forEach((value, index) => {
          if (index > 0) {
            if (part.quoted === 'double') current.quoted = true;
            end();
          }
          current.pieces.push({ text: value, glob: false });
          if (part.quoted === 'double') current.quoted = true;
        });
        break;
      }
    }
  }
  end();
  if (!split && out.length === 0) out.push(current);
  return out;
}

/** Whether the word has parts besides `$@` (`"x$@"` gives a field even with no parameters; `"$@$@"` does not). */
const hasOther = (parts: readonly WordPart[], self: WordPart) =>
  parts.some(
    (p) => p !== self && !(p.kind === 'literal' && p.text === '') && !(p.kind === 'param' && p.name === '@' && !p.op && !p.length),
  );

/** What `"$*"` joins with: the first character of `IFS` (a space when unset). */
const joiner = (env: ExpandEnv, ifs = env.param('IFS')): string => (ifs === undefined ? ' ' : (ifs[0] ?? ''));

/** The text of a word with nothing split or globbed (an assignment's value, a here-document, a pattern's own text). */
function* expandToString(word: Word, env: ExpandEnv): Gen<string> {
  const fields = yield* fieldsOf(word.parts, env, false);
  return fields.map((f) => f.pieces.map((p) => p.text).join('')).join(' ');
}

/** A word's pieces unsplit (a `case` pattern, `${x#pattern}`): wildcards where it was unquoted. */
function* patternOf(word: Word, env: ExpandEnv): Gen<Piece[]> {
  const fields = yield* fieldsOf(word.parts, env, true, true);
  return fields.flatMap((f, i) => (i === 0 ? f.pieces : [{ text: ' ', glob: false }, ...f.pieces]));
}

const unset = (value: string | undefined, colon: boolean) => value === undefined || (colon && value === '');

/** What a parameter expansion gives: strings (`each`: one field per value, as `"$@"`), or the word of its operator to expand in place. */
type ParamResult = { values: string[]; each: boolean } | { word: Word };

function* paramResult(part: Extract<WordPart, { kind: 'param' }>, env: ExpandEnv, pattern: boolean): Gen<ParamResult> {
  const name = part.name;
  const many = name === '@' || name === '*';
  const each = many && (part.quoted === 'none' || name === '@');
  if (part.length) {
    if (many || name === '#') return { values: [String(env.positional().length)], each: false };
    const value = lookupParam(part, env);
    if (value === undefined && env.nounset) throw new ExpansionError(`${name}: unbound variable`, Status.failed);
    return { values: [String([...(value ?? '')].length)], each: false };
  }
  const all = many ? [...env.positional()] : undefined;
  const value = all ? all.join(' ') || undefined : lookupParam(part, env);
  const op = part.op;
  if (!op) {
    if (value === undefined && env.nounset && !many) throw new ExpansionError(`${name}: unbound variable`, Status.failed);
    return all ? { values: all, each } : { values: [value ?? ''], each: false };
  }
  const arg = part.arg as Word;
  const self = (): ParamResult => (all ? { values: all, each } : { values: [value as string], each: false });
  switch (op) {
    case '-':
    case ':-':
      return unset(value, op === ':-') ? { word: arg } : self();
    case '+':
    case ':+':
      return unset(value, op === ':+') ? { values: [], each: false } : { word: arg };
    case '=':
    case ':=': {
      if (!unset(value, op === ':=')) return self();
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ShellError(`${name}: cannot assign in this way`, Status.failed);
      const assigned = yield* expandToString(arg, env);
      env.assign(name, assigned);
      return { values: [assigned], each: false };
    }
    case '?':
    case ':?': {
      if (!unset(value, op === ':?')) return self();
      const message = yield* expandToString(arg, env);
      throw new ExpansionError(`${name}: ${message || 'parameter null or not set'}`, Status.failed);
    }
    case ':': {
      const offset = Number(evaluate(yield* expandToString(arg, env), arith(env)));
      const count = part.replace ? Number(evaluate(yield* expandToString(part.replace, env), arith(env))) : undefined;
      if (count !== undefined && count < 0 && all) throw new ExpansionError(`${name}: substring expression < 0`, Status.failed);
      if (all) {
        // `${@:2}` starts at $2; `${@:0}` would be $0 first.
        const list = offset === 0 ? [env.param('0') ?? '', ...all] : all;
        const from = offset > 0 ? offset - 1 : offset === 0 ? 0 : Math.max(0, list.length + offset);
        return { values: list.slice(from, count === undefined ? undefined : from + count), each };
      }
      const chars = [...(value ?? '')];
      const from = offset < 0 ? Math.max(0, chars.length + offset) : Math.min(offset, chars.length);
      const to = count === undefined ? chars.length : count < 0 ? chars.length + count : from + count;
      if (to < from) throw new ExpansionError(`${name}: substring expression < 0`, Status.failed);
      return { values: [chars.slice(from, to).join('')], each: false };
    }
    default: {
      const pieces = yield* patternOf(arg, env);
      const replacement = op.startsWith('/') && part.replace ? yield* expandToString(part.replace, env) : '';
      const apply = (text: string) =>
        op === '#' || op === '##' || op === '%' || op === '%%'
          ? removeAffix(text, pieces, op)
          : replacePattern(text, pieces, replacement, op);
      // `"${@#a}"`: each parameter on its own.
      if (all) return { values: all.map(apply), each };
      void pattern;
      return { values: [apply(value ?? '')], each: false };
    }
  }
}

/** A parameter's value, through `${!name}` when it is written so. */
function lookupParam(part: Extract<WordPart, { kind: 'param' }>, env: ExpandEnv): string | undefined {
  const value = env.param(part.name);
  if (!part.indirect) return value;
  return value === undefined || value === '' ? undefined : env.param(value);
}

const arith = (env: ExpandEnv) => ({ get: (n: string) => env.param(n), set: (n: string, v: string) => env.assign(n, v) });

/** The strings one word gives: none, one, or several (`"$@"`, `$(…)` splitting, braces, globs). */
function* wordFields(word: Word, env: ExpandEnv): Gen<{ text: string; pattern?: Piece[] }[]> {
  const out: { text: string; pattern?: Piece[] }[] = [];
  for (const parts of braceExpand(word.parts)) {
    for (const field of yield* fieldsOf(parts, env, true)) {
      const text = field.pieces.map((p) => p.text).join('');
      out.push(isPattern(field.pieces) ? { text, pattern: field.pieces } : { text });
    }
  }
  return out;
}

async function globAll(fields: { text: string; pattern?: Piece[] }[], raw: string, cwd: string): Promise<string[]> {
  const out: string[] = [];
  for (const field of fields) {
    if (!field.pattern) {
      out.push(field.text);
      continue;
    }
    const matches = await glob(field.pattern, cwd);
    if (matches.length === 0) throw new ShellError(`no matches for ${quote(raw)}`, Status.failed);
    out.push(...matches);
  }
  return out;
}

/** Unquoted text with a wildcard or a brace expression in it (a lone `[` or `{` is neither). */
const mayExpand = (text: string) => /[*?]|\[.*\]|\{.*\}/.test(text);

/**
 * A word of literals, plain parameters (`$x`, `"${x}"`) and arithmetic
 * without expansions inside, expanded without a generator (loops do this
 * thousands of times): its text, null for no word, undefined when it needs
 * the full expansion.
 */
function quick(word: Word, env: ExpandEnv): string | null | undefined {
  let text = '';
  let quoted = false;
  for (const part of word.parts) {
    if (part.kind === 'literal') {
      if (part.quoted === 'none') {
        if (mayExpand(part.text)) return undefined;
      } else quoted = true;
      text += part.text;
    } else if (part.kind === 'param') {
      if (part.op || part.length || part.indirect || part.name === '@' || part.name === '*') return undefined;
      const value = env.param(part.name);
      if (value === undefined && env.nounset) return undefined;
      if (part.quoted !== 'none') quoted = true;
      text += value ?? '';
    } else if (part.kind === 'arith') {
      if (part.expr.includes('$') || part.expr.includes('`')) return undefined;
      if (part.quoted !== 'none') quoted = true;
      text += evaluate(part.expr, { get: (n) => env.param(n), set: (n, v) => env.assign(n, v) });
    } else return undefined;
  }
  return text === '' && !quoted ? null : text;
}

const plain = (word: Word): string | undefined => {
  const [only, ...more] = word.parts;
  return only?.kind === 'literal' && more.length === 0 && (only.quoted !== 'none' || !/[*?[{]/.test(only.text)) ? only.text : undefined;
};

/**
 * Expand a command's words into its argument strings. An unquoted word that
 * expands to nothing (`$UNSET`, `$(true)`) gives no word; `"$UNSET"` gives
 * one empty word. Throws `ShellError` (status 1) for a glob without match.
 */
export function expandWords(words: readonly Word[], env: ExpandEnv): string[] | Promise<string[]> {
  // Most words are plain text, or a variable or two: nothing to split, glob or wait for.
  const fast: string[] = [];
  let all = true;
  for (const word of words) {
    const text = quick(word, env);
    if (text === undefined) {
      all = false;
      break;
    }
    if (text !== null) fast.push(text);
  }
  if (all) return fast;
  const fields = drive(
    (function* () {
      const all: { raw: string; fields: { text: string; pattern?: Piece[] }[] }[] = [];
      for (const word of words) {
        const text = plain(word);
        all.push({ raw: word.raw, fields: text !== undefined ? [{ text }] : yield* wordFields(word, env) });
      }
      return all;
    })(),
    env,
  );
  const finish = (all: { raw: string; fields: { text: string; pattern?: Piece[] }[] }[]) => {
    if (all.every((w) => w.fields.every((f) => !f.pattern))) return all.flatMap((w) => w.fields.map((f) => f.text));
    return (async () => {
      const out: string[] = [];
      for (const w of all) out.push(...(await globAll(w.fields, w.raw, env.cwd)));
      return out;
    })();
  };
  return fields instanceof Promise ? fields.then(finish) : finish(fields);
}

/** An assignment's value (`NAME=value`): one string, never split nor globbed. */
export function expandAssignment(value: Word, env: ExpandEnv): string | Promise<string> {
  const text = plain(value) ?? quickString(value, env);
  return text !== undefined ? text : drive(expandToString(value, env), env);
}

/** `quick` for a word that is one string whatever it holds (an assignment's value). */
function quickString(word: Word, env: ExpandEnv): string | undefined {
  if (word.parts.some((p) => p.kind === 'literal' && p.quoted === 'none' && /[*?[{]/.test(p.text))) {
    // No globs nor braces in an assignment: the text is as written.
    if (word.parts.every((p) => p.kind === 'literal')) return word.parts.map((p) => (p as { text: string }).text).join('');
    return undefined;
  }
  const text = quick(word, env);
  return text === null ? '' : text;
}

/** A word as one string without splitting or globs (`case WORD`, a here-string). */
export const expandString = expandAssignment;

/** Whether `text` matches a `case` pattern word. */
export function matchCase(text: string, pattern: Word, env: ExpandEnv): boolean | Promise<boolean> {
  const pieces = drive(patternOf(pattern, env), env);
  return pieces instanceof Promise ? pieces.then((p) => matchesPattern(text, p)) : matchesPattern(text, pieces);
}

/**
 * A redirect's file name: the word must expand to exactly one string (a glob
 * to exactly one file), else a `ShellError` (status 1) says why.
 */
export async function expandRedirectTarget(target: Word, env: ExpandEnv): Promise<string> {
  const names = await expandWords([target], env);
  if (names.length === 1) return names[0] as string;
  const what = names.length === 0 ? 'gives no file name' : `gives ${names.length} file names`;
  throw new ShellError(`ambiguous redirect: ${quote(target.raw)} ${what}`, Status.failed);
}

async function expandRedirect(r: Redirect, env: ExpandEnv): Promise<ExpandedRedirect> {
  if (r.kind === 'heredoc') {
    const text = r.literal ? r.body.value : await expandString(r.body, env);
    // A here-string is the word and a newline; a here-document's body has its lines' newlines.
    return { kind: 'heredoc', fd: r.fd, text: r.delimiter === '' && r.op.endsWith('<<<') ? `${text}\n` : text, op: r.op };
  }
  if (r.kind === 'dup') return { kind: 'dup', fd: r.fd, target: await expandRedirectTarget(r.target, env), op: r.op };
  const out: ExpandedRedirect = { kind: r.kind, fd: r.fd, path: await expandRedirectTarget(r.target, env), op: r.op };
  if ((r.kind === 'write' || r.kind === 'append') && r.both) out.both = true;
  return out;
}

/** Expand redirects in order. */
export async function expandRedirects(redirects: readonly Redirect[], env: ExpandEnv): Promise<ExpandedRedirect[]> {
  const out: ExpandedRedirect[] = [];
  for (const r of redirects) out.push(await expandRedirect(r, env)); // in order: an earlier `$(…)` may create a later file
  return out;
}

/**
 * Expand a whole simple command in sh's order: words, then redirect targets,
 * then assignment values (each seeing the ones before it, as in bash).
 * Without a `$(…)` or a glob in it, the answer comes without a promise.
 */
export function expandCommand(command: SimpleCommand, env: ExpandEnv): ExpandedCommand | Promise<ExpandedCommand> {
  const argv = expandWords(command.words, env);
  if (!(argv instanceof Promise) && command.redirects.length === 0 && command.assignments.length <= 1) {
    const a = command.assignments[0];
    if (!a) return { argv, assignments: [], redirects: [], external: command.external };
    const value = expandAssignment(a.value, env);
    if (!(value instanceof Promise)) return { argv, assignments: [{ name: a.name, value }], redirects: [], external: command.external };
    // Started already (its `$(…)` running): awaited, never expanded twice.
    return value.then((v) => ({ argv, assignments: [{ name: a.name, value: v }], redirects: [], external: command.external }));
  }
  return expandSlowly(command, env, argv);
}

async function expandSlowly(command: SimpleCommand, env: ExpandEnv, words: string[] | Promise<string[]>): Promise<ExpandedCommand> {
  const argv = await words;
  const redirects = command.redirects.length === 0 ? [] : await expandRedirects(command.redirects, env);
  const assignments: ExpandedCommand['assignments'] = [];
  const earlier = new Map<string, string>();
  const withEarlier: ExpandEnv = { ...env, param: (name) => earlier.get(name) ?? env.param(name) };
  for (const a of command.assignments) {
    const value = await expandAssignment(a.value, earlier.size > 0 ? withEarlier : env);
    assignments.push({ name: a.name, value });
    earlier.set(a.name, value);
  }
  return { argv, assignments, redirects, external: command.external };
}
