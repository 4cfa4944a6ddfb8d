// `tosh --complete 'LINE'` (CONTRACT §16): the list Tab shows, one `word<TAB>description` a line, from the real
// binary in git repositories, npm projects and Makefiles written by the test, with a HOME of its own.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitRepo, project, testEnv } from './fixtures/complete/projects.ts';
import { fixture, tempDir, tosh } from './helpers/tosh.ts';

/** What `tosh --complete LINE` prints in `cwd`, as [word, description] pairs. */
async function complete(line: string, cwd: string, options: { env?: Record<string, string>; args?: string[]; home?: string } = {}) {
  const home = options.home ?? tempDir('tosh-complete-home-');
  const result = await tosh([...(options.args ?? []), '--complete', line], { cwd, home, env: { ...testEnv(home), ...options.env } });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'));
}
const words = (lines: string[][]) => lines.map((l) => l[0]);

describe('external programs, from their specs', () => {
  it('git che: the subcommands with their descriptions', async () => {
    expect(await complete('git che', tempDir())).toEqual([
      ['checkout', 'Switch branches or restore working tree files'],
      ['cherry-pick', 'Apply the changes introduced by some existing commits'],
    ]);
  });

  it('git checkout fe: the branches of the repository', async () => {
    const repo = gitRepo(['feature-login', 'feature-search', 'fix-typo']);
    expect(await complete('git checkout fe', repo)).toEqual([
      ['feature-login', 'Branch'],
      ['feature-search', 'Branch'],
    ]);
  });

  it('git commit --am: the option', async () => {
    const lines = await complete('git commit --am', gitRepo([]));
    expect(words(lines)).toEqual(['--amend']);
    expect(lines[0]?.[1]).toMatch(/^Replace the tip of the current branch/);
  });

  it('npm run: the scripts of the nearest package.json; one that is not JSON gives none, quietly', async () => {
    const dir = project({ 'package.json': JSON.stringify({ name: 'p', scripts: { build: 'tsc', test: 'vitest run' } }) });
    mkdirSync(join(dir, 'src'));
    expect(await complete('npm run ', join(dir, 'src'))).toEqual([
      ['build', 'tsc'],
      ['test', 'vitest run'],
    ]);
    expect(await complete('npm run ', project({ 'package.json': '{ not json' }))).toEqual([]);
  });

  it('make: the targets of the Makefile, with their comments', async () => {
    const dir = project({ Makefile: '# Build it\nbuild:\n\ttrue\n\ntest: build ## Run the tests\n\ttrue\n' });
    expect(await complete('make ', dir)).toEqual([
      ['build', 'Build it'],
      ['test', 'Run the tests'],
    ]);
  });

  it("ssh: the hosts of HOME's .ssh/config", async () => {
    const home = tempDir('tosh-complete-home-');
    mkdirSync(join(home, '.ssh'));
    writeFileSync(join(home, '.ssh', 'config'), 'Host alpha\n  HostName a.example\nHost beta\n');
    expect(words(await complete('ssh ', tempDir(), { home }))).toEqual(['alpha', 'beta']);
  });

  it('kill: process ids, described by their command', async () => {
    const lines = await complete('kill ', tempDir());
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every(([pid]) => /^\d+$/.test(pid ?? ''))).toBe(true);
    expect(words(lines)).toContain('1');
  });

  it('tar -x: the option', async () => {
    expect(await complete('tar -x', tempDir())).toEqual([['-x', 'Extract files from an archive']]);
  });

  it('caps a 10,000-branch repository at 1,000 candidates', async () => {
    const repo = gitRepo(Array.from({ length: 10_000 }, (_, i) => `b${String(i).padStart(5, '0')}`));
    const lines = await complete('git checkout b', repo);
    expect(lines.length).toBe(1000);
    expect(lines[0]).toEqual(['b00000', 'Branch']);
  });
});

