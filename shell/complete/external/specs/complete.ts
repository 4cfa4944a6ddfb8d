/**
 * Completing a command line with a fig spec: walk the words typed so far
 * through the spec (subcommands, options and their arguments, positional
 * arguments), then offer what the last word can be: subcommands, options,
 * the suggestions of the argument due, and what its generators produce.
 * Generators that are not done by the deadline are left out of this answer.
 */
import { envFingerprint, TtlCache } from '../cache.ts';
import { LATE, within } from '../deadline.ts';
import type { Arg, Candidate, CompletionSpec, Option, Subcommand } from '../types.ts';
import { executor, trackRunning } from './generators.ts';
import { asArray, followLoadSpec, isEntry, loadSpecTarget, mergeGenerated, names } from './load.ts';
import { argument, Offer } from './offer.ts';

export interface SpecCall {
  /** Every word, the program first and the word being completed last. */
  tokens: string[];
  cwd: string;
  env: Record<string, string>;
  /** `performance.now()` past which nothing more is waited for. */
  deadline: number;
  specFor?: ((program: string) => CompletionSpec | undefined) | undefined;
}

export type SpecAnswer =
  /**
   * What the spec offers; `timedOut` when something it would have run was not done by the deadline,
   * `provisional` when it was given before what the spec adds to itself was ready. Either way the
   * next Tab asks again rather than reusing this answer.
   */
  | { candidates: Candidate[]; timedOut: boolean; provisional?: boolean }
  /** The words from `at` on are a command of their own (`sudo git che`): complete them as such. */
  | { nested: number };

/** Where the walk through the words has got to. */
interface Walk {
  command: Subcommand;
  /** Persistent options of the subcommands above. */
  inherited: Option[];
  /** The positional argument the next word fills. */
  argIndex: number;
  argsSeen: number;
  /** After `--`: every word is an argument. */
  optionsEnded: boolean;
  /** The arguments of the option just given, still due. */
  pending: { args: Arg[]; index: number } | undefined;
  /** How often each option was given (by its first name). */
  used: Map<string, number>;
  timedOut: boolean;
  /**
   * First try: what `generateSpec` adds is not waited for unless ready. Set when it was left out
   * (`skipped`) and when a word then found no place in the spec without it (`unplaced`).
   */
  eager: boolean;
  skipped: boolean;
  unplaced: boolean;
  /** The generateSpec runs the eager try left for after its answer (starting a program costs ~10 ms). */
  deferred: (() => Promise<unknown>)[];
}

/**
 * Complete the last of `call.tokens` with `spec`, the spec of the program (`call.tokens[0]`).
 * What a spec adds to itself at run time (git's external commands, from `git help -a`) is
 * waited for only when it can matter: when the words find no place, or no candidate, without it.
 * An answer given without it is `provisional`: the next Tab, which has it, is not answered
 * from the cache.
 */
export async function completeWithSpec(spec: Subcommand, call: SpecCall): Promise<SpecAnswer> {
  const eager = await walkWords(spec, call, true);
  if ('nested' in eager) return eager;
  if (!eager.skipped) return { candidates: eager.candidates, timedOut: eager.timedOut };
  if (eager.candidates.length > 0 && !eager.unplaced) {
    if (eager.deferred.length > 0) startLater(eager.deferred);
    return { candidates: eager.candidates, timedOut: eager.timedOut, provisional: true };
  }
  const full = await walkWords(spec, call, false);
  return 'nested' in full ? full : { candidates: full.candidates, timedOut: full.timedOut };
}

async function walkWords(
  spec: Subcommand,
  call: SpecCall,
  eager: boolean,
): Promise<
  | { nested: number }
  | { candidates: Candidate[]; timedOut: boolean; skipped: boolean; unplaced: boolean; deferred: (() => Promise<unknown>)[] }
