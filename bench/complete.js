// `node bench/complete.js`: the latency of completion for external programs (shell/complete/external),
// first and repeated, p50 and p95, for `git che`, `git checkout ` (20 branches) and `npm run `, and how
// far its answers agree with fish's own (`fish -c "complete -C 'LINE'"`) on ten lines.
//   first (new process): a shell's first Tab on that program — the spec module is imported then;
//   prepared: the same, but the line editor called prepareExternal when the command name was typed
//     (150 ms before the Tab: the time to type `che`);
//   first (warm): a later Tab on new words — the spec is loaded, no answer or generator output cached;
//   repeated: the same words again — the answer cache.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SAMPLES = Number(process.env.SAMPLES ?? 25);
// `--json`: the latency figures as one line of JSON, no fish comparison (bench/run.js adds them to its table).
const JSON_ONLY = process.argv.includes('--json');
const work = mkdtempSync(join(tmpdir(), 'tosh-bench-complete-'));

// The engine bundled as the shell bundles it, under node_modules so that it finds the spec library.
const engine = join(ROOT, 'node_modules', '.cache', 'tosh-bench', 'complete.mjs');
await build({
  entryPoints: [join(ROOT, 'shell/complete/external/index.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: engine,
  logLevel: 'warning',
});

// ---- fixtures: a repository with 20 branches, an npm project with a Makefile, a HOME of its own ------------
const home = join(work, 'home');
mkdirSync(join(home, '.ssh'), { recursive: true });
writeFileSync(join(home, '.ssh', 'config'), 'Host alpha\nHost beta\n');
const env = { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8', GIT_CONFIG_NOSYSTEM: '1' };
const repo = join(work, 'repo');
mkdirSync(repo);
const git = (...args) => execFileSync('git', args, { cwd: repo, env, stdio: 'ignore' });
git('init', '-q', '-b', 'main');
writeFileSync(
  join(repo, 'package.json'),
  JSON.stringify({ name: 'bench', scripts: { build: 'tsc', test: 'vitest run', lint: 'biome check .', start: 'node .' } }),
);
writeFileSync(join(repo, 'Makefile'), '# Build it\nbuild:\n\ttrue\n\ntest: build ## Run the tests\n\ttrue\n');
git('add', '.');
git('-c', 'user.name=b', '-c', 'user.email=b@example.com', 'commit', '-q', '-m', 'first');
for (let i = 0; i < 19; i++) git('branch', `feature-${String(i).padStart(2, '0')}`);

const LINES = ['git che', 'git checkout ', 'npm run '];

/** Runs in a child: times `line` once cold (first call in the process), or many times warm and repeated. */
const probe = `
const { completeExternal, prepareExternal, stopCompletion } = await import(${JSON.stringify(pathToFileURL(engine).href)});
const [mode, line, samples] = process.argv.slice(2);
const words = line.split(' ');
const request = { words, line, cwd: ${JSON.stringify(repo)}, env: process.env };
const time = async () => { const t = performance.now(); await completeExternal(request); return performance.now() - t; };
const out = { first: [], repeated: [] };
if (mode === 'cold') out.first.push(await time());
else if (mode === 'prepared') {
  prepareExternal(request);
  await new Promise((resolve) => setTimeout(resolve, 150));
  out.first.push(await time());
} else {
  await time();
  for (let i = 0; i < Number(samples); i++) {
    stopCompletion();
    out.first.push(await time());
    out.repeated.push(await time());
  }
}
console.log(JSON.stringify(out));
stopCompletion();
`;
const probeFile = join(work, 'probe.mjs');
writeFileSync(probeFile, probe);

function runProbe(mode, line, samples = 1) {
  const result = spawnSync(process.execPath, [probeFile, mode, line, String(samples)], { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`probe failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const ms = (v) => `${v.toFixed(1)} ms`;

const rows = [];
const figures = {};
for (const line of LINES) {
  const cold = [];
  const prepared = [];
  for (let i = 0; i < SAMPLES; i++) {
    cold.push(...runProbe('cold', line).first);
    prepared.push(...runProbe('prepared', line).first);
  }
  const warm = runProbe('warm', line, SAMPLES);
  figures[line] = {
    firstP50: quantile(cold, 0.5),
    firstP95: quantile(cold, 0.95),
    preparedP50: quantile(prepared, 0.5),
    preparedP95: quantile(prepared, 0.95),
    warmP50: quantile(warm.first, 0.5),
    warmP95: quantile(warm.first, 0.95),
    repeatedP50: quantile(warm.repeated, 0.5),
    repeatedP95: quantile(warm.repeated, 0.95),
  };
  rows.push({
    line: JSON.stringify(line),
    'first, new process p50': ms(quantile(cold, 0.5)),
    p95: ms(quantile(cold, 0.95)),
    'prepared p50': ms(quantile(prepared, 0.5)),
    ' p95': ms(quantile(prepared, 0.95)),
    'first, warm p50': ms(quantile(warm.first, 0.5)),
    'p95 ': ms(quantile(warm.first, 0.95)),
    'repeated p50': ms(quantile(warm.repeated, 0.5)),
    'p95  ': ms(quantile(warm.repeated, 0.95)),
  });
}
if (JSON_ONLY) {
  console.log(JSON.stringify(figures));
  rmSync(work, { recursive: true, force: true });
  process.exit(0);
}
console.log(`completion latency, ${SAMPLES} samples each (load average ${loadavg()[0]?.toFixed(1)} on this machine)`);
console.table(rows);

// ---- agreement with fish ------------------------------------------------------------------------------------
const fishLines = [
  'git che',
  'git checkout fe',
  'git commit --am',
  'npm run ',
  'make ',
  'tar -x',
  'ssh ',
  'kill -',
  'curl --comp',
  'ls --col',
];
const hasFish = spawnSync('fish', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasFish) console.log('fish is not installed: no comparison');
else {
  const compare = join(work, 'compare.mjs');
  writeFileSync(
    compare,
    `const { completeExternal, stopCompletion } = await import(${JSON.stringify(pathToFileURL(engine).href)});
const out = {};
for (const line of ${JSON.stringify(fishLines)}) {
  const answer = await completeExternal({ words: line.split(' '), line, cwd: ${JSON.stringify(repo)}, env: process.env, disabled: new Set(['fish']) });
  out[line] = { source: answer.source, words: answer.candidates.map((c) => c.word) };
}
stopCompletion();
console.log(JSON.stringify(out));`,
  );
  const ours = JSON.parse(execFileSync(process.execPath, [compare], { env, encoding: 'utf8' }));
  const table = [];
  let shared = 0;
  let theirs = 0;
  let mine = 0;
  for (const line of fishLines) {
    const escaped = line.replaceAll('\\', '\\\\').replaceAll("'", "\\'");
    const fish = execFileSync('fish', ['-c', `complete -C '${escaped}'`], { cwd: repo, env, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0]);
    const a = new Set(ours[line].words);
    const f = new Set(fish);
    const both = [...a].filter((w) => f.has(w)).length;
    shared += both;
    theirs += f.size;
    mine += a.size;
    table.push({
      line: JSON.stringify(line),
      source: ours[line].source,
      tosh: a.size,
      fish: f.size,
      both,
      'only tosh': [...a]
        .filter((w) => !f.has(w))
        .slice(0, 4)
        .join(' '),
      'only fish': [...f]
        .filter((w) => !a.has(w))
        .slice(0, 4)
        .join(' '),
    });
  }
  console.log("agreement with fish -c \"complete -C 'LINE'\" (tosh's own sources, fish turned off):");
  console.table(table);
  console.log(
    `in both: ${shared} of fish's ${theirs} (${((100 * shared) / theirs).toFixed(0)}%), of tosh's ${mine} (${((100 * shared) / mine).toFixed(0)}%)`,
  );
}

rmSync(work, { recursive: true, force: true });