describe('words of the shell itself', () => {
  it('cd: directories only', async () => {
    const dir = project({ 'notes.txt': '', 'src/a.ts': '', 'docs/b.md': '' });
    expect(await complete('cd ', dir)).toEqual([['docs/'], ['src/']]);
  });

  it('echo $HO: variables, with their values', async () => {
    const home = tempDir('tosh-complete-home-');
    expect(await complete('echo $HO', tempDir(), { home, env: { HOSTTYPE: 'x86_64' } })).toEqual([
      ['$HOME', home],
      ['$HOSTTYPE', 'x86_64'],
    ]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the line as typed, braces and all
    expect(await complete('echo ${HO', tempDir(), { home })).toEqual([['${HOME}', home]]);
  });

  it('export HO: variable names', async () => {
    const home = tempDir('tosh-complete-home-');
    expect(await complete('export HO', tempDir(), { home })).toEqual([['HOME', home]]);
  });

  it('ls -l: the option, and the words one more short option makes, as fish offers them', async () => {
    const lines = await complete('ls -l', tempDir());
    expect(lines[0]?.[0]).toBe('-l');
    expect(words(lines)).toEqual(expect.arrayContaining(['-la', '-lh', '-lt']));
  });

  it('~ro: users', async () => {
    expect(await complete('ls ~ro', tempDir())).toEqual([['~root/', 'root']]);
  });

  it('command position: tosh commands with descriptions, aliases, and programs on PATH', async () => {
    const home = tempDir('tosh-complete-home-');
    writeFileSync(join(home, 'config.json'), JSON.stringify({ aliases: { gitlog: 'git log --oneline' } }));
    const lines = await complete('gi', tempDir(), { home });
    expect(lines).toContainEqual(['git']);
    expect(lines).toContainEqual(['gitlog', 'alias: git log --oneline']);
    const echo = await complete('ech', tempDir());
    expect(echo).toEqual([['echo', 'Return the words joined by single spaces']]);
  });

  it('an alias completes as what it stands for', async () => {
    const home = tempDir('tosh-complete-home-');
    writeFileSync(join(home, 'config.json'), JSON.stringify({ aliases: { co: 'git checkout' } }));
    expect(words(await complete('co fe', gitRepo(['feature-x']), { home }))).toEqual(['feature-x']);
  });

  it("tosh's own commands still complete from their schemas", async () => {
    expect(await complete('help --', tempDir())).toContainEqual(['--help', 'Show how to use the command']);
  });
});

describe('what plugins contribute, and what goes wrong', () => {
  const plugins = () => ['--plugins', join(fixture('complete'), 'plugins')];

  it("a plugin's spec completes its program: subcommands, options, a generator's values", async () => {
    const args = plugins();
    expect(await complete('deploy ', tempDir(), { args })).toEqual([
      ['staging', 'The test servers'],
      ['production', 'The real ones'],
      ['status'],
    ]);
    expect(await complete('deploy -', tempDir(), { args })).toEqual([
      ['-f', 'Skip the checks'],
      ['--force', 'Skip the checks'],
    ]);
    expect(await complete('deploy status ', tempDir(), { args })).toEqual([['eu-1', 'Frankfurt'], ['us-2']]);
  });

  it('a generator that never ends is left behind; one that throws leaves the rest', async () => {
    const args = plugins();
    expect(await complete('hang ', tempDir(), { args })).toEqual([['soon']]);
    expect(await complete('broken ', tempDir(), { args })).toEqual([['works']]);
  });

  it('config.json turns a source off', async () => {
    const home = tempDir('tosh-complete-home-');
    writeFileSync(join(home, 'config.json'), JSON.stringify({ completion: { disable: ['variables', 'specs', 'fish', 'bash'] } }));
    expect(await complete('echo $HO', tempDir(), { home })).toEqual([]);
    // With specs, fish and bash off, git's arguments are file names.
    expect(await complete('git ', project({ 'a.txt': '' }), { home })).toEqual([['a.txt']]);
  });

  it('--debug says which source answered and how long it took', async () => {
    const home = tempDir('tosh-complete-home-');
    const result = await tosh(['--debug', '--complete', 'tar -x'], { cwd: tempDir(), home, env: testEnv(home) });
    expect(result.stdout).toBe('-x\tExtract files from an archive\n');
    expect(result.stderr).toMatch(/^tosh: complete: specs: \d+\.\d ms: 1 candidates\n$/);
  });

  it('an unknown command also looks among programs on PATH for what was meant', async () => {
    expect(await tosh(['-c', 'gerp x'])).toEqual({
      stdout: '',
      stderr: "tosh: unknown command 'gerp' (did you mean 'grep'?)\n",
      code: 127,
    });
  });
});