> {
  const execute = executor(call.cwd, call.env);
  const walk: Walk = {
    command: spec,
    inherited: [],
    argIndex: 0,
    argsSeen: 0,
    optionsEnded: false,
    pending: undefined,
    used: new Map(),
    timedOut: false,
    eager,
    skipped: false,
    unplaced: false,
    deferred: [],
  };
  await enter(walk, spec, call);
  const tokens = [...call.tokens];
  let expansions = 0;
  for (let i = 1; i < tokens.length - 1; i++) {
    const token = tokens[i] as string;
    if (walk.pending && !breaksPending(walk, token)) {
      const arg = walk.pending.args[walk.pending.index] as Arg;
      if (!arg.isVariadic) walk.pending.index++;
      if (walk.pending.index >= walk.pending.args.length) walk.pending = undefined;
      continue;
    }
    walk.pending = undefined;
    if (!walk.optionsEnded && token.startsWith('-') && token !== '-') {
      const sub = walk.argsSeen === 0 ? subcommandNamed(walk.command, token) : undefined;
      if (sub) await descend(walk, sub, token, call, execute);
      else if (token === '--' && !optionNamed(walk, '--')) walk.optionsEnded = true;
      else takeOption(walk, token);
      continue;
    }
    const sub = walk.argsSeen === 0 ? subcommandNamed(walk.command, token) : undefined;
    if (sub) {
      await descend(walk, sub, token, call, execute);
      continue;
    }
    if (walk.skipped) walk.unplaced = true;
    const arg = argAt(walk);
    if (arg?.isCommand) return { nested: i };
    const alias = arg?.parserDirectives?.alias;
    if (alias !== undefined && expansions < MAX_EXPANSIONS) {
      const words = await expandAlias(alias, token, execute, call.deadline);
      if (words === LATE) walk.timedOut = true;
      else if (words && words.length > 0) {
        expansions++;
        tokens.splice(i, 1, ...words);
        i--;
        continue;
      }
    }
    if (arg?.loadSpec !== undefined) {
      const target = await within(
        loadSpecTarget(arg.loadSpec, token, execute, call.specFor).catch(() => undefined),
        call.deadline,
      );
      if (target === LATE) walk.timedOut = true;
      else if (target) {
        restart(walk, target);
        await enter(walk, target, call);
        continue;
      }
    }
    walk.argsSeen++;
    if (arg && !arg.isVariadic) walk.argIndex++;
  }
  const current = tokens.length > 1 ? (tokens.at(-1) as string) : '';
  const candidates = await offer(walk, current, expansions > 0 ? { ...call, tokens } : call);
  return { candidates, timedOut: walk.timedOut, skipped: walk.skipped, unplaced: walk.unplaced, deferred: walk.deferred };
}

/** Aliases that expand to aliases are followed this many times at most. */
const MAX_EXPANSIONS = 5;

/** What an alias word stands for, as words (`co` → `['checkout']`); undefined when it is none. */
async function expandAlias(
  alias: NonNullable<NonNullable<Arg['parserDirectives']>['alias']>,
  token: string,
  execute: ReturnType<typeof executor>,
  deadline: number,
): Promise<string[] | undefined | typeof LATE> {
  const expanded = await within(
    Promise.resolve()
      .then(() => (typeof alias === 'function' ? alias(token, execute) : alias))
      .catch(() => undefined),
    deadline,
  );
  if (expanded === LATE) return LATE;
  // A shell alias (`!f() { … }`) is not words a spec can read.
  if (typeof expanded !== 'string' || expanded.trim().startsWith('!')) return undefined;
  return expanded.trim().split(/\s+/).filter(Boolean);
}

/** Start `work` once the answer has gone out (counted by generatorsSettled meanwhile). */
function startLater(work: (() => Promise<unknown>)[]): void {
  trackRunning(
    new Promise((resolve) => {
      setImmediate(() => resolve(Promise.all(work.map((start) => start())))).unref();
    }),
  );
}

/** Start on a (sub)command: what its `generateSpec` adds is merged in first (when ready, on the eager try). */
async function enter(walk: Walk, command: Subcommand, call: SpecCall): Promise<void> {
  if (typeof command.generateSpec !== 'function') return;
  const started = generatedCache.get(generatedKey(command, call));
  const ready = started && generatedReady.get(started);
  if (ready) {
    walk.command = ready;
    return;
  }
  if (walk.eager) {
    walk.skipped = true;
    if (!started) walk.deferred.push(() => generatedSpec(command, call));
    return;
  }
  const made = await within(started ?? generatedSpec(command, call), call.deadline);
  if (made === LATE) walk.timedOut = true;
  else walk.command = made;
}

/** Run what the spec adds to itself (`generateSpec`) ahead of the first Tab; its result waits in the cache. */
export async function prepareSpec(spec: Subcommand, call: Omit<SpecCall, 'deadline'>): Promise<void> {
  if (typeof spec.generateSpec === 'function') await generatedSpec(spec, { ...call, deadline: Number.POSITIVE_INFINITY });
}

/** `generateSpec` runs a program (`git help -a`): its result is kept a while, by its cache key or the directory. */
const generatedCache = new TtlCache<Promise<Subcommand>>(30_000, 64);
/** The value of each settled generateSpec promise, readable without waiting. */
const generatedReady = new WeakMap<Promise<Subcommand>, Subcommand>();
const specIds = new WeakMap<object, number>();
let nextSpecId = 0;

function generatedKey(command: Subcommand, call: SpecCall): string {
  let id = specIds.get(command);
  if (id === undefined) {
    id = nextSpecId++;
    specIds.set(command, id);
  }
  let own: string | undefined;
  try {
    const key = command.generateSpecCacheKey;
    own = typeof key === 'function' ? key({ tokens: call.tokens }) : key;
  } catch {}
  return [id, typeof own === 'string' ? own : `${call.cwd}\0${envFingerprint(call.env)}`].join('\0');
}

