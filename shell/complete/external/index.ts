/**
 * Completion for external programs: the sources in order — a fig spec (a
 * plugin's, then `@withfig/autocomplete`'s), fish's completions, bash-completion,
 * then file names — each with a time limit, and the answer to a repeated
 * request from a cache. Nothing here throws: a source that fails is skipped.
 */

import { files } from '../words/paths.ts';
import { onPath } from '../words/programs.ts';
import { bashComplete, bashCompletionFile, stopBash } from './bash.ts';
import { envFingerprint, TtlCache } from './cache.ts';
import { LATE, within } from './deadline.ts';
import { killAll } from './exec.ts';
import { fishComplete, stopFish } from './fish.ts';
import { completeWithSpec, prepareSpec } from './specs/complete.ts';
import { clearGeneratorCache } from './specs/generators.ts';
import { programOf, specByName } from './specs/load.ts';
import {
  type Candidate,
  type CompletionSpec,
  type ExternalCompletion,
  type ExternalRequest,
  MAX_CANDIDATES,
  SOURCE_LIMIT_MS,
  type SourceName,
} from './types.ts';

export { generatorsSettled } from './specs/generators.ts';
export { specFile, specLibrary } from './specs/load.ts';
export type * from './types.ts';
export { MAX_CANDIDATES, SOURCE_LIMIT_MS } from './types.ts';

/** How long an answer is reused for the same words in the same place. */
const ANSWER_TTL_MS = 5000;
/** How long prepareExternal waits for the generators it starts (they go on filling the cache after). */
const PREPARE_LIMIT_MS = 2000;
const answers = new TtlCache<ExternalCompletion>(ANSWER_TTL_MS, 256);
const specIds = new WeakMap<object, number>();
let nextSpecId = 0;

/**
 * What the last of `request.words` can become, from the first source that
 * knows the program. Each source gets {@link SOURCE_LIMIT_MS}; one that is
 * late is left behind (its answer fills the cache for the next Tab).
 * @example await completeExternal({ words: ['git', 'che'], line: 'git che', cwd, env })
 *   // { source: 'specs', candidates: [{ word: 'checkout', description: 'Switch branches or restore working tree files' }, …] }
 */
