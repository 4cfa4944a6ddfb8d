// Completion of external programs from fig specs: the engine called directly, in git repositories,
// npm projects and Makefiles written by the test, with a HOME of its own.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Candidate,
  type CompletionSpec,
  completeExternal,
  type ExternalRequest,
  generatorsSettled,
  prepareExternal,
  stopCompletion,
} from '../shell/complete/external/index.ts';
import { gitRepo, project, testEnv } from './fixtures/complete/projects.ts';
import { tempDir } from './helpers/tosh.ts';

// Only the spec source: fish and bash have tests of their own, and file names are the spec's to offer.
const SPECS_ONLY = new Set(['fish', 'bash']);
const ENV = testEnv();

async function complete(line: string, cwd: string, extra: Partial<ExternalRequest> = {}) {
  const words = line.split(' ');
  const outcomes: string[] = [];
  const answer = await completeExternal({
    words,
    line,
    cwd,
    env: ENV,
    disabled: SPECS_ONLY,
    debug: (source, _ms, outcome) => outcomes.push(`${source}: ${outcome}`),
    ...extra,
  });
  return { ...answer, outcomes };
}

const wordsOf = (candidates: Candidate[]) => candidates.map((c) => c.word);

beforeEach(() => stopCompletion());
afterAll(() => stopCompletion());

describe('subcommands and options', () => {
  it('git che: the subcommands that start so, with their descriptions', async () => {
    const answer = await complete('git che', tempDir());
    expect(answer.source).toBe('specs');
    expect(answer.candidates).toEqual(
      expect.arrayContaining([
        { word: 'checkout', description: 'Switch branches or restore working tree files' },
        { word: 'cherry-pick', description: 'Apply the changes introduced by some existing commits' },
      ]),
    );
    expect(wordsOf(answer.candidates).every((w) => w.startsWith('che'))).toBe(true);
  });

  it('git commit --am: the option, not the files', async () => {
    const answer = await complete('git commit --am', gitRepo([]));
    expect(wordsOf(answer.candidates)).toEqual(['--amend']);
    expect(answer.candidates[0]?.description).toMatch(/^Replace the tip of the current branch/);
  });

  it('an option given once is not offered again; one that requires `=` comes with it, partial', async () => {
    const once = await complete('git commit --amend --am', gitRepo([]));
    expect(wordsOf(once.candidates)).toEqual([]);
    const separated = await complete('git add --chm', gitRepo([]));
    expect(separated.candidates).toEqual([expect.objectContaining({ word: '--chmod=', partial: true })]);
    const value = await complete('git add --chmod=', gitRepo([]));
    expect(wordsOf(value.candidates)).toEqual(['--chmod=+x', '--chmod=-x']);
  });

  it('tar -x: a mode the spec writes as a subcommand', async () => {
    const answer = await complete('tar -x', tempDir());
    expect(answer.candidates).toEqual([{ word: '-x', description: 'Extract files from an archive' }]);
  });

  it('the value of an option given before, which the spec leaves open (tar -x -f ARCHIVE): file names', async () => {
    const dir = project({ 'backup.tar': '', 'notes.txt': '', 'sub/x': '' });
    const answer = await complete('tar -x -f ', dir);
    expect(answer.candidates).toEqual([{ word: 'backup.tar' }, { word: 'notes.txt' }, { word: 'sub/', partial: true }]);
  });

  it('sudo git che: the rest of the line is a command of its own', async () => {
    const answer = await complete('sudo git che', tempDir());
    expect(wordsOf(answer.candidates)).toEqual(expect.arrayContaining(['checkout', 'cherry-pick']));
  });

  it('an alias is read as what it stands for: git co fe → branches', async () => {
    const repo = gitRepo(['feature-a', 'fix']);
    execFileSync('git', ['config', 'alias.co', 'checkout'], { cwd: repo, env: ENV });
    const answer = await complete('git co fe', repo);
    expect(answer.candidates).toEqual([{ word: 'feature-a', description: 'Branch' }]);
    expect(wordsOf((await complete('git c', repo)).candidates)).toContain('co');
  });

  it('a program named by its path finds its spec', async () => {
    const answer = await complete('/usr/bin/git che', tempDir());
    expect(wordsOf(answer.candidates)).toContain('checkout');
  });
});

