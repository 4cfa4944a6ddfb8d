// Hot-reload figures (issue 3): file saved → next line runs the new code, and
// heap growth over 100 reloads of a ~300 KB plugin.
//
//   node bench/reload.js [--samples N]        both figures, as JSON
//   node --expose-gc bench/reload.js --heap N  heap only (what measureReload spawns)
//
// Latency drives the real bin/tosh.js (stdin mode, watch on): after each save
// it sends a probe line, and the next one as soon as the answer comes, until
// an answer shows the new version. Heap runs Session.reloadPath in-process on a
// bundle of shell/main/session.ts (built here with esbuild, like scripts/build.js).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const probePlugin = (n) => `import { defineCommand, definePlugin } from 'tosh/plugin-sdk';
export default definePlugin({
  name: 'probe',
  version: '1.0.${n}',
  commands: { probe: defineCommand({ run: () => 'v${n}' }) },
});
`;

/** A plugin of about 300 KB of code; `n` changes its content. */
function bigPlugin(n) {
  const parts = [`import { defineCommand, definePlugin } from 'tosh/plugin-sdk';`, `const revision = ${n};`];
  for (let i = 0; i < 2400; i++) {
    parts.push(`export function step${i}(x) { return x.length > ${i} ? 'branch ${i} of the big plugin, long text' : x + ${i}; }`);
  }
  parts.push(`const steps = [${Array.from({ length: 2400 }, (_, i) => `step${i}`).join(', ')}];`);
  parts.push(`export default definePlugin({
  name: 'big',
  version: '1.0.0',
  commands: { big: defineCommand({ run: () => steps.reduce((acc, f) => f(acc), 'x').length + revision }) },
});`);
  return parts.join('\n');
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Save → new code answering, measured on the real binary `samples` times (ms). */
async function measureLatency(samples) {
  const dir = mkdtempSync(join(tmpdir(), 'tosh-bench-reload-'));
  const plugins = join(dir, 'plugins');
  mkdirSync(plugins);
  const file = join(plugins, 'probe.ts');
  writeFileSync(file, probePlugin(0), { mode: 0o644 });
  const child = spawn(process.execPath, [join(root, 'bin', 'tosh.js'), '--plugins', plugins], {
    env: { PATH: process.env.PATH, HOME: dir, TOSH_HOME: join(dir, 'home') },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  let buffer = '';
  let waiting;
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    buffer += chunk;
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      waiting?.(line);
      nl = buffer.indexOf('\n');
    }
  });
  const ask = () =>
    new Promise((resolve) => {
      waiting = resolve;
      child.stdin.write('probe\n');
    });
  try {
    await ask(); // Loaded and watching.
    const times = [];
    for (let n = 1; n <= samples; n++) {
      await sleep(60); // Let the previous burst end.
      writeFileSync(file, probePlugin(n));
      const saved = performance.now();
      while ((await ask()) !== `v${n}`) {}
      times.push(performance.now() - saved);
    }
    return times.sort((a, b) => a - b);
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** In this process (run with --expose-gc): reload a ~300 KB plugin `count` times; heap growth after GC in MB. */
async function heapInProcess(count) {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  const { build } = await import('esbuild');
  // Inside the checkout, so that the bundle's require('esbuild') resolves.
  const scratch = join(root, 'node_modules', '.cache', 'tosh-bench');
  mkdirSync(scratch, { recursive: true });
  const bundle = join(scratch, `session-${process.pid}.mjs`);
  const work = mkdtempSync(join(tmpdir(), 'tosh-bench-heap-'));
  try {
    await build({
      stdin: {
        contents: "export { Session } from './shell/main/session.ts'; export { loadConfig } from './shell/state/config.ts';",
        resolveDir: root,
        loader: 'ts',
      },
      absWorkingDir: root,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      outfile: bundle,
      logLevel: 'warning',
      jsx: 'automatic',
      define: { 'process.env.NODE_ENV': '"production"' },
      alias: { 'tosh/plugin-sdk': './plugin-sdk/index.ts' },
      external: ['esbuild'],
      banner: { js: "import { createRequire as __toshRequire } from 'node:module'; const require = __toshRequire(import.meta.url);" },
    });
    const { Session, loadConfig } = await import(pathToFileURL(bundle).href);
    const plugins = join(work, 'plugins');
    mkdirSync(plugins);
    const file = join(plugins, 'big.ts');
    writeFileSync(file, bigPlugin(0), { mode: 0o644 });
    const ignore = { write() {}, isTTY: false, columns: 80 };
    const session = new Session({
      dirs: [{ dir: plugins, builtin: false }],
      home: join(work, 'home'),
      config: loadConfig(join(work, 'home')).config,
      trust: false,
      json: false,
      debug: false,
      interactive: false,
      longLived: true,
      cwd: work,
      env: {},
      sink: { out: ignore, err: ignore, color: false, value() {}, progress: () => ({ update() {}, tick() {}, done() {} }) },
      host: { clear() {}, setPrompt() {}, notice() {} },
    });
    await session.start();
    let revision = 0;
    const reload = async () => {
      writeFileSync(file, bigPlugin(++revision));
      const report = await session.plugins.reloadPath(file);
      if (!report?.ok) throw new Error(`reload failed: ${report?.message}`);
    };
    for (let i = 0; i < 5; i++) await reload(); // Warm up: esbuild, zod, the cache.
    const settle = async () => {
      for (let i = 0; i < 4; i++) {
        globalThis.gc();
        await sleep(20);
      }
      return process.memoryUsage().heapUsed;
    };
    const before = await settle();
    for (let i = 0; i < count; i++) await reload();
    const after = await settle();
    await session.close();
    return { reloads: count, pluginKB: Math.round(bigPlugin(0).length / 1024), heapGrowthMB: (after - before) / 1024 / 1024 };
  } finally {
    rmSync(bundle, { force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

/** Heap growth over `count` reloads, measured in a child node with --expose-gc. */
function measureHeap(count = 100) {
  const result = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--heap', String(count)], {
    encoding: 'utf8',
    timeout: 300000,
  });
  if (result.status !== 0) throw new Error(`heap measurement failed: ${result.stderr || result.error}`);
  return JSON.parse(result.stdout);
}

/** The figures `npm run bench` reports for hot reload: latency p50/p90 (ms) and heap growth (MB). */
export async function measureReload({ samples = 30 } = {}) {
  const times = await measureLatency(samples);
  const heap = measureHeap(100);
  return {
    p50: Math.round(percentile(times, 50) * 10) / 10,
    p90: Math.round(percentile(times, 90) * 10) / 10,
    heapGrowthMB: Math.round(heap.heapGrowthMB * 100) / 100,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const heapAt = args.indexOf('--heap');
  const samplesAt = args.indexOf('--samples');
  if (heapAt >= 0) {
    process.stdout.write(`${JSON.stringify(await heapInProcess(Number(args[heapAt + 1] ?? 100)))}\n`);
  } else {
    const samples = samplesAt >= 0 ? Number(args[samplesAt + 1]) : 30;
    process.stdout.write(`${JSON.stringify(await measureReload({ samples }))}\n`);
  }
}