function generatedSpec(command: Subcommand, call: SpecCall): Promise<Subcommand> {
  const cacheKey = generatedKey(command, call);
  let made = generatedCache.get(cacheKey);
  if (!made) {
    made = Promise.resolve()
      .then(() => (command.generateSpec as NonNullable<Subcommand['generateSpec']>)(call.tokens.slice(0, -1), executor(call.cwd, call.env)))
      .then((generated) => mergeGenerated(command, generated))
      .catch(() => command);
    const promise = made;
    void promise.then((spec) => generatedReady.set(promise, spec));
    trackRunning(promise);
    generatedCache.set(cacheKey, made);
  }
  return made;
}

async function descend(walk: Walk, sub: Subcommand, token: string, call: SpecCall, execute: ReturnType<typeof executor>): Promise<void> {
  walk.inherited = [...walk.inherited, ...asArray(walk.command.options).filter((o) => isEntry(o) && o.isPersistent === true)];
  let target = sub;
  if (sub.loadSpec !== undefined) {
    const loaded = await within(followLoadSpec(sub, token, execute, call.specFor), call.deadline);
    if (loaded === LATE) walk.timedOut = true;
    else target = loaded;
  }
  walk.command = target;
  walk.argIndex = 0;
  walk.argsSeen = 0;
  walk.pending = undefined;
  await enter(walk, target, call);
}

/** An argument's `loadSpec`: the words after it belong to another spec. */
function restart(walk: Walk, spec: Subcommand): void {
  walk.command = spec;
  walk.inherited = [];
  walk.argIndex = 0;
  walk.argsSeen = 0;
  walk.optionsEnded = false;
  walk.pending = undefined;
  walk.used = new Map();
}

function subcommandNamed(command: Subcommand, token: string): Subcommand | undefined {
  return asArray(command.subcommands).find((sub) => isEntry(sub) && names(sub.name).includes(token));
}

/** Every option that can be given here: the subcommand's own and those persistent above it. */
function optionsHere(walk: Walk): Option[] {
  return [...asArray(walk.command.options), ...walk.inherited].filter((o): o is Option => isEntry(o));
}

function optionNamed(walk: Walk, name: string): Option | undefined {
  return optionsHere(walk).find((option) => names(option.name).includes(name));
}

/** The separators between an option and its value in one word (`=`, or what the spec says). */
function separators(walk: Walk, option?: Option): string[] {
  if (option && typeof option.requiresSeparator === 'string') return [option.requiresSeparator];
  const own = asArray(walk.command.parserDirectives?.optionArgSeparators).filter((s) => typeof s === 'string' && s !== '');
  return own.length > 0 ? own : ['='];
}

/** An option word: `--name`, `--name=value`, or short options run together (`-xvf`, the last maybe taking the next word). */
function takeOption(walk: Walk, token: string): void {
  const exact = optionNamed(walk, token);
  if (exact) {
    use(walk, exact);
    const args = optionArgs(exact);
    if (args.length > 0 && !args[0]?.isOptional && !requiresSeparator(exact)) walk.pending = { args, index: 0 };
    return;
  }
  for (const separator of separators(walk)) {
    const at = token.indexOf(separator);
    if (at <= 0) continue;
    const option = optionNamed(walk, token.slice(0, at));
    if (option) {
      use(walk, option);
      return;
    }
  }
  const posix = walk.command.parserDirectives?.flagsArePosixNoncompliant !== true;
  if (!posix || token.startsWith('--') || token.length <= 2) return;
  for (let i = 1; i < token.length; i++) {
    const option = optionNamed(walk, `-${token[i]}`);
    if (!option) return;
    use(walk, option);
    const args = optionArgs(option);
    if (args.length > 0) {
      // `-fname`: the rest of the word is the value; `-xf`: the next word is.
      if (i === token.length - 1 && !args[0]?.isOptional) walk.pending = { args, index: 0 };
      return;
    }
  }
}

function use(walk: Walk, option: Option): void {
  const key = names(option.name)[0] ?? '';
  walk.used.set(key, (walk.used.get(key) ?? 0) + 1);
}

function optionArgs(option: Option): Arg[] {
  return asArray(option.args).filter((a): a is Arg => isEntry(a));
}

function requiresSeparator(option: Option): boolean {
  return option.requiresSeparator === true || typeof option.requiresSeparator === 'string' || option.requiresEquals === true;
}

