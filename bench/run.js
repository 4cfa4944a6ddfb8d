// `npm run bench`: one table of start-up, dispatch, reload and memory figures,
// measured side by side in one run (medians of several runs, after warm-ups),
// each time with its ratio to bare `node -e ''`. Writes bench/results/latest.json.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dataFigures } from './data.js';
import { commandLag, firstAnswer, firstAnswerOf, fishFlood, floodPlugins, idleRss, toshFigures } from './pty.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'tosh.js');
const RESULTS = join(ROOT, 'bench', 'results');
const work = mkdtempSync(join(tmpdir(), 'tosh-bench-'));
const started = performance.now();

// ---- fixtures ---------------------------------------------------------------------

/** `count` small TypeScript plugins, one command each (`c0042 words... [--loud]`), in a trusted directory. */
function pluginDir(count) {
  const dir = join(work, `plugins-${count}`);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(4, '0');
    const file = join(dir, `p${n}.ts`);
    writeFileSync(file, benchPlugin(i));
    chmodSync(file, 0o644);
  }
  return dir;
}

/**
 * A TOSH_HOME with the same `count` plugins installed as npm packages in
 * `packages/` (laid out as `npm install` leaves them: package.json with the
 * `"tosh"` field, in node_modules, listed in the project's dependencies).
 */
function packagesHome(count) {
  const dir = home();
  const project = join(dir, 'packages');
  const dependencies = {};
  for (let i = 0; i < count; i++) {
    const name = `tosh-bench-p${String(i).padStart(4, '0')}`;
    dependencies[name] = `^1.0.${i}`;
    const pkg = join(project, 'node_modules', name);
    mkdirSync(pkg, { recursive: true, mode: 0o755 });
    const manifest = { name, version: `1.0.${i}`, type: 'module', exports: './index.ts', tosh: { sdk: '^1.0.0' } };
    writeFileSync(join(pkg, 'package.json'), JSON.stringify(manifest));
    writeFileSync(join(pkg, 'index.ts'), benchPlugin(i));
  }
  writeFileSync(join(project, 'package.json'), JSON.stringify({ private: true, dependencies }));
  return dir;
}

function benchPlugin(i) {
  const n = String(i).padStart(4, '0');
  return `import { defineCommand, definePlugin, z } from 'tosh/plugin-sdk';

const shout = (text: string, loud: boolean): string => (loud ? text.toUpperCase() : text);

export default definePlugin({
  name: 'p${n}',
  version: '1.0.${i}',
  description: 'Bench plugin number ${i}',
  commands: {
    c${n}: defineCommand({
      description: 'Repeat the words (${i})',
      args: z.object({ words: z.array(z.string()).default([]).describe('Words to repeat') }),
      flags: z.object({ loud: z.boolean().default(false).describe('Shout them') }),
      short: { l: 'loud' },
      examples: ['c${n} hello world'],
      run: ({ args, flags }) => shout(args.words.join(' '), flags.loud),
    }),
  },
});
`;
}

const homes = [];
/** A fresh, empty TOSH_HOME (a cold cache). */
function home() {
  const dir = mkdtempSync(join(work, 'home-'));
  homes.push(dir);
  return dir;
}