export async function completeExternal(request: ExternalRequest): Promise<ExternalCompletion> {
  const started = performance.now();
  const words = request.words.length > 0 ? request.words : [''];
  if (words.length < 2) return { source: 'none', candidates: [] };
  const program = programOf(words[0] as string);
  let contributed: CompletionSpec | undefined;
  try {
    contributed = request.disabled?.has('specs') ? undefined : request.specFor?.(program);
  } catch {}
  const key = answerKey(request, words, contributed);
  const cached = answers.get(key);
  if (cached) {
    request.debug?.('cache', performance.now() - started, `${cached.source}: ${cached.candidates.length} candidates`);
    return cached;
  }
  if (request.signal?.aborted) return { source: 'none', candidates: [] };
  const work = firstAnswer(request, words, program, key).then((answer) => {
    if (answer.cache) answers.set(key, answer.completion);
    return answer.completion;
  });
  if (!request.signal) return work;
  // Given up on: answer at once with nothing; what was started goes on and fills the caches.
  const signal = request.signal;
  let onAbort = () => {};
  const aborted = new Promise<ExternalCompletion>((resolve) => {
    onAbort = () => resolve({ source: 'none', candidates: [] });
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}

interface Found {
  completion: ExternalCompletion;
  /** False when a source ran late: the next Tab asks again (and finds what it left in its caches). */
  cache: boolean;
}

async function firstAnswer(request: ExternalRequest, words: string[], program: string, key: string): Promise<Found> {
  const { cwd, env } = request;
  const current = words.at(-1) as string;
  const off = request.disabled ?? new Set<string>();
  const report = (source: string, since: number, outcome: string) => request.debug?.(source, performance.now() - since, outcome);
  const found = (source: SourceName, candidates: Candidate[], cache = true): Found => ({
    completion: { source, candidates: candidates.slice(0, MAX_CANDIDATES) },
    cache,
  });
  let late = false;

  if (!off.has('specs')) {
    const since = performance.now();
    const deadline = since + SOURCE_LIMIT_MS;
    try {
      const spec = await within(specByName(program, request.specFor), deadline);
      if (spec === LATE) {
        // Still loading: it is kept for the next Tab; fish or bash may answer this one.
        report('specs', since, 'timed out loading the spec');
        late = true;
      } else if (!spec) report('specs', since, 'no spec');
      else {
        const answer = await completeWithSpec(spec, { tokens: words, cwd, env, deadline, specFor: request.specFor });
        if ('nested' in answer) {
          report('specs', since, `'${words[answer.nested]}' is a command of its own`);
          const nested = await completeExternal({ ...request, words: words.slice(answer.nested) });
          return { completion: nested, cache: false };
        }
        const note = answer.timedOut
          ? ' (timed out: some generators left out)'
          : answer.provisional
            ? " (before the spec's own additions were ready)"
            : '';
        report('specs', since, `${answer.candidates.length} candidates${note}`);
        return found('specs', answer.candidates, !answer.timedOut && !answer.provisional);
      }
    } catch (error) {
      report('specs', since, `failed: ${(error as Error)?.message ?? String(error)}`);
    }
  }

  // fish and bash: only one is asked (the first that has completions for the program), then file names.
  const helper = { program, line: request.line, cwd, env };
  const remember = (source: SourceName) => (candidates: Candidate[] | undefined) => {
    if (candidates) answers.set(key, { source, candidates: candidates.slice(0, MAX_CANDIDATES) });
  };
  if (!off.has('fish') && onPath('fish', env.PATH)) {
    const since = performance.now();
    const answer = await fishComplete({ ...helper, deadline: since + SOURCE_LIMIT_MS, onLate: remember('fish') });
    if (answer.candidates) {
      report('fish', since, `${answer.candidates.length} candidates`);
      return found('fish', answer.candidates, !late);
    }
    report('fish', since, answer.timedOut ? 'timed out' : 'no completions');
    if (answer.timedOut) return found('files', files(current, cwd, { home: env.HOME }), false);
  }
  if (!off.has('bash') && bashCompletionFile() && onPath('bash', env.PATH)) {
    const since = performance.now();
    const answer = await bashComplete({ ...helper, words, deadline: since + SOURCE_LIMIT_MS, onLate: remember('bash') });
    if (answer.candidates && answer.candidates.length > 0) {
      report('bash', since, `${answer.candidates.length} candidates`);
      return found('bash', answer.candidates, !late);
    }
    report('bash', since, answer.timedOut ? 'timed out' : answer.candidates ? 'nothing (file names instead)' : 'no completions');
    if (answer.timedOut) late = true;
  }
  return found('files', files(current, cwd, { home: env.HOME }), !late);
}

/**
 * Start loading what completing this command needs — its spec module, what
 * the spec adds to itself (git's `git help -a`) and what its first argument's
 * generators list (git's aliases) — so that the first Tab
 * finds them ready. For the line editor to call, without waiting, once a
 * command name is typed and followed by a space. Never rejects.
 * @example void prepareExternal({ words: ['git', ''], cwd, env })
 */
export async function prepareExternal(request: Pick<ExternalRequest, 'words' | 'cwd' | 'env' | 'specFor' | 'disabled'>): Promise<void> {
  const first = request.words[0];
  if (first === undefined || first === '' || request.disabled?.has('specs')) return;
  const call = { tokens: [first, ''], cwd: request.cwd, env: request.env, specFor: request.specFor };
  try {
    const spec = await specByName(programOf(first), request.specFor);
    if (!spec) return;
    await prepareSpec(spec, call);
    // And what the first word's generators list (git's aliases): the same words' Tab finds them in the cache.
    await completeWithSpec(spec, { ...call, deadline: performance.now() + PREPARE_LIMIT_MS });
  } catch {}
}

function answerKey(request: ExternalRequest, words: string[], contributed: CompletionSpec | undefined): string {
  let specId = -1;
  if (contributed !== undefined && typeof contributed === 'object') {
    specId = specIds.get(contributed) ?? nextSpecId++;
    specIds.set(contributed, specId);
  }
  const disabled = [...(request.disabled ?? [])].sort().join(',');
  return [request.cwd, envFingerprint(request.env), disabled, specId, request.line, ...words].join('\0');
}

/**
 * Stop every helper process (fish, bash, generators still running) and
 * forget what is cached: for the shell's exit (they are killed then anyway)
 * and for tests.
 */
export function stopCompletion(): void {
  stopFish();
  stopBash();
  killAll();
  answers.clear();
  clearGeneratorCache();
}
