import { quote, UsageError } from '../base/errors.ts';
import type { SimpleCommand } from './ast.ts';
import type { Word } from './lexer.ts';
import { parse } from './parser.ts';

/**
 * The command with an alias in command position replaced by the alias's
 * words, once (contract section 10: `alias ll='ls -l'`, then `ll -a src` is
 * `ls -l -a src`; an alias whose value starts with another alias's name is
 * not replaced again). Only a first word written plainly (no quote, escape or
 * `$`) names an alias, as in sh, and never a `^name`. The alias's own
 * assignments come after the command's, its redirects before the command's;
 * `^` at the start of its value makes the command external. Offsets of the
 * alias's words are offsets in the alias value. An alias whose value is more
 * than one command (`a | b`, `a && b`) is a usage error naming the alias.
 *
 * Returns `command` itself when there is nothing to replace.
 */
export function applyAlias(command: SimpleCommand, lookup: (name: string) => string | undefined): SimpleCommand {
  const first = command.words[0];
  if (!first || command.external) return command;
  const name = plainText(first);
  if (name === undefined) return command;
  const value = lookup(name);
  if (value === undefined) return command;
  let items: ReturnType<typeof parse>['items'];
  try {
    items = parse(value).items;
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`alias ${quote(name)}: ${error.message}`);
    throw error;
  }
  if (items.length === 0) return { ...command, words: command.words.slice(1) };
  const item = items[0];
  const only = item?.first.commands;
  const alias = only?.[0];
  if (
    items.length > 1 ||
    !item ||
    item.rest.length > 0 ||
    item.background ||
    item.first.bang ||
    only?.length !== 1 ||
    alias?.kind !== 'simple'
  ) {
    throw new UsageError(`alias ${quote(name)} must be one command (its value is ${quote(value)})`);
  }
  return {
    ...command,
    words: [...alias.words, ...command.words.slice(1)],
    assignments: [...command.assignments, ...alias.assignments],
    redirects: [...alias.redirects, ...command.redirects],
    external: alias.external,
  };
}

/** The word's text when it is written plainly, else undefined. */
export function plainText(word: Word): string | undefined {
  const [part, ...rest] = word.parts;
  return part?.kind === 'literal' && part.quoted === 'none' && rest.length === 0 ? part.text : undefined;
}
