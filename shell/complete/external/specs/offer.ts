/**
 * The candidates a spec offers for the word being completed, collected once
 * each and in order: an argument's suggestions, its templates' file names and
 * what its generators print (file names last).
 */
import { files } from '../../words/paths.ts';
import { programs } from '../../words/programs.ts';
import { type Arg, type Candidate, type Generator, MAX_CANDIDATES, type Suggestion, type TemplateSuggestion } from '../types.ts';
import { generate, queryTerm } from './generators.ts';
import { asArray, isEntry, names } from './load.ts';

/** Where generators run: the words typed, the directory and environment. */
export interface OfferCall {
  tokens: string[];
  cwd: string;
  env: Record<string, string>;
}

/** Collects candidates in order, once each, that start with the word being completed. */
export class Offer {
  readonly #list: Candidate[] = [];
  /** File names, offered after everything else (a spec's branches before the files beside them). */
  readonly #files: Candidate[] = [];
  readonly #seen = new Set<string>();
  constructor(readonly current: string) {}

  add(word: string, description?: unknown, partial = false): void {
    if (this.#list.length >= MAX_CANDIDATES || word === '' || !word.startsWith(this.current) || this.#seen.has(word)) return;
    this.#seen.add(word);
    const candidate: Candidate = { word };
    const line = typeof description === 'string' ? firstLine(description) : '';
    if (line) candidate.description = line;
    if (partial) candidate.partial = true;
    this.#list.push(candidate);
  }

  file(candidate: Candidate): void {
    if (candidate.word.startsWith(this.current)) this.#files.push(candidate);
  }

  /** Everything offered, file names last, each word once, at most {@link MAX_CANDIDATES}. */
  get list(): Candidate[] {
    const all = [...this.#list];
    for (const file of this.#files) {
      if (all.length >= MAX_CANDIDATES) break;
      if (!this.#seen.has(file.word)) all.push(file);
    }
    return all;
  }

  /** A spec suggestion: each of its names, after `keep` (the part of the word a generator leaves as typed). */
  suggestion(item: string | Suggestion, keep = ''): void {
    if (typeof item === 'string') {
      this.add(keep + item);
      return;
    }
    if (!isEntry(item)) return;
    for (const name of names(item.name)) {
      // A hidden suggestion is offered only once typed in full.
      if (item.hidden === true && keep + name !== this.current) continue;
      const insert = typeof item.insertValue === 'string' && usableInsert(item.insertValue, name) ? item.insertValue.trimEnd() : name;
      const word = keep + insert;
      this.add(word, item.description, item.type === 'folder' || word.endsWith('/') || word.endsWith('='));
    }
  }
}

/** An `insertValue` that is the name with a `/` or `=` after it is used; a template (`{cursor}`) is not. */
function usableInsert(insert: string, name: string): boolean {
  const trimmed = insert.trimEnd();
  return trimmed !== name && trimmed.startsWith(name) && /^[/=]$/.test(trimmed.slice(name.length));
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return (end < 0 ? text : text.slice(0, end)).trim();
}

/** An argument's candidates: its suggestions, its template's files, its generators' output (when done in time). */
export function argument(found: Offer, arg: Arg, word: string, keep: string, call: OfferCall, generated: Promise<void>[]): void {
  if (arg.suggestions === undefined && arg.template === undefined && arg.generators === undefined && !arg.isCommand) {
    // The spec names the argument but not what goes there (tar's ARCHIVE): what a shell offers, file names.
    template(found, 'filepaths', word, keep, call);
    return;
  }
  for (const item of asArray(arg.suggestions)) found.suggestion(item, keep);
  if (arg.isCommand === true) for (const program of programs(word, call.env.PATH ?? '')) found.add(keep + program.word);
  if (arg.template !== undefined) template(found, arg.template, word, keep, call);
  for (const generator of asArray(arg.generators)) {
    if (!isEntry(generator)) continue;
    if (generator.template !== undefined) template(found, generator.template, word, keep, call, generator.filterTemplateSuggestions);
    if (generator.script === undefined && generator.custom === undefined) continue;
    const kept = keep + word.slice(0, word.length - queryTerm(generator, word).length);
    generated.push(
      generate(generator, { tokens: call.tokens, cwd: call.cwd, env: call.env }).then((items) => {
        for (const item of items) found.suggestion(item, kept);
      }),
    );
  }
}

/** `filepaths` or `folders`: the entries of the directory the word names, maybe filtered by the spec. */
function template(
  found: Offer,
  kinds: Generator['template'],
  word: string,
  keep: string,
  call: OfferCall,
  filter?: Generator['filterTemplateSuggestions'],
): void {
  const wanted = asArray(kinds);
  if (!wanted.includes('filepaths') && !wanted.includes('folders')) return;
  const entries = files(word, call.cwd, { home: call.env.HOME, directoriesOnly: !wanted.includes('filepaths') });
  if (typeof filter !== 'function') {
    for (const entry of entries) found.file(keep === '' ? entry : { ...entry, word: keep + entry.word });
    return;
  }
  const dirPart = word.slice(0, word.lastIndexOf('/') + 1);
  const given: TemplateSuggestion[] = entries.map((entry) => {
    const name = entry.word.slice(dirPart.length);
    const folder = entry.partial === true;
    return { name, type: folder ? 'folder' : 'file', context: { templateType: folder ? 'folders' : 'filepaths' } };
  });
  let kept: unknown;
  try {
    kept = filter(given);
  } catch {
    return;
  }
  for (const item of asArray(kept as Suggestion[])) found.suggestion(item, keep + dirPart);
}
