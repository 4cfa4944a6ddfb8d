/**
 * Completion of a whole line, the one list Tab shows and `tosh --complete`
 * prints (CONTRACT §16): variables after `$`, users after `~`, job specs
 * after `%`, directories after `cd`, commands (tosh's own, built-ins,
 * functions, aliases, programs) in command position, tosh's commands from
 * their schemas and hooks, and every other program from the external sources
 * (specs, fish, bash-completion, file names), which are loaded on first use.
 */
import type { Piece } from '../line/scanner.ts';
import { BUILTINS } from '../run/builtins/index.ts';
import { type Completion, type CompletionSource, complete, wordAt } from './commands.ts';
import type { Candidate, CompletionSpec, SourceName } from './external/types.ts';
import { directories } from './words/directories.ts';
import { type JobEntry, jobs } from './words/jobs.ts';
import { files } from './words/paths.ts';
import { programs } from './words/programs.ts';
import { users } from './words/users.ts';
import { variables } from './words/variables.ts';

/** What completing a line reads of the shell. */
export interface LineContext {
  /** tosh's own commands: names, schemas, `complete` hooks. */
  source: CompletionSource;
  cwd: string;
  /** The exported variables: what programs (and generators) run with. */
  env: Record<string, string>;
  /** Every variable, shell and exported, by name → value. */
  variables(): Record<string, string>;
  /** The shell functions' names. */
  functions(): Iterable<string>;
  /** Aliases, name → what replaces it. */
  aliases(): Record<string, string>;
  /** The job table, for `%`. */
  jobs?(): readonly JobEntry[];
  /** A completion spec a plugin contributes for a program. */
  specFor?(program: string): CompletionSpec | undefined;
  /** Sources turned off. */
  disabled?: ReadonlySet<string>;
  /** Aborted when the answer is no longer wanted (the user typed on). */
  signal?: AbortSignal;
  /** Each source asked, how long it took and how it ended (for `--debug`). */
  debug?(source: string, ms: number, outcome: string): void;
}

/** Commands whose arguments are directories only. */
const DIRECTORY_COMMANDS = new Set(['cd', 'pushd']);
/** Commands whose arguments are variable names (`export HO` → `HOME`). */
const VARIABLE_COMMANDS = new Set(['export', 'unset', 'local', 'readonly']);

