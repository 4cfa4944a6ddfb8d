// Figures of structured data (CONTRACT §17) for `npm run bench`: `open` of a 100 MB JSON array
// through `where … | length` against jq, a plugin's 1,000,000 rows into `wc -l` (rows/s and
// peak RSS), and the type check of a 10-stage pipeline.
import { spawnSync } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A JSON array of records, about `mb` MB, written a piece at a time. */
async function bigJson(file, mb) {
  const out = createWriteStream(file);
  const states = ['open', 'closed', 'draft'];
  let bytes = 1;
  out.write('[');
  for (let i = 0; bytes < mb * 1e6; i++) {
    const text = `${i ? ',' : ''}${JSON.stringify({ id: i, name: `item-${i}`, size: (i * 7919) % 100000, state: states[i % 3], tags: ['a', 'b'] })}\n`;
    bytes += text.length;
    if (!out.write(text)) await new Promise((resolve) => out.once('drain', resolve));
  }
  out.write(']\n');
  await new Promise((resolve) => out.end(resolve));
}

/** Wall time (ms), peak RSS (MB, when /usr/bin/time is there) and output of one run. */
function measure(program, args, env, cwd) {
  const timed = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const r = spawnSync(timed ? '/usr/bin/time' : program, timed ? ['-f', 'RSS %M', program, ...args] : args, {
    env,
    ...(cwd ? { cwd } : {}),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`bench run failed: ${program} ${args.join(' ')} → ${r.status}\n${r.stderr.slice(0, 600)}`);
  const rss = /RSS (\d+)/.exec(r.stderr);
  return { ms, peakMB: rss ? Number(rss[1]) / 1024 : undefined, stdout: r.stdout };
}

/** The data rows of bench/run.js's table, and their figures for latest.json. */
export async function dataFigures({ root, bin, work, home, progress }) {
  const env = { PATH: process.env.PATH, HOME: home, TOSH_HOME: home, NO_COLOR: '1' };
  const dir = join(work, 'data');
  mkdirSync(dir, { recursive: true });
  progress('data: a 100 MB JSON array');
  const big = join(dir, 'big.json');
  await bigJson(big, 100);
  const tosh = [];
  const jq = [];
  let peakOpenMB;
  const hasJq = spawnSync('jq', ['--version']).status === 0;
  for (let i = 0; i < 3; i++) {
    const t = measure(process.execPath, [bin, '-c', 'open big.json | where size > 50000 and state == open | length'], env, dir);
    tosh.push(t.ms);
    peakOpenMB = t.peakMB;
    if (hasJq) {
      const j = measure('jq', ['map(select(.size > 50000 and .state == "open")) | length', big], env);
      jq.push(j.ms);
      if (j.stdout !== t.stdout) throw new Error(`tosh and jq disagree: ${t.stdout} vs ${j.stdout}`);
    }
  }
  progress('data: 1,000,000 rows to wc -l');
  const plugins = join(dir, 'rows');
  cpSync(join(root, 'test', 'fixtures', 'data', 'rows'), plugins, { recursive: true });
  const rowRuns = [];
  for (let i = 0; i < 3; i++) {
    const r = measure(process.execPath, [bin, '--plugins', plugins, '-c', 'rows 1000000 | wc -l'], env);
    if (r.stdout.trim() !== '1000001') throw new Error(`rows | wc -l gave ${r.stdout}`);
    rowRuns.push(r);
  }
  progress('data: the type check of 10 stages');
  let checkMs;
  try {
    const { build } = await import('esbuild');
    const outfile = join(work, 'typecheck.mjs');
    await build({
      entryPoints: [join(root, 'bench', 'typecheck.ts')],
      absWorkingDir: root,
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // jsonc-parser's UMD build requires files by relative name: take its ES module.
      mainFields: ['module', 'main'],
      alias: { 'tosh/plugin-sdk': './plugin-sdk/index.ts' },
      banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
      logLevel: 'error',
    });
    const run = spawnSync(process.execPath, [outfile], { encoding: 'utf8', timeout: 60000 });
    checkMs = JSON.parse(run.stdout.trim()).perCheckMs;
  } catch {
    checkMs = undefined;
  }
  const openMs = median(tosh);
  const jqMs = jq.length ? median(jq) : undefined;
  const rowsMs = median(rowRuns.map((r) => r.ms));
  const rowsPeak = rowRuns.map((r) => r.peakMB).filter((v) => v !== undefined);
  return {
    openMs,
    jqMs,
    openPeakMB: peakOpenMB,
    rowsPerSecond: 1e6 / (rowsMs / 1000),
    rowsPeakMB: rowsPeak.length ? median(rowsPeak) : undefined,
    checkMs,
  };
}