// ---- measuring -------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** Wall time (ms) of one run; fails loudly if the run does not print what it should. */
function timeRun({ args = [], env = {}, input, expect, node = false, program }) {
  const argv = node || program ? args : [BIN, ...args];
  const t0 = performance.now();
  const r = spawnSync(program ?? process.execPath, argv, {
    env: { PATH: process.env.PATH, HOME: env.TOSH_HOME ?? work, NO_COLOR: '1', ...env },
    input: input ?? '',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = performance.now() - t0;
  if (r.status !== 0 || (expect !== undefined && !r.stdout.startsWith(expect))) {
    throw new Error(`bench run failed: tosh ${args.join(' ')} → status ${r.status}\n${r.stdout.slice(0, 300)}${r.stderr.slice(0, 600)}`);
  }
  return ms;
}

/** Run every case once per round (so that noise from other work hits them alike); medians per case. */
function rounds(cases, count, warmups = 2) {
  for (let i = 0; i < warmups; i++) for (const c of cases) timeRun(c.run());
  const samples = new Map(cases.map((c) => [c.key, []]));
  for (let i = 0; i < count; i++) for (const c of cases) samples.get(c.key).push(timeRun(c.run()));
  return Object.fromEntries(cases.map((c) => [c.key, median(samples.get(c.key))]));
}

/** Keystroke latency and heap over 10,000 commands, from bench/ui-bench.tsx bundled and run with --expose-gc. */
async function uiFigures() {
  try {
    const { build } = await import('esbuild');
    const { noDevtools } = await import('../scripts/esbuild-plugins.js');
    const outfile = join(work, 'ui-bench.mjs');
    await build({
      entryPoints: [join(ROOT, 'bench', 'ui-bench.tsx')],
      absWorkingDir: ROOT,
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      jsx: 'automatic',
      external: ['esbuild'],
      plugins: [noDevtools],
      alias: { 'tosh/plugin-sdk': './plugin-sdk/index.ts' },
      define: { 'process.env.NODE_ENV': '"production"' },
      banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
      logLevel: 'error',
    });
    const run = spawnSync(process.execPath, ['--expose-gc', outfile, ROOT], { encoding: 'utf8', timeout: 120000 });
    return JSON.parse(run.stdout.trim().split('\n').at(-1));
  } catch {
    return undefined;
  }
}

/** Milliseconds until the interactive prompt `tosh> ` shows in a pseudo-terminal (`script`), or undefined. */
function timeToPrompt(toshHome, deadlineMs = 8000, bareNode = false) {
  return new Promise((resolve) => {
    // The same measure on bare node printing the prompt: what the pseudo-terminal itself costs.
    const command = bareNode
      ? `${JSON.stringify(process.execPath)} -e "process.stdout.write('tosh> '); setTimeout(() => {}, 5000)"`
      : `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)}`;
    const t0 = performance.now();
    let child;
    try {
      child = spawn('script', ['-qfec', command, '/dev/null'], {
        env: { PATH: process.env.PATH, HOME: toshHome, TOSH_HOME: toshHome, TERM: 'xterm-256color', COLUMNS: '100', LINES: '30' },
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
    } catch {
      resolve(undefined);
      return;
    }
    let seen = '';
    let done = false;
    const finish = (value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
      resolve(value);
    };
    const timer = setTimeout(() => finish(undefined), deadlineMs);
    child.on('error', () => finish(undefined));
    child.on('exit', () => finish(undefined));
    child.stdout.on('data', (data) => {
      // Strip escape sequences: the prompt may be drawn in pieces, with colour.
      seen += data.toString('utf8').replace(/\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007/g, '');
      if (seen.includes('tosh> ')) finish(performance.now() - t0);
    });
  });
}

/** Peak and current RSS (MB) of a stdin shell with these plugins registered, after it has answered a line. */
function rssWith(dir, toshHome) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, '--plugins', dir, '--no-watch'], {
      env: { PATH: process.env.PATH, HOME: toshHome, TOSH_HOME: toshHome, NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(undefined);
    }, 30000);
    child.stdout.on('data', (data) => {
      out += data;
      if (!out.includes('ready\n')) return;
      let status = '';
      try {
        status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      } catch {}
      const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
      clearTimeout(timer);
      child.stdin.end();
      resolve(Number.isNaN(kb('VmHWM')) ? undefined : { peak: kb('VmHWM') / 1024, now: kb('VmRSS') / 1024 });
    });
    child.stdin.write('c0001 ready\n');
  });
}

async function reloadFigures() {
  const file = join(ROOT, 'bench', 'reload.js');
  if (!existsSync(file)) return { note: 'bench/reload.js not present' };
  try {
    const { measureReload } = await import(pathToFileURL(file).href);
    const result = await Promise.race([
      measureReload({ samples: 100 }),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 90 s')), 90000).unref()),
    ]);
    return { p50: result.p50, p90: result.p90, heapGrowthMB: result.heapGrowthMB };
  } catch (error) {
    return { note: `reload bench failed: ${String(error?.message ?? error).split('\n')[0]}` };
  }
}