/** A line's completion: where the word starts, what it can become, with descriptions. */
export async function completeLine(line: string, cursor: number, ctx: LineContext): Promise<Completion> {
  const at = wordAt(line, cursor);
  const { current, start, done, piece } = at;
  const off = ctx.disabled ?? new Set<string>();
  const answer = (candidates: Candidate[], options: { raw?: boolean; sort?: boolean } = {}): Completion =>
    fromCandidates(candidates, start, cursor, current, options);
  const singleQuoted = piece?.raw.startsWith("'") === true;

  // `$`, `~` and `%` mean the same whatever the command.
  if (!singleQuoted && current.includes('$') && /\$\{?[A-Za-z0-9_]*$/.test(current)) {
    return off.has('variables') ? answer([]) : answer(variables(current, ctx.variables()), { raw: true });
  }
  if (/^~[^/]*$/.test(current) && piece?.quoted !== true) {
    return off.has('users') ? answer([]) : answer(await users(current, { env: ctx.env }), { raw: true });
  }
  if (current.startsWith('%') && done.length > 0) return off.has('jobs') ? answer([]) : answer(jobs(current, ctx.jobs?.() ?? []));

  const words = done.filter((p) => p.kind === 'word');
  const afterRedirect = done.at(-1)?.kind === 'op';
  if (done.length === 0) return commandNames(line, cursor, ctx, at);
  const commandWord = (words[0] as Piece | undefined)?.value;
  if (commandWord === undefined || afterRedirect) return off.has('files') ? answer([]) : complete(line, cursor, ctx.source);

  if (DIRECTORY_COMMANDS.has(commandWord) && !current.startsWith('-')) {
    return answer(off.has('files') ? [] : directories(current, ctx.cwd, { home: ctx.env.HOME, cdpath: ctx.variables().CDPATH }));
  }
  if (VARIABLE_COMMANDS.has(commandWord) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(current) && !off.has('variables')) {
    return answer(variables(`$${current}`, ctx.variables()).map((c) => ({ ...c, word: c.word.slice(1) })));
  }
  const isFunction = new Set(ctx.functions()).has(commandWord);
  const alias = ctx.aliases()[commandWord];
  if (!isFunction && alias === undefined && !off.has('commands') && ctx.source.resolve(commandWord))
    return complete(line, cursor, ctx.source);

  // An alias completes as what it stands for (`ll` → `ls -l`); a function's arguments are file names.
  if (isFunction) return answer(off.has('files') ? [] : files(current, ctx.cwd, { home: ctx.env.HOME }));
  const typedWords = [...words.map((p) => p.value), current];
  const aliasWords = alias === undefined ? [] : alias.trim().split(/\s+/);
  const fullWords = alias === undefined || aliasWords.length === 0 ? typedWords : [...aliasWords, ...typedWords.slice(1)];
  const stageStart = (words[0] as Piece).start;
  const stageText = line.slice(stageStart, cursor);
  const stageLine = alias === undefined ? stageText : `${alias.trim()}${stageText.slice(commandWord.length)}`;
  const { completeExternal } = await external();
  const request: Parameters<typeof completeExternal>[0] = { words: fullWords, line: stageLine, cwd: ctx.cwd, env: ctx.env, disabled: off };
  if (ctx.signal) request.signal = ctx.signal;
  if (ctx.specFor) request.specFor = (program) => ctx.specFor?.(program);
  if (ctx.debug) request.debug = (source, ms, outcome) => ctx.debug?.(source, ms, outcome);
  const found = await completeExternal(request);
  const sourceOff = (source: SourceName | 'none') => source === 'files' && off.has('files');
  return answer(sourceOff(found.source) ? [] : found.candidates, { sort: false });
}

/** The command word: tosh's commands, the language's built-ins, functions, aliases, then programs on PATH. */
async function commandNames(line: string, cursor: number, ctx: LineContext, at: ReturnType<typeof wordAt>): Promise<Completion> {
  const off = ctx.disabled ?? new Set<string>();
  const { current, start } = at;
  const own = off.has('commands') ? undefined : await complete(line, cursor, { ...ctx.source, programs: () => [] });
  if (current.includes('/')) {
    return own ?? fromCandidates([], start, cursor, current, {});
  }
  const found = new Map<string, string | undefined>();
  for (const item of own?.items ?? []) found.set(item, own?.descriptions?.[item] ?? ctx.source.resolve(item)?.description);
  const add = (name: string, description: string) => {
    if (name.startsWith(current) && !found.has(name)) found.set(name, description);
  };
  for (const name of ctx.functions()) add(name, 'function');
  for (const [name, value] of Object.entries(ctx.aliases())) add(name, `alias: ${value}`);
  if (current !== '') {
    for (const name of BUILTINS.keys()) add(name, 'built-in');
    if (!off.has('programs')) {
      for (const program of programs(current, ctx.env.PATH ?? '')) if (!found.has(program.word)) found.set(program.word, undefined);
    }
  }
  const candidates: Candidate[] = [...found].map(([word, description]) => (description ? { word, description } : { word }));
  return fromCandidates(candidates, start, cursor, current, {});
}

/** The external machinery (specs, fish, bash, generators): imported on the first Tab that needs it, never at start-up. */
function external() {
  return import('./external/index.ts');
}

/** A completion from candidates: each word once; sorted unless the source's order means something. */
function fromCandidates(
  candidates: Candidate[],
  start: number,
  end: number,
  current: string,
  options: { raw?: boolean; sort?: boolean },
): Completion {
  const items: string[] = [];
  const descriptions: Record<string, string> = {};
  const partial: string[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    if (seen.has(candidate.word)) continue;
    seen.add(candidate.word);
    items.push(candidate.word);
    if (candidate.description) descriptions[candidate.word] = candidate.description;
    if (candidate.partial) partial.push(candidate.word);
  }
  if (options.sort !== false) items.sort();
  const completion: Completion = { start, end, current: commonStart(items, current), items, paths: false, descriptions };
  if (partial.length > 0) completion.partial = partial;
  if (options.raw) completion.raw = true;
  return completion;
}

/**
 * What the items are measured against when completing their common prefix:
 * the word as typed, or '' when an item does not start with it (a candidate
 * that replaces the word, such as `${HOME}` for `${HO`).
 */
function commonStart(items: string[], current: string): string {
  return items.every((item) => item.startsWith(current)) ? current : '';
}

/** `tosh --complete` and tests: one candidate a line, `word<TAB>description` (the word alone when it has none). */
export function candidateLines(completion: Completion): string {
  return completion.items
    .map((item) => (completion.descriptions?.[item] ? `${item}\t${completion.descriptions[item]}\n` : `${item}\n`))
    .join('');
}