describe('generators', () => {
  it('git checkout fe: the branches that start so', async () => {
    const repo = gitRepo(['feature-a', 'feature-b', 'fix', 'main-old']);
    const answer = await complete('git checkout fe', repo);
    expect(answer.candidates).toEqual([
      { word: 'feature-a', description: 'Branch' },
      { word: 'feature-b', description: 'Branch' },
    ]);
  });

  it('git checkout: branches first, then the files beside them', async () => {
    const repo = gitRepo(['dev']);
    const answer = await complete('git checkout ', repo);
    expect(wordsOf(answer.candidates)).toEqual(['-', 'dev', 'main', 'README.md']);
  });

  it('npm run: the scripts of the nearest package.json, from a folder below it', async () => {
    const dir = project({
      'package.json': JSON.stringify({ name: 'x', scripts: { build: 'tsc -p .', test: 'vitest run', lint: 'biome check .' } }),
      'src/index.ts': '',
    });
    const answer = await complete('npm run ', join(dir, 'src'));
    expect(answer.candidates).toEqual([
      { word: 'build', description: 'tsc -p .' },
      { word: 'test', description: 'vitest run' },
      { word: 'lint', description: 'biome check .' },
    ]);
  });

  it('make: the targets of the Makefile, with their comments', async () => {
    const dir = project({
      Makefile: [
        '# Compile everything',
        'build:',
        '\techo build',
        '',
        'test: build ## Run the tests',
        '\techo test',
        '.PHONY: build test',
        '',
      ].join('\n'),
    });
    const answer = await complete('make ', dir);
    expect(answer.candidates).toEqual(
      expect.arrayContaining([
        { word: 'build', description: 'Compile everything' },
        { word: 'test', description: 'Run the tests' },
      ]),
    );
    expect(wordsOf(answer.candidates)).not.toContain('.PHONY');
  });

  it('ssh: the hosts of ~/.ssh/config (not the wildcard ones)', async () => {
    const env = testEnv();
    mkdirSync(join(env.HOME as string, '.ssh'));
    writeFileSync(
      join(env.HOME as string, '.ssh', 'config'),
      'Host alpha\n  User me\nHost beta.example.com\nHost *\n  ServerAliveInterval 30\n',
    );
    const answer = await complete('ssh ', tempDir(), { env });
    expect(answer.candidates).toEqual([
      { word: 'alpha', description: 'SSH host' },
      { word: 'beta.example.com', description: 'SSH host' },
    ]);
  });

  it('kill: process ids, described by their program', async () => {
    const answer = await complete('kill ', tempDir());
    expect(answer.candidates).toContainEqual({ word: String(process.pid), description: expect.stringMatching(/node/) });
  });

  it('the same words again are answered from the cache', async () => {
    const repo = gitRepo(['feature-a']);
    // With what git's spec adds to itself (`git help -a`) ready, as after the first Tab.
    await prepareExternal({ words: ['git', ''], cwd: repo, env: ENV });
    await complete('git checkout fe', repo);
    const again = await complete('git checkout fe', repo);
    expect(again.outcomes).toEqual(['cache: specs: 1 candidates']);
    expect(wordsOf(again.candidates)).toEqual(['feature-a']);
  });

  it('10,000 branches: at most 1,000 candidates, all that match a longer prefix', async () => {
    const branches = Array.from({ length: 10_000 }, (_, i) => `topic/${String(i).padStart(5, '0')}`);
    const repo = gitRepo(branches);
    // git itself may take longer than the limit to list them: the first answer may come without them, and
    // what git prints later fills the cache.
    await complete('git checkout ', repo);
    await generatorsSettled();
    const all = await complete('git checkout ', repo);
    expect(all.candidates).toHaveLength(1000);
    expect(all.candidates.slice(0, 2)).toEqual([
      { word: '-', description: 'Switch to the last used branch' },
      { word: 'main', description: 'Current branch' },
    ]);
    const some = await complete('git checkout topic/0999', repo);
    expect(wordsOf(some.candidates)).toEqual(Array.from({ length: 10 }, (_, i) => `topic/0999${i}`));
  });
});