/** A word that ends an option's variadic or optional arguments: another option. */
function breaksPending(walk: Walk, token: string): boolean {
  const pending = walk.pending;
  if (!pending || walk.optionsEnded || !token.startsWith('-') || token === '-') return false;
  const arg = pending.args[pending.index];
  if (!arg?.isVariadic && !arg?.isOptional) return false;
  return arg.optionsCanBreakVariadicArg !== false && optionNamed(walk, token.split('=')[0] as string) !== undefined;
}

/** The positional argument the next word fills (a variadic last one fills all the rest). */
function argAt(walk: Walk): Arg | undefined {
  const args = asArray(walk.command.args).filter((a): a is Arg => isEntry(a));
  const arg = args[walk.argIndex];
  if (arg) return arg;
  const last = args.at(-1);
  return last?.isVariadic ? last : undefined;
}

// ---- what the last word can be ----------------------------------------------------------------------------

async function offer(walk: Walk, current: string, call: SpecCall): Promise<Candidate[]> {
  const found = new Offer(current);
  const generated: Promise<void>[] = [];
  const optionsOpen = !walk.optionsEnded;

  // `--name=val`: the value of an option that takes one.
  if (optionsOpen && current.startsWith('-')) {
    for (const separator of separators(walk)) {
      const at = current.indexOf(separator);
      if (at <= 0) continue;
      const option = optionNamed(walk, current.slice(0, at));
      const arg = option ? optionArgs(option)[0] : undefined;
      if (!arg) continue;
      const keep = current.slice(0, at + separator.length);
      argument(found, arg, current.slice(keep.length), keep, call, generated);
      return settle(found, generated, walk, call);
    }
  }

  const pending = walk.pending ? walk.pending.args[walk.pending.index] : undefined;
  if (pending) {
    argument(found, pending, current, '', call, generated);
    if (!pending.isOptional) return settle(found, generated, walk, call);
  }

  if (walk.argsSeen === 0) {
    for (const sub of asArray(walk.command.subcommands)) found.suggestion(sub);
  }
  const arg = argAt(walk);
  if (arg && !(walk.command.requiresSubcommand === true && walk.argsSeen === 0 && asArray(walk.command.subcommands).length > 0)) {
    // After `-`, an argument's own suggestions still count (`git checkout -`), its programs and files do not.
    if (current.startsWith('-') && optionsOpen) for (const item of asArray(arg.suggestions)) found.suggestion(item);
    else argument(found, arg, current, '', call, generated);
  }
  const afterArgs = walk.command.parserDirectives?.optionsMustPrecedeArguments === true && walk.argsSeen > 0;
  if (optionsOpen && current.startsWith('-') && !afterArgs) {
    options(found, walk);
    shortAfter(found, walk, current);
  }
  return settle(found, generated, walk, call);
}

/**
 * `-x` typed, short options that take no value: the words another short option
 * after them makes (`-xv`, `-xf`), described by that option, as fish offers them.
 */
function shortAfter(found: Offer, walk: Walk, current: string): void {
  if (!/^-[A-Za-z0-9]+$/.test(current) || walk.command.parserDirectives?.flagsArePosixNoncompliant === true) return;
  const letters = current.slice(1);
  for (const letter of letters) {
    const option = optionNamed(walk, `-${letter}`);
    if (!option || optionArgs(option).some((arg) => !arg.isOptional)) return;
  }
  for (const option of optionsHere(walk)) {
    if (option.hidden === true) continue;
    for (const name of names(option.name)) {
      if (/^-[A-Za-z0-9]$/.test(name) && !letters.includes(name.slice(1))) found.add(current + name.slice(1), option.description);
    }
  }
}

/** Wait for the generators until the deadline; what is done by then is in the answer. */
async function settle(found: Offer, generated: Promise<void>[], walk: Walk, call: SpecCall): Promise<Candidate[]> {
  if (generated.length > 0 && (await within(Promise.all(generated), call.deadline)) === LATE) walk.timedOut = true;
  return found.list;
}

function options(found: Offer, walk: Walk): void {
  const given = new Set<string>();
  for (const option of optionsHere(walk)) if (walk.used.has(names(option.name)[0] ?? '')) for (const n of names(option.name)) given.add(n);
  for (const option of optionsHere(walk)) {
    const all = names(option.name);
    const count = walk.used.get(all[0] ?? '') ?? 0;
    const limit =
      option.isRepeatable === true ? Number.POSITIVE_INFINITY : typeof option.isRepeatable === 'number' ? option.isRepeatable : 1;
    if (count >= limit) continue;
    if (asArray(option.exclusiveOn).some((name) => given.has(name))) continue;
    if (option.hidden === true) continue;
    const separator = requiresSeparator(option) && optionArgs(option).length > 0 ? separators(walk, option)[0] : undefined;
    for (const name of all) {
      if (separator !== undefined) found.add(name + separator, option.description, true);
      else found.add(name, option.description);
    }
  }
}
