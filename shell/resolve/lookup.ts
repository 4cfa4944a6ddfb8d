/**
 * The one order in which a command word finds what it runs (CONTRACT §10):
 * an alias, then `plugin:command`, a built-in or a plugin command, then a
 * program on PATH. The runner, `which`/`type`, highlighting and Tab all ask here.
 */
import type { CommandLocation } from '../../plugin-sdk/types.ts';
import { oneLetterApart, swapped } from '../base/did-you-mean.ts';
import { quote, Status } from '../base/errors.ts';
import type { Resolved } from '../plugins/registry.ts';
import { acceptsNothing, fits, type ValueType } from '../plugins/value-type.ts';
import { findProgram, isProgram, programNames } from './path.ts';
import { suggestCommand } from './suggest.ts';

/** The command table as the rest of the shell sees it (the plugin host's registry behind it). */
export interface CommandTable {
  /** The command a plain name or `plugin:command` reaches. */
  resolve(word: string): Resolved | undefined;
  /** Every name that reaches a command, plain and qualified. */
  names(): string[];
  /**
   * For a word nothing claims while a plugin's loading ran out of time: that plugin never said what its
   * commands are, so the word may be one of them. Undefined when no plugin timed out.
   */
  unloaded(word: string): string | undefined;
}

/** What a lookup reads. */
export interface LookupScope {
  table: CommandTable;
  alias(name: string): string | undefined;
  /** The text of a function of that name (functions come before commands), if there is one. */
  fn?(name: string): string | undefined;
  /** A built-in of the shell language (`test`, `read`, `set`…): before commands too. */
  builtin?(name: string): boolean;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** Where a word leads. */
export type Found =
  | { kind: 'alias'; name: string; value: string }
  | { kind: 'command'; name: string; resolved: Resolved }
  | { kind: 'program'; name: string; path: string }
  /** Nothing runs: `status` 127 (unknown) or 126 (not runnable), `message` without `tosh: `. */
  | { kind: 'missing'; name: string; status: number; message: string };

export interface LookupOptions {
  /** Look at aliases first (the runner replaces them in the parsed line before it looks up). @default true */
  aliases?: boolean;
  /** `^name`: only a program. @default false */
  external?: boolean;
  /**
   * The type of the value a plugin command pipes into this one. A command that needs a value piped in
   * (its `input` schema does not take nothing) yields to the program of the same name on PATH unless
   * such a value comes and fits: `find . -name x` and `uniq file` are the programs, `files | find x` the
   * command (CONTRACT §17). @default nothing piped
   */
  piped?: ValueType;
}

/** Find what `word` runs, in the shell's order. */
export function lookup(word: string, scope: LookupScope, options: LookupOptions = {}): Found {
  const external = options.external === true;
  if (options.aliases !== false && !external) {
    const value = scope.alias(word);
    if (value !== undefined) return { kind: 'alias', name: word, value };
  }
  const resolved = external ? undefined : scope.table.resolve(word);
  const found = resolved && !yields(word, resolved, options.piped) ? undefined : findProgram(word, scope.env, scope.cwd);
  if (resolved && !(found && 'path' in found)) return { kind: 'command', name: word, resolved };
  if (found && 'path' in found) return { kind: 'program', name: word, path: found.path };
  if (found) return { kind: 'missing', name: word, status: found.status, message: found.error };
  const unloaded = external ? undefined : scope.table.unloaded(word);
  if (unloaded) return { kind: 'missing', name: word, status: Status.failed, message: unloaded };
  // `^name` asks for a program: a plugin command of that name is no suggestion. Programs on PATH come after
  // the shell's own names (`gerp` → `grep`); listing PATH costs a few milliseconds, paid only on a miss.
  const near = (external ? undefined : suggestCommand(word, scope.table.names())) ?? programMeant(word, scope.env);
  return {
    kind: 'missing',
    name: word,
    status: Status.unknownCommand,
    message: `unknown command ${quote(word)}${near ? ` (did you mean ${quote(near)}?)` : ''}`,
  };
}

/** True when a command may give way to a program of its name: it needs a value piped in, and none that fits comes. */
function yields(word: string, resolved: Resolved, piped: ValueType | undefined): boolean {
  if (word.includes(':')) return false;
  const input = resolved.spec.input;
  if (input === undefined || acceptsNothing(input)) return false;
  return piped === undefined || !fits(piped, input);
}

/**
 * A program on PATH a mistyped word probably meant: two letters swapped
 * (`gerp` → `grep`), or one letter more or less (`lss` → `less`). Not one
 * letter changed: among a few thousand programs that is as often another
 * program (`nope` and `node`), and not for words of one or two letters.
 */
function programMeant(word: string, env: LookupScope['env']): string | undefined {
  if (word.length < 3 || word.includes(':')) return undefined;
  const names = programNames(env);
  return names.find((name) => swapped(word, name)) ?? names.find((name) => name.length >= 3 && oneLetterApart(word, name));
}

/** Whether a word runs something, asked per keystroke by the highlighter (programs remembered per PATH). */
export function runs(word: string, scope: LookupScope): boolean {
  const external = word.startsWith('^');
  const name = external ? word.slice(1) : word;
  if (
    !external &&
    (scope.alias(name) !== undefined || scope.fn?.(name) !== undefined || scope.builtin?.(name) || scope.table.resolve(name) !== undefined)
  )
    return true;
  return isProgram(name, scope.env, scope.cwd);
}

/** What `which` and `type` say a word runs (the SDK's `locate`). */
export function locate(word: string, scope: LookupScope): CommandLocation | undefined {
  const external = word.startsWith('^');
  if (!external) {
    const alias = scope.alias(word);
    if (alias !== undefined) return { kind: 'alias', name: word, value: alias };
    const fn = scope.fn?.(word);
    if (fn !== undefined) return { kind: 'function', name: word, source: fn };
    if (scope.builtin?.(word)) return { kind: 'builtin', name: word, plugin: '', source: 'the shell language' };
  }
  const found = lookup(external ? word.slice(1) : word, scope, { external });
  switch (found.kind) {
    case 'alias':
      return { kind: 'alias', name: found.name, value: found.value };
    case 'command':
      return {
        kind: found.resolved.record.source.dir.builtin ? 'builtin' : 'plugin',
        name: found.name,
        plugin: found.resolved.meta.name,
        source: found.resolved.record.source.display,
      };
    case 'program':
      return { kind: 'external', name: found.name, path: found.path };
    default:
      return undefined;
  }
}
