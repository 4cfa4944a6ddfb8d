/**
 * Spec generators: the suggestions a program's output gives (`git branch` →
 * branches, `package.json` → scripts), or a spec's own function. Programs run
 * with the request's cwd and environment, never through a shell, each killed
 * after its `scriptTimeout` (5 s at most). A late one still fills the cache for
 * the next Tab; a failing one gives nothing.
 */
import { resolve } from 'node:path';
import { envFingerprint, TtlCache } from '../cache.ts';
import { run, splitCommandLine } from '../exec.ts';
import type { ExecuteCommand, ExecuteCommandInput, ExecuteCommandOutput, Generator, GeneratorContext, Suggestion } from '../types.ts';
import { asArray, isObject } from './load.ts';

/** How long a generator's suggestions are reused while the same word is typed on. @default 5 s */
const DEFAULT_TTL_MS = 5000;
const MAX_TTL_MS = 60_000;
/** No program a generator starts runs longer (fig's default scriptTimeout). */
const MAX_SCRIPT_MS = 5000;

export interface GeneratorCall {
  /** Every word, the command name first and the word being completed last. */
  tokens: string[];
  cwd: string;
  env: Record<string, string>;
}

const cache = new TtlCache<Promise<Suggestion[]>>(DEFAULT_TTL_MS, 512);
const running = new Set<Promise<unknown>>();
const ids = new WeakMap<object, number>();
let nextId = 0;

/** Count `work` (never rejecting) among what {@link generatorsSettled} waits for. */
export function trackRunning(work: Promise<unknown>): void {
  running.add(work);
  void work.finally(() => running.delete(work));
}

/** Resolves once every generator (and generateSpec) started so far has finished (tests: a late one has filled its cache). */
export async function generatorsSettled(): Promise<void> {
  while (running.size > 0) await Promise.allSettled([...running]);
}

/** Forget every cached generator result (tests). */
export function clearGeneratorCache(): void {
  cache.clear();
}

/**
 * The part of the word that filters a generator's suggestions: all of it, or
 * what follows the last `getQueryTerm` string (`cd ~/src/ma` → `ma`).
 */
export function queryTerm(generator: Generator, token: string): string {
  const term = generator.getQueryTerm;
  if (typeof term === 'string' && term !== '') {
    const at = token.lastIndexOf(term);
    return at < 0 ? token : token.slice(at + term.length);
  }
  if (typeof term === 'function') {
    try {
      const query = term(token);
      if (typeof query === 'string' && token.endsWith(query)) return query;
    } catch {}
  }
  return token;
}

/** What of the word a generator's result depends on: a new `/` after `trigger: '/'` makes it run again. */
function triggerState(generator: Generator, token: string): string {
  const query = queryTerm(generator, token);
  if (query.length !== token.length) return token.slice(0, token.length - query.length);
  const trigger = generator.trigger;
  if (trigger === undefined) return '';
  if (typeof trigger === 'string') return token.slice(0, token.lastIndexOf(trigger) + 1);
  return token;
}

/** The suggestions of one generator, from the cache when the same call ran lately. */
export function generate(generator: Generator, call: GeneratorCall): Promise<Suggestion[]> {
  let id = ids.get(generator);
  if (id === undefined) {
    id = nextId++;
    ids.set(generator, id);
  }
  const token = call.tokens.at(-1) ?? '';
  const key = [id, call.cwd, envFingerprint(call.env), triggerState(generator, token), ...call.tokens.slice(0, -1)].join('\0');
  const cached = cache.get(key);
  if (cached) return cached;
  const made = produce(generator, call).catch(() => [] as Suggestion[]);
  trackRunning(made);
  const ttl = generator.cache?.ttl;
  cache.set(key, made, typeof ttl === 'number' && ttl > 0 ? Math.min(ttl, MAX_TTL_MS) : DEFAULT_TTL_MS);
  return made;
}

async function produce(generator: Generator, call: GeneratorCall): Promise<Suggestion[]> {
  const execute = executor(call.cwd, call.env);
  if (typeof generator.custom === 'function') {
    const context: GeneratorContext = {
      currentWorkingDirectory: call.cwd,
      environmentVariables: call.env,
      currentProcess: 'tosh',
      sshPrefix: '',
      searchTerm: queryTerm(generator, call.tokens.at(-1) ?? ''),
      isDangerous: false,
    };
    return suggestionList(await generator.custom(call.tokens, execute, context));
  }
  if (generator.script === undefined) return [];
  const script = typeof generator.script === 'function' ? generator.script(call.tokens) : generator.script;
  const input = scriptInput(script, call.env.HOME);
  if (!input) return [];
  if (typeof generator.scriptTimeout === 'number') input.timeout = generator.scriptTimeout;
  // fig hands postProcess the output without its last newline (kill's spec reads every line as `pid comm`).
  const stdout = (await execute(input)).stdout.trimEnd();
  if (typeof generator.postProcess === 'function') return suggestionList(generator.postProcess(stdout, call.tokens));
  const lines = stdout.split(typeof generator.splitOn === 'string' && generator.splitOn !== '' ? generator.splitOn : '\n');
  return lines.filter((line) => line !== '').map((name) => ({ name }));
}

/** A generator's `script` as a program to run; a command line that needs a shell is not run. */
function scriptInput(script: unknown, home: string | undefined): ExecuteCommandInput | undefined {
  if (typeof script === 'string') {
    const words = splitCommandLine(script, home);
    return words ? { command: words[0] as string, args: words.slice(1) } : undefined;
  }
  if (Array.isArray(script)) {
    const [command, ...args] = script;
    return typeof command === 'string' ? { command, args: args.map(String) } : undefined;
  }
  if (isObject(script) && typeof script.command === 'string') return { ...(script as unknown as ExecuteCommandInput) };
  return undefined;
}

/**
 * The `executeCommand` specs are given: `{ command, args, cwd, env, timeout }`
 * gives `{ stdout, stderr, status }`; the old form, a command line, gives its
 * stdout (and nothing when it needs a shell).
 */
export function executor(cwd: string, env: Record<string, string>): ExecuteCommand {
  const execute = async (input: unknown): Promise<ExecuteCommandOutput | string> => {
    if (typeof input === 'string') {
      const words = splitCommandLine(input, env.HOME);
      if (!words) return '';
      return (await run(words[0] as string, words.slice(1), { cwd, env, timeoutMs: MAX_SCRIPT_MS })).stdout;
    }
    if (!isObject(input) || typeof input.command !== 'string') return { stdout: '', stderr: 'no command', status: 127 };
    const runEnv = { ...env };
    if (isObject(input.env)) {
      for (const [name, value] of Object.entries(input.env)) {
        if (typeof value === 'string') runEnv[name] = value;
        else delete runEnv[name];
      }
    }
    const timeout = typeof input.timeout === 'number' && input.timeout > 0 ? Math.min(input.timeout, MAX_SCRIPT_MS) : MAX_SCRIPT_MS;
    const args = asArray(input.args as unknown[]).map(String);
    return run(input.command, args, {
      cwd: typeof input.cwd === 'string' ? resolve(cwd, input.cwd) : cwd,
      env: runEnv,
      timeoutMs: timeout,
    });
  };
  return execute as ExecuteCommand;
}

/** What a generator returned, as suggestion objects (strings become names; anything else is dropped). */
function suggestionList(value: unknown): Suggestion[] {
  if (!Array.isArray(value)) return [];
  const list: Suggestion[] = [];
  for (const item of value) {
    if (typeof item === 'string') list.push({ name: item });
    else if (isObject(item)) list.push(item as Suggestion);
  }
  return list;
}
