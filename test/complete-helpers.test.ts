// Completion from fish and bash-completion for programs that have no spec: the long-lived helper
// processes, what reaches them (never as code), and that they are started again when they die.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { completeExternal, type ExternalRequest, stopCompletion } from '../shell/complete/external/index.ts';
import { project, testEnv } from './fixtures/complete/projects.ts';
import { finished, ROOT, tempDir } from './helpers/tosh.ts';

const hasFish = (() => {
  try {
    execFileSync('fish', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const hasBashCompletion = existsSync('/usr/share/bash-completion/bash_completion');
const ENV = testEnv();

async function complete(line: string, cwd: string, extra: Partial<ExternalRequest> = {}) {
  const outcomes: string[] = [];
  const answer = await completeExternal({
    words: line.split(' '),
    line,
    cwd,
    env: ENV,
    debug: (source, _ms, outcome) => outcomes.push(`${source}: ${outcome}`),
    ...extra,
  });
  return { ...answer, outcomes };
}

/** The helper shells this test process started (children of it named `name`). */
function helpers(name: string): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), '-x', name], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

beforeEach(() => stopCompletion());
afterAll(() => stopCompletion());

describe.skipIf(!hasFish)('fish', () => {
  it('answers for a program with no spec, with descriptions', async () => {
    const answer = await complete('apt-cache sh', tempDir());
    expect(answer.source).toBe('fish');
    expect(answer.candidates).toEqual([
      { word: 'show', description: 'Display package record' },
      { word: 'showpkg', description: 'Show package info' },
      { word: 'showsrc', description: 'Show source package' },
    ]);
    expect(answer.outcomes).toEqual(['specs: no spec', 'fish: 3 candidates']);
  });

  it('completes file names in the request’s directory, even odd ones', async () => {
    const dir = project({ "it's here.txt": '', 'x y/z': '', 'plain.txt': '' });
    const answer = await complete('gzip ', dir, { line: 'gzip ' });
    expect(answer.candidates).toEqual([{ word: "it's here.txt" }, { word: 'plain.txt' }, { word: 'x y/', partial: true }]);
  });

  it('a line with quotes, `;` and `$(…)` is text to fish, never code', async () => {
    const marker = join(tempDir(), 'ran');
    for (const line of [
      `gzip x'; touch ${marker}; echo '`,
      `gzip "$(touch ${marker})`,
      `gzip \\'; touch ${marker} #`,
      `gzip x\ntouch ${marker}`,
    ]) {
      await complete(line, tempDir(), { words: ['gzip', 'x'], line });
    }
    expect(existsSync(marker)).toBe(false);
    // And it still answers after them.
    expect((await complete('apt-cache showp', tempDir())).candidates).toEqual([{ word: 'showpkg', description: 'Show package info' }]);
  });

  it('follows the request’s environment and directory between calls', async () => {
    const one = project({ 'alpha.txt': '' });
    const two = project({ 'beta.txt': '' });
    expect((await complete('gzip ', one)).candidates).toEqual([{ word: 'alpha.txt' }]);
    expect((await complete('gzip ', two)).candidates).toEqual([{ word: 'beta.txt' }]);
    // A changed HOME reaches fish: `~/` is the new one.
    const home = project({ 'in-home.txt': '' });
    expect((await complete('gzip ~/in', one, { env: { ...ENV, HOME: home }, words: ['gzip', '~/in'] })).candidates).toEqual([
      { word: '~/in-home.txt' },
    ]);
  });

  it('is started again when it dies', async () => {
    await complete('apt-cache sh', tempDir());
    const [pid] = helpers('fish');
    expect(pid).toBeGreaterThan(0);
    process.kill(pid as number, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = await complete('apt-cache showsr', tempDir());
    expect(again.candidates).toEqual([{ word: 'showsrc', description: 'Show source package' }]);
    expect(helpers('fish')).not.toContain(pid);
  });

  it('does not keep the process alive: a script that asked fish ends by itself', async () => {
    // The engine bundled as the shell is (under node_modules, so that it finds the spec library).
    const out = join(ROOT, 'node_modules', '.cache', 'tosh-test', `complete-exit-${process.pid}.mjs`);
    await build({
      stdin: {
        contents: `import { completeExternal } from ${JSON.stringify(join(ROOT, 'shell/complete/external/index.ts'))};
const answer = await completeExternal({ words: ['apt-cache', 'showp'], line: 'apt-cache showp', cwd: '/', env: process.env });
console.log(answer.source, answer.candidates.map((c) => c.word).join(','));`,
        resolveDir: ROOT,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: out,
      logLevel: 'silent',
    });
    const child = spawn(process.execPath, [out], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(await finished(child, 15000)).toEqual({ stdout: 'fish showpkg\n', stderr: '', code: 0 });
  });
});

describe.skipIf(!hasBashCompletion)('bash-completion', () => {
  const noFish = new Set(['fish']);

  it('answers with values (no descriptions) when fish is off or has nothing', async () => {
    const answer = await complete('gzip --std', tempDir(), { disabled: noFish });
    expect(answer).toEqual({ source: 'bash', candidates: [{ word: '--stdout' }], outcomes: ['specs: no spec', 'bash: 1 candidates'] });
  });

  it('a subcommand list from a completion function (ip a)', async () => {
    const answer = await complete('ip a', tempDir(), { disabled: noFish });
    expect(answer.candidates.map((c) => c.word)).toEqual(expect.arrayContaining(['address', 'addrlabel']));
  });

  it('a program bash-completion does not know: file names', async () => {
    const dir = project({ 'f.txt': '' });
    const answer = await complete('no-such-program-x f', dir, { disabled: noFish });
    expect(answer).toEqual({ source: 'files', candidates: [{ word: 'f.txt' }], outcomes: ['specs: no spec', 'bash: no completions'] });
  });

  it('words with quotes and `$(…)` are text to bash, never code', async () => {
    const marker = join(tempDir(), 'ran');
    for (const word of [`x'; touch ${marker}; '`, `$(touch ${marker})`, `\`touch ${marker}\``, `a\ntouch ${marker}`]) {
      await complete('gzip', tempDir(), { disabled: noFish, words: ['gzip', word], line: `gzip ${word}` });
    }
    expect(existsSync(marker)).toBe(false);
    expect((await complete('gzip --std', tempDir(), { disabled: noFish })).candidates).toEqual([{ word: '--stdout' }]);
  });

  it('turned off too: file names', async () => {
    const dir = project({ 'g.txt': '' });
    const answer = await complete('gzip g', dir, { disabled: new Set(['fish', 'bash']) });
    expect(answer).toMatchObject({ source: 'files', candidates: [{ word: 'g.txt' }] });
  });
});