describe('specs from plugins, and specs that misbehave', () => {
  const contributed = (specs: Record<string, CompletionSpec>) => ({ specFor: (program: string) => specs[program] });

  it('a plugin spec answers for its program before the library', async () => {
    const spec: CompletionSpec = {
      name: 'deploy',
      subcommands: [
        { name: 'start', description: 'Start a deployment' },
        { name: 'status', description: 'Show where it is' },
      ],
      options: [{ name: ['-e', '--env'], description: 'Target', args: { suggestions: ['prod', 'staging'] } }],
    };
    expect((await complete('deploy st', tempDir(), contributed({ deploy: spec }))).candidates).toEqual([
      { word: 'start', description: 'Start a deployment' },
      { word: 'status', description: 'Show where it is' },
    ]);
    expect(wordsOf((await complete('deploy --env ', tempDir(), contributed({ deploy: spec }))).candidates)).toEqual(['prod', 'staging']);
    expect(wordsOf((await complete('deploy --env=st', tempDir(), contributed({ deploy: spec }))).candidates)).toEqual(['--env=staging']);
  });

  it('prepareExternal runs what the spec adds to itself before the first Tab, once', async () => {
    let runs = 0;
    const spec: CompletionSpec = {
      name: 'grow',
      subcommands: [{ name: 'base' }],
      generateSpec: async () => {
        runs++;
        return { name: 'grow', subcommands: [{ name: 'bonus', description: 'Added at run time' }] };
      },
    };
    const dir = tempDir();
    await prepareExternal({ words: ['grow', ''], cwd: dir, env: ENV, ...contributed({ grow: spec }) });
    expect(runs).toBe(1);
    const answer = await complete('grow b', dir, contributed({ grow: spec }));
    expect(answer.candidates).toEqual([{ word: 'base' }, { word: 'bonus', description: 'Added at run time' }]);
    expect(runs).toBe(1);
    await expect(prepareExternal({ words: [], cwd: dir, env: ENV })).resolves.toBeUndefined();
  });

  it('what a spec adds to itself is waited for only when the words need it', async () => {
    const spec: CompletionSpec = {
      name: 'grow',
      subcommands: [{ name: 'base' }],
      generateSpec: async () => ({ name: 'grow', subcommands: [{ name: 'bonus' }] }),
    };
    const dir = tempDir();
    // `b` matches a subcommand the spec has: answered at once, and not kept.
    const first = await complete('grow b', dir, contributed({ grow: spec }));
    expect(first.candidates).toEqual([{ word: 'base' }]);
    expect(first.outcomes).toEqual(["specs: 1 candidates (before the spec's own additions were ready)"]);
    await generatorsSettled();
    expect(wordsOf((await complete('grow b', dir, contributed({ grow: spec }))).candidates)).toEqual(['base', 'bonus']);
    // `bo` matches nothing without the additions: they are waited for.
    stopCompletion();
    expect(wordsOf((await complete('grow bo', dir, contributed({ grow: spec }))).candidates)).toEqual(['bonus']);
  });

  it('a generator that sleeps does not hold the answer: the rest comes at the limit', async () => {
    const spec: CompletionSpec = {
      name: 'slow',
      args: { suggestions: ['quick'], generators: { script: ['sleep', '30'], postProcess: () => [{ name: 'never' }] } },
    };
    const answer = await complete('slow ', tempDir(), contributed({ slow: spec }));
    expect(answer.candidates).toEqual([{ word: 'quick' }]);
    expect(answer.outcomes).toEqual(['specs: 1 candidates (timed out: some generators left out)']);
  });

  it('an aborted request answers at once with nothing, and what it started still fills the cache', async () => {
    const marker = tempDir();
    const spec: CompletionSpec = { name: 'slowish', args: { generators: { script: ['sh', '-c', 'sleep 0.2; echo done'] } } };
    const controller = new AbortController();
    const asked = complete('slowish ', marker, { ...contributed({ slowish: spec }), signal: controller.signal });
    controller.abort();
    expect(await asked).toMatchObject({ source: 'none', candidates: [] });
    await generatorsSettled();
    expect((await complete('slowish ', marker, contributed({ slowish: spec }))).candidates).toEqual([{ word: 'done' }]);
  });

  it('a spec whose generateSpec runs a program that never ends still answers', async () => {
    const spec: CompletionSpec = {
      name: 'hang',
      subcommands: [{ name: 'help' }],
      generateSpec: async (_tokens, execute) => {
        await execute({ command: 'sleep', args: ['30'] });
        return { name: 'hang', subcommands: [{ name: 'hidden-extra' }] };
      },
    };
    const answer = await complete('hang ', tempDir(), contributed({ hang: spec }));
    expect(wordsOf(answer.candidates)).toEqual(['help']);
  });

  it('a spec that throws gives file names instead, never an exception', async () => {
    const spec = {
      name: 'broken',
      get subcommands(): never {
        throw new Error('boom');
      },
    } as CompletionSpec;
    const dir = project({ 'a.txt': '' });
    const answer = await complete('broken ', dir, contributed({ broken: spec }));
    expect(answer).toMatchObject({ source: 'files', candidates: [{ word: 'a.txt' }] });
    expect(answer.outcomes[0]).toBe('specs: failed: boom');
  });

  it('generators that throw, or return nonsense, give nothing', async () => {
    const spec: CompletionSpec = {
      name: 'odd',
      args: {
        suggestions: ['kept'],
        generators: [
          {
            custom: async () => {
              throw new Error('no');
            },
          },
          { script: ['echo', 'x'], postProcess: () => 'not a list' as never },
          { custom: async () => [null, 42, 'plain', { name: ['a', 'b'] }] as never },
        ],
      },
    };
    expect(wordsOf((await complete('odd ', tempDir(), contributed({ odd: spec }))).candidates)).toEqual(['kept', 'plain', 'a', 'b']);
  });

  it('a package.json that is not JSON: no scripts, no exception', async () => {
    const dir = project({ 'package.json': '{ "scripts": { "build": ' });
    const answer = await complete('npm run ', dir);
    expect(answer).toMatchObject({ source: 'specs', candidates: [] });
  });

  it('an old-style command line is split into words and never given to a shell', async () => {
    const marker = join(tempDir(), 'ran');
    const spec: CompletionSpec = {
      name: 'legacy',
      args: {
        generators: {
          custom: async (_tokens, execute) => {
            const plain = await execute('echo one two');
            const shelled = await execute(`echo x; touch ${marker}`);
            return [...plain.trim().split(' '), ...(shelled === '' ? ['refused'] : [])];
          },
        },
      },
    };
    expect(wordsOf((await complete('legacy ', tempDir(), contributed({ legacy: spec }))).candidates)).toEqual(['one', 'two', 'refused']);
    const { existsSync } = await import('node:fs');
    expect(existsSync(marker)).toBe(false);
  });

  it('no spec, no helpers: file names', async () => {
    const dir = project({ 'one.txt': '', 'two/x': '' });
    const answer = await complete('no-such-program-x ', dir);
    expect(answer).toEqual({
      source: 'files',
      candidates: [{ word: 'one.txt' }, { word: 'two/', partial: true }],
      outcomes: ['specs: no spec'],
    });
  });
});