/** Tab latency for external programs, from bench/complete.js (`--json`): first and repeated, p50 and p95. */
function completionFigures() {
  const result = spawnSync(process.execPath, [join(ROOT, 'bench', 'complete.js'), '--json'], {
    env: { ...process.env, SAMPLES: '10' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  try {
    return JSON.parse(result.stdout.trim().split('\n').at(-1));
  } catch {
    return undefined;
  }
}

// ---- the run -----------------------------------------------------------------------

const progress = (text) => process.stderr.write(`bench: ${text}\n`);

progress(`fixtures in ${work}`);
const dir100 = pluginDir(100);
const dir1000 = pluginDir(1000);
const home0 = home();
const home100 = home();
const home1000 = home();
const dir50 = pluginDir(50);
const home50 = home();
const homePackages50 = packagesHome(50);

const echo = { args: ['-c', 'echo hi'], expect: 'hi\n' };
const with100 = { args: ['--plugins', dir100, '-c', 'echo hi'], expect: 'hi\n' };
const with1000 = { args: ['--plugins', dir1000, '-c', 'echo hi'], expect: 'hi\n' };

progress('start-up, warm caches');
const warm = rounds(
  [
    { key: 'bare', run: () => ({ node: true, args: ['-e', ''] }) },
    { key: 'echo', run: () => ({ ...echo, env: { TOSH_HOME: home0 } }) },
    { key: 'warm100', run: () => ({ ...with100, env: { TOSH_HOME: home100 } }) },
    { key: 'warm1000', run: () => ({ ...with1000, env: { TOSH_HOME: home1000 } }) },
    {
      key: 'files50',
      run: () => ({ args: ['--plugins', dir50, '-c', 'echo hi; c0049 ok'], env: { TOSH_HOME: home50 }, expect: 'hi\nok\n' }),
    },
    { key: 'packages50', run: () => ({ args: ['-c', 'echo hi; c0049 ok'], env: { TOSH_HOME: homePackages50 }, expect: 'hi\nok\n' }) },
    { key: 'help1000', run: () => ({ args: ['--plugins', dir1000, '-c', 'help'], env: { TOSH_HOME: home1000 }, expect: '' }) },
    { key: 'ls', run: () => ({ args: ['-c', 'ls /'], env: { TOSH_HOME: home0 }, expect: 'bin' }) },
    { key: 'bashLs', run: () => ({ program: 'bash', args: ['-c', 'ls /'], expect: 'bin' }) },
  ],
  11,
);

progress('a pipeline of programs: seq 1 3000000 | wc -l');
const SEQ = 'seq 1 3000000 | wc -l';
const pipeRuns = rounds(
  [
    { key: 'tosh', run: () => ({ args: ['-c', SEQ], env: { TOSH_HOME: home0 }, expect: '3000000' }) },
    { key: 'bash', run: () => ({ program: 'bash', args: ['-c', SEQ], expect: '3000000' }) },
  ],
  5,
  1,
);

progress('the language: a while loop, plugin calls in a loop, parsing, stdin scripts, a program per line');
const LOOP = 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; echo $i';
const CALLS = 20000;
const callLoop = `i=0; while [ $i -lt ${CALLS} ]; do c0001 x >/dev/null; i=$((i+1)); done; echo $i`;
// 5,000 lines that are parsed whole but never run: the parse is the time over \`echo hi\`.
const parseFile = join(work, 'parse-5000.sh');
writeFileSync(
  parseFile,
  `if false; then\n${Array.from({ length: 1250 }, (_, i) => `for f in a b "c $i"; do\n  case $f in a) echo "x\${f}y" | wc -c;; *) x=$((i * 2));; esac\ndone`).join('\n')}\nfi\necho hi\n`,
);
const ECHOES = `${'echo x\n'.repeat(100000)}`;
const TRUES = `${'/bin/true\n'.repeat(10000)}echo done\n`;
const lang = rounds(
  [
    { key: 'loop', run: () => ({ args: ['-c', LOOP], env: { TOSH_HOME: home0 }, expect: '100000' }) },
    { key: 'bashLoop', run: () => ({ program: 'bash', args: ['--posix', '-c', LOOP], expect: '100000' }) },
    { key: 'calls', run: () => ({ args: ['--plugins', dir100, '-c', callLoop], env: { TOSH_HOME: home100 }, expect: String(CALLS) }) },
    { key: 'parse', run: () => ({ args: [parseFile], env: { TOSH_HOME: home0 }, expect: 'hi' }) },
    { key: 'echoes', run: () => ({ args: [], env: { TOSH_HOME: home0 }, input: ECHOES, expect: 'x\n' }) },
    { key: 'bashEchoes', run: () => ({ program: 'bash', args: ['--posix'], input: ECHOES, expect: 'x\n' }) },
  ],
  3,
  1,
);
const trues = rounds(
  [
    { key: 'tosh', run: () => ({ args: [], env: { TOSH_HOME: home0 }, input: TRUES, expect: 'done' }) },
    { key: 'bash', run: () => ({ program: 'bash', args: ['--posix'], input: TRUES, expect: 'done' }) },
  ],
  1,
  0,
);

progress('echo * over 100,000 files; seq 5e6 | wc -l');
const globDir = join(work, 'glob-100k');
mkdirSync(globDir);
for (let i = 0; i < 100000; i++) writeFileSync(join(globDir, `f${String(i).padStart(6, '0')}`), '');
const GLOB = `cd ${globDir} && echo * | wc -c`;
const SEQ5 = 'seq 5000000 | wc -l';
const big = rounds(
  [
    { key: 'glob', run: () => ({ args: ['-c', GLOB], env: { TOSH_HOME: home0 }, expect: '800000' }) },
    { key: 'bashGlob', run: () => ({ program: 'bash', args: ['-c', GLOB], expect: '800000' }) },
    { key: 'seq', run: () => ({ args: ['-c', SEQ5], env: { TOSH_HOME: home0 }, expect: '5000000' }) },
    { key: 'bashSeq', run: () => ({ program: 'bash', args: ['-c', SEQ5], expect: '5000000' }) },
  ],
  5,
  1,
);

progress('start-up, cold caches');
const cold100 = median(Array.from({ length: 5 }, () => timeRun({ ...with100, env: { TOSH_HOME: home() } })));
const cold1000 = median(Array.from({ length: 3 }, () => timeRun({ ...with1000, env: { TOSH_HOME: home() } })));

progress('stdin dispatch');
const LINES = 20000;
const script = Array.from(
  { length: LINES },
  (_, i) => `c${String(i % 100).padStart(4, '0')} line ${i}${i % 7 === 0 ? ' --loud' : ''}`,
).join('\n');
const stdinRuns = rounds(
  [
    { key: 'empty', run: () => ({ args: ['--plugins', dir100], env: { TOSH_HOME: home100 }, input: '' }) },
    { key: 'full', run: () => ({ args: ['--plugins', dir100], env: { TOSH_HOME: home100 }, input: script, expect: 'LINE 0\nline 1\n' }) },
  ],
  5,
  1,
);
const linesPerSecond = LINES / (Math.max(1, stdinRuns.full - stdinRuns.empty) / 1000);

progress('time to the interactive prompt');
const promptSamples = [];
const barePromptSamples = [];
await timeToPrompt(home0); // warm-up
for (let i = 0; i < 5; i++) {
  const ms = await timeToPrompt(home0);
  if (ms === undefined) break;
  promptSamples.push(ms);
  const bareMs = await timeToPrompt(home0, 8000, true);
  if (bareMs !== undefined) barePromptSamples.push(bareMs);
}
const prompt = promptSamples.length === 5 ? median(promptSamples) : undefined;
const barePrompt = barePromptSamples.length ? median(barePromptSamples) : undefined;
// The prompt is drawn before the UI loads: also time a line typed at it until it is answered.
const answerSamples = [];
for (let i = 0; i < 5; i++) {
  const r = await firstAnswer({ node: process.execPath, bin: BIN, home: home0 });
  if (r) answerSamples.push(r.answerMs);
}
const firstAnswerMs = answerSamples.length ? median(answerSamples) : undefined;

progress('command lag (Enter on true → prompt), first answer and idle RSS beside bash, fish and node');
const toshCommand = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)}`;
const toshEnv = { HOME: home0, TOSH_HOME: home0 };
const fishCommand = `fish --no-config -C 'function fish_prompt; echo -n "fish> "; end'`;
const hasFish = spawnSync('fish', ['--version']).status === 0;
const lagOf = async (command, options) => (await commandLag(command, options).catch(() => undefined)) ?? undefined;
const lag = {
  tosh: await lagOf(toshCommand, { env: toshEnv, prompt: 'tosh> ' }),
  bash: await lagOf('bash --norc --noprofile', { env: { PS1: 'bash> ' }, prompt: 'bash> ' }),
  fish: hasFish ? await lagOf(fishCommand, { env: { HOME: home0 }, prompt: 'fish> ' }) : undefined,
};
const spread = (sorted) =>
  sorted?.length ? { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1) } : undefined;
const nodeAnswer = [];
const toshAnswer = [];
for (let i = 0; i < 5; i++) {
  const n = await firstAnswerOf(JSON.stringify(process.execPath), {
    env: { HOME: home0 },
    prompt: '> ',
    line: "'re'+'ady'\r",
    answer: "'ready'",
  });
  if (n !== undefined) nodeAnswer.push(n);
  const t = await firstAnswerOf(toshCommand, { env: toshEnv, prompt: 'tosh> ', line: 'echo ready\r', answer: '\nready\n' });
  if (t !== undefined) toshAnswer.push(t);
}
nodeAnswer.sort((a, b) => a - b);
toshAnswer.sort((a, b) => a - b);
const idle = {
  tosh: await idleRss(toshCommand, { env: toshEnv, prompt: 'tosh> ' }).catch(() => undefined),
  node: await idleRss(JSON.stringify(process.execPath), { env: { HOME: home0 }, prompt: '> ', ready: "'re'+'ady'\r" }).catch(
    () => undefined,
  ),
  bash: await idleRss('bash --norc --noprofile', { env: { PS1: 'bash> ' }, prompt: 'bash> ' }).catch(() => undefined),
};

progress('interactive shell in a 100x30 terminal: 50,000 lines (and fish), keystrokes, a 100 KB paste');
const floodDir = floodPlugins(work);
const ttyRuns = [];
const fishRuns = [];
for (let i = 0; i < 3; i++) {
  const fish = await fishFlood().catch(() => undefined);
  if (fish !== undefined) fishRuns.push(fish);
  const figures = await toshFigures({ node: process.execPath, bin: BIN, home: home0, plugins: floodDir }).catch(() => undefined);
  if (figures) ttyRuns.push(figures);
}
const tty = ttyRuns.length
  ? Object.fromEntries(Object.keys(ttyRuns[0]).map((k) => [k, median(ttyRuns.map((r) => r[k]).filter((v) => v !== undefined))]))
  : undefined;
const fishFloodMs = fishRuns.length ? median(fishRuns) : undefined;

progress('RSS with 1,000 plugins');
const rssSamples = [];
for (let i = 0; i < 3; i++) {
  const r = await rssWith(dir1000, home1000);
  if (r) rssSamples.push(r);
}
const rss = rssSamples.length ? { peak: median(rssSamples.map((r) => r.peak)), now: median(rssSamples.map((r) => r.now)) } : undefined;

progress('reload (bench/reload.js)');
const reload = await reloadFigures();

progress('interactive shell in process (bench/ui-bench.tsx)');
const ui = await uiFigures();

progress('structured data (bench/data.js)');
const data = await dataFigures({ root: ROOT, bin: BIN, work, home: home(), progress }).catch((error) => {
  progress(`data: ${error.message.split('\n')[0]}`);
  return undefined;
});
progress('Tab latency for external programs (bench/complete.js)');
const tab = completionFigures();

// ---- report ------------------------------------------------------------------------

const bare = warm.bare;
const ms = (v) => (v === undefined || Number.isNaN(v) ? 'n/a' : `${v.toFixed(1)} ms`);
const ratio = (v) => (v === undefined ? '' : `${(v / bare).toFixed(2)}x`);
const num = (v) => (v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(1));
const rows = [
  ["bare node -e ''", ms(bare), '1.00x', ''],
  ["-c 'echo hi'", ms(warm.echo), ratio(warm.echo), '≤1.5x aim, ≤3x bar'],
  ['-c, 100 plugins, cold cache', ms(cold100), ratio(cold100), ''],
  ['-c, 100 plugins, warm cache', ms(warm.warm100), ratio(warm.warm100), ''],
  ['-c, 1,000 plugins, cold cache', ms(cold1000), ratio(cold1000), 'report'],
  ['-c, 1,000 plugins, warm cache', ms(warm.warm1000), ratio(warm.warm1000), '≤2x aim, ≤4x bar'],
  ['-c, 50 file plugins, warm cache', ms(warm.files50), ratio(warm.files50), ''],
  ['-c, 50 package plugins, warm cache', ms(warm.packages50), ratio(warm.packages50), '≈ 50 file plugins'],
  ['help, 1,000 plugins (warm)', ms(warm.help1000), ratio(warm.help1000), ''],
  [
    "-c 'ls /' (a program)",
    ms(warm.ls),
    ratio(warm.ls),
    `${warm.ls >= warm.echo ? '+' : '−'}${Math.abs(warm.ls - warm.echo).toFixed(1)} ms vs echo (≤10 ms over, bar)`,
  ],
  ["  bash -c 'ls /'", ms(warm.bashLs), ratio(warm.bashLs), ''],
  ['while loop, 100,000 × i=$((i+1))', ms(lang.loop), `${(lang.loop / lang.bashLoop).toFixed(2)}x bash`, '≤2x bash'],
  ['  bash --posix, the same loop', ms(lang.bashLoop), '', ''],
  [
    `plugin command in a while loop (${CALLS.toLocaleString('en')} calls)`,
    `${Math.round(CALLS / (Math.max(1, lang.calls - warm.warm100) / 1000)).toLocaleString('en')} calls/s`,
    '',
    '≥100,000 aim',
  ],
  ['parse a 5,000-line script (over -c echo hi)', ms(lang.parse - warm.echo), '', '≤50 ms'],
  ['stdin script, 100,000 × echo x', ms(lang.echoes), `${(lang.echoes / lang.bashEchoes).toFixed(2)}x bash`, '≤2x bash bar'],
  ['  bash --posix, the same script', ms(lang.bashEchoes), '', ''],
  ['stdin script, 10,000 × /bin/true', ms(trues.tosh), `${(trues.tosh / trues.bash).toFixed(2)}x bash`, '≤1.5x bash bar, ≤1.1x goal'],
  ['  bash --posix, the same script', ms(trues.bash), '', ''],
  ['echo * over 100,000 files | wc -c', ms(big.glob), `${(big.glob / big.bashGlob).toFixed(2)}x bash`, '≤1.2x bash bar, ≤1x goal'],
  ['  bash -c, the same', ms(big.bashGlob), '', ''],
  [`-c '${SEQ5}'`, ms(big.seq), `${(big.seq / big.bashSeq).toFixed(2)}x bash`, '≤1.3x bash bar, ≤1.1x goal'],
  [`  bash -c '${SEQ5}'`, ms(big.bashSeq), '', ''],
  ...[
    ['command lag, Enter on true → prompt (min / median / max)', lag.tosh, '≤10 ms bar, ≤2x bash goal'],
    ['  bash, the same', lag.bash, ''],
    ['  fish, the same', lag.fish, hasFish ? '' : 'fish not installed'],
    ['first command answered, from launch (min / median / max)', toshAnswer, '≤1.0x node REPL bar'],
    ["  node's REPL, the same", nodeAnswer, ''],
  ].map(([label, sorted, target]) => {
    const s = spread(sorted);
    const vs =
      label.startsWith('command lag') && s && spread(lag.bash)
        ? `${(s.median / spread(lag.bash).median).toFixed(2)}x bash`
        : label.startsWith('first') && s && spread(nodeAnswer)
          ? `${(s.median / spread(nodeAnswer).median).toFixed(2)}x REPL`
          : '';
    return [label, s ? `${s.min.toFixed(1)} / ${s.median.toFixed(1)} / ${s.max.toFixed(1)} ms` : 'n/a', vs, target];
  }),
  [
    'idle interactive RSS',
    idle.tosh === undefined ? 'n/a' : `${num(idle.tosh)} MB`,
    idle.tosh && idle.node ? `${(idle.tosh / idle.node).toFixed(2)}x REPL` : '',
    '≤1.2x node REPL bar',
  ],
  ["  node's REPL / bash, the same", `${num(idle.node)} / ${num(idle.bash)} MB`, '', ''],
  [`-c '${SEQ}'`, ms(pipeRuns.tosh), `${(pipeRuns.tosh / pipeRuns.bash).toFixed(2)}x bash`, '≤1.5x bash aim'],
  [`  bash -c '${SEQ}'`, ms(pipeRuns.bash), '', ''],
  [
    `stdin dispatch (${LINES.toLocaleString('en')} lines, 100 plugins)`,
    `${Math.round(linesPerSecond).toLocaleString('en')} lines/s`,
    '',
    '≥100,000 aim, ≥20,000 bar',
  ],
  ['time to interactive prompt', prompt === undefined ? 'n/a' : ms(prompt), ratio(prompt), '≤1.5x aim, ≤2x bar'],
  [
    "  bare node printing 'tosh> ' in the same pty",
    ms(barePrompt),
    prompt && barePrompt ? `${(prompt / barePrompt).toFixed(2)}x (tosh/this)` : '',
    'the pty’s own cost',
  ],
  ['time to a first line answered (typed at the prompt)', ms(firstAnswerMs), ratio(firstAnswerMs), 'report'],
  [
    '50,000 lines, Enter → prompt (100x30 pty)',
    ms(tty?.floodMs),
    fishFloodMs && tty?.floodMs ? `${(tty.floodMs / fishFloodMs).toFixed(2)}x fish` : '',
    '≤1.5 s bar, ≤2x fish aim',
  ],
  ["fish: seq -f 'line %g' 1 50000 (same pty)", ms(fishFloodMs), '', fishFloodMs === undefined ? 'fish not installed' : ''],
  ['peak RSS after 50,000 lines', tty?.floodPeakMB === undefined ? 'n/a' : `${num(tty.floodPeakMB)} MB`, '', '≤200 MB'],
  [`bracketed paste of ${tty?.pasteKB ?? 100} KB → in the buffer`, ms(tty?.pasteMs), '', '≤200 ms'],
  [
    'keystroke echo, 50,000 lines above (p50 / p90)',
    tty ? `${ms(tty.keystrokeP50Ms)} / ${ms(tty.keystrokeP90Ms)}` : 'n/a',
    '',
    '≤16 ms p50',
  ],
  ['reload latency p50', reload.p50 === undefined ? 'n/a' : ms(reload.p50), '', ''],
  ['reload latency p90', reload.p90 === undefined ? 'n/a' : ms(reload.p90), '', ''],
  ['heap growth over 100 reloads', reload.heapGrowthMB === undefined ? 'n/a' : `${num(reload.heapGrowthMB)} MB`, '', ''],
  ['RSS, 1,000 plugins registered (peak)', rss ? `${num(rss.peak)} MB` : 'n/a', '', '≤120 MB'],
  ['keystroke → frame in process, 10,000 lines above (p50)', ui ? ms(ui.keystrokeP50Ms) : 'n/a', '', '≤16 ms aim'],
  ['heap after 1,000 / 10,000 commands', ui ? `${num(ui.heap1kMB)} / ${num(ui.heap10kMB)} MB` : 'n/a', '', 'flat'],
  ['open 100 MB JSON | where … | length', ms(data?.openMs), data?.jqMs ? `${(data.openMs / data.jqMs).toFixed(2)}x jq` : '', '≤2x jq aim'],
  ["  jq 'map(select(…)) | length'", ms(data?.jqMs), '', data && data.jqMs === undefined ? 'jq not installed' : ''],
  [
    '1,000,000 plugin rows | wc -l',
    data ? `${Math.round(data.rowsPerSecond).toLocaleString('en')} rows/s` : 'n/a',
    data?.rowsPeakMB === undefined ? '' : `${num(data.rowsPeakMB)} MB peak`,
    '≥500,000 rows/s, ≤300 MB aim',
  ],
  ['type check of a 10-stage pipeline', data?.checkMs === undefined ? 'n/a' : `${(data.checkMs * 1000).toFixed(1)} µs`, '', '≤1 ms'],
  ...['git che', 'git checkout ', 'npm run '].flatMap((line) => {
    const f = tab?.[line];
    const label = line === 'git checkout ' ? 'git checkout  (20 branches)' : line;
    return [
      [`Tab '${label}', first (p50 / p95)`, f ? `${ms(f.firstP50)} / ${ms(f.firstP95)}` : 'n/a', '', '≤30 ms p50 aim'],
      [`Tab '${label}', first after typing the name (p50 / p95)`, f ? `${ms(f.preparedP50)} / ${ms(f.preparedP95)}` : 'n/a', '', ''],
      [`Tab '${label}', repeated (p50 / p95)`, f ? `${ms(f.repeatedP50)} / ${ms(f.repeatedP95)}` : 'n/a', '', '≤5 ms p50 aim'],
    ];
  }),
];
const header = ['measure', 'median', 'vs node', 'target'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
const table = [
  line(header),
  `|${widths.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`,
  ...rows.map(line),
].join('\n');

const seconds = (performance.now() - started) / 1000;
const notes = [`node ${process.version}, ${cpus().length} cores, ${seconds.toFixed(0)} s`];
if (reload.note) notes.push(reload.note);
if (prompt === undefined) notes.push(`no prompt within the deadline (${promptSamples.length} of 5 runs showed it)`);
process.stdout.write(`${table}\n\n${notes.join('; ')}\n`);

const figures = {
  bareNodeMs: bare,
  echoMs: warm.echo,
  echoRatio: warm.echo / bare,
  plugins100ColdMs: cold100,
  plugins100ColdRatio: cold100 / bare,
  plugins100WarmMs: warm.warm100,
  plugins100WarmRatio: warm.warm100 / bare,
  plugins1000ColdMs: cold1000,
  plugins1000ColdRatio: cold1000 / bare,
  plugins1000WarmMs: warm.warm1000,
  plugins1000WarmRatio: warm.warm1000 / bare,
  files50WarmMs: warm.files50,
  packages50WarmMs: warm.packages50,
  help1000Ms: warm.help1000,
  help1000Ratio: warm.help1000 / bare,
  stdinLinesPerSecond: Math.round(linesPerSecond),
  promptMs: prompt ?? null,
  promptRatio: prompt === undefined ? null : prompt / bare,
  barePromptInPtyMs: barePrompt ?? null,
  promptVsBareInPty: prompt && barePrompt ? prompt / barePrompt : null,
  firstAnswerMs: firstAnswerMs ?? null,
  firstAnswerRatio: firstAnswerMs === undefined ? null : firstAnswerMs / bare,
  flood50kMs: tty?.floodMs ?? null,
  flood50kPeakRssMB: tty?.floodPeakMB ?? null,
  fishFlood50kMs: fishFloodMs ?? null,
  flood50kVsFish: fishFloodMs && tty?.floodMs ? tty.floodMs / fishFloodMs : null,
  paste100kMs: tty?.pasteMs ?? null,
  ttyKeystrokeP50Ms: tty?.keystrokeP50Ms ?? null,
  ttyKeystrokeP90Ms: tty?.keystrokeP90Ms ?? null,
  reloadP50Ms: reload.p50 ?? null,
  reloadP90Ms: reload.p90 ?? null,
  reloadHeapGrowthMB: reload.heapGrowthMB ?? null,
  rss1000PeakMB: rss?.peak ?? null,
  rss1000MB: rss?.now ?? null,
  keystrokeP50Ms: ui?.keystrokeP50Ms ?? null,
  keystrokeP90Ms: ui?.keystrokeP90Ms ?? null,
  heapAfter1kCommandsMB: ui?.heap1kMB ?? null,
  heapAfter10kCommandsMB: ui?.heap10kMB ?? null,
  openJson100MBMs: data?.openMs ?? null,
  jqJson100MBMs: data?.jqMs ?? null,
  openJson100MBPeakMB: data?.openPeakMB ?? null,
  rowsToWcPerSecond: data ? Math.round(data.rowsPerSecond) : null,
  rowsToWcPeakMB: data?.rowsPeakMB ?? null,
  typeCheck10StagesMs: data?.checkMs ?? null,
  tabLatency: tab ?? null,
  trues10kMs: trues.tosh,
  bashTrues10kMs: trues.bash,
  glob100kMs: big.glob,
  bashGlob100kMs: big.bashGlob,
  seq5eMs: big.seq,
  bashSeq5eMs: big.bashSeq,
  commandLag: { tosh: spread(lag.tosh) ?? null, bash: spread(lag.bash) ?? null, fish: spread(lag.fish) ?? null },
  firstAnswer: { tosh: spread(toshAnswer) ?? null, nodeRepl: spread(nodeAnswer) ?? null },
  idleRssMB: idle,
};
mkdirSync(RESULTS, { recursive: true });
writeFileSync(
  join(RESULTS, 'latest.json'),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: cpus().length, seconds, figures, notes }, null, 2)}\n`,
);
rmSync(work, { recursive: true, force: true });
