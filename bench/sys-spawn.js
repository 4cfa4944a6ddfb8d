// `node bench/sys-spawn.js`: what shell/sys costs and saves, as one small table.
// - `/bin/true` ×N started and waited for, one after another: child_process.spawn vs startGroup;
// - a 3-program pipeline (printf | tr | wc) with its output read in Node: `sh -c` vs startGroup;
// - loading the FFI (koffi + libc bindings) in a fresh process, and importing shell/sys without loading it;
// - reading a pipe: net.Socket vs fs.createReadStream (throughput, and an fs call's wait while 4 pipes are idle).
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, mkdirSync, readFile, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.N ?? 1000);
// Bundled inside node_modules so that its require('koffi') resolves.
const out = join(ROOT, 'node_modules', '.cache', 'tosh-sys-bench');
mkdirSync(out, { recursive: true });
const entry = join(out, `sys-${process.pid}.mjs`);
await build({
  stdin: {
    contents:
      "export * from './shell/sys/spawn.ts'; export { libc, loadMs, available } from './shell/sys/ffi.ts'; export const imported = performance.now();",
    resolveDir: ROOT,
    loader: 'ts',
  },
  outfile: entry,
  bundle: true,
  platform: 'node',
  format: 'esm',
  external: ['koffi'],
  logLevel: 'warning',
});
const sys = await import(pathToFileURL(entry).href);
if (!sys.available()) throw new Error('the FFI is not available here');

const env = { PATH: process.env.PATH };
const rows = [];
const row = (what, ms, unit) => rows.push([what, ms, unit]);
const time = async (count, once) => {
  for (let i = 0; i < 20; i++) await once(); // warm-up
  const started = performance.now();
  for (let i = 0; i < count; i++) await once();
  return (performance.now() - started) / count;
};
const collect = async (stream) => {
  let text = '';
  for await (const chunk of stream) text += chunk;
  return text;
};

// ---- /bin/true ----------------------------------------------------------------------------------------
const nodeTrue = () => new Promise((resolve) => spawn('/bin/true', [], { stdio: 'ignore' }).on('exit', resolve));
const ffiTrue = () =>
  sys.startGroup({ programs: [{ path: '/bin/true', argv: [] }], env, cwd: '/', stdin: 'null', stdout: 'null', stderr: 'null' }).group.done;
const ffiTrueInherit = () => sys.startGroup({ programs: [{ path: '/bin/true', argv: [] }], env, cwd: '/' }).group.done;
row(`/bin/true ×${N}: child_process.spawn`, await time(N, nodeTrue), 'ms each');
row(`/bin/true ×${N}: startGroup (stdio /dev/null)`, await time(N, ffiTrue), 'ms each');
row(`/bin/true ×${N}: startGroup (stdio inherited)`, await time(N, ffiTrueInherit), 'ms each');

// ---- a pipeline -----------------------------------------------------------------------------------------
const P = Math.max(50, Math.round(N / 4));
const viaSh = async () => {
  const child = spawn('/bin/sh', ['-c', "printf 'hello world\\n' | tr -d o | wc -c"], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [text] = await Promise.all([collect(child.stdout), new Promise((resolve) => child.on('exit', resolve))]);
  if (text.trim() !== '10') throw new Error(`sh pipeline printed ${text}`);
};
const viaFfi = async () => {
  const job = sys.startGroup({
    programs: [
      { path: '/usr/bin/printf', argv: ['hello world\\n'] },
      { path: '/usr/bin/tr', argv: ['-d', 'o'] },
      { path: '/usr/bin/wc', argv: ['-c'] },
    ],
    env,
    cwd: '/',
    stdin: 'null',
    stdout: 'pipe',
  });
  const [text] = await Promise.all([collect(job.stdout), job.group.done]);
  if (text.trim() !== '10') throw new Error(`pipeline printed ${text}`);
};
row(`printf | tr | wc ×${P}: sh -c through child_process`, await time(P, viaSh), 'ms each');
row(`printf | tr | wc ×${P}: startGroup, 3 programs`, await time(P, viaFfi), 'ms each');

// ---- loading ----------------------------------------------------------------------------------------------
const fresh = (code) => {
  const samples = [];
  for (let i = 0; i < 7; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    samples.push(Number(r.stdout));
  }
  return samples.sort((a, b) => a - b)[3];
};
const url = JSON.stringify(pathToFileURL(entry).href);
// A first import of a file pays for the ESM loader, and the shell has Node's child_process and net loaded
// already: import those and an empty file first.
const empty = join(out, `empty-${process.pid}.mjs`);
writeFileSync(empty, 'export const x = 1;\n');
const warm = `await import(${JSON.stringify(pathToFileURL(empty).href)}); await import('node:child_process'); await import('node:net');`;
row(
  'import shell/sys (the FFI not loaded: loadMs stays 0)',
  fresh(
    `${warm} const t = performance.now(); const m = await import(${url}); if (m.loadMs !== 0) throw new Error('loaded'); console.log(m.imported - t)`,
  ),
  'ms, fresh process',
);
row(
  'first available(): require koffi + bind libc',
  fresh(`const m = await import(${url}); m.available(); console.log(m.loadMs)`),
  'ms, fresh process',
);

// ---- reading a pipe ------------------------------------------------------------------------------------------
const c = sys.libc();
const fds = new Int32Array(2);
const MB = 256;
const readThrough = async (open) => {
  c.pipeCloexec(fds);
  const [read, write] = fds;
  const job = sys.startGroup({
    programs: [{ path: '/usr/bin/head', argv: ['-c', String(MB << 20), '/dev/zero'] }],
    env,
    cwd: '/',
    stdin: 'null',
    stdout: write,
  });
  c.close(write);
  const started = performance.now();
  let bytes = 0;
  for await (const chunk of open(read)) bytes += chunk.length;
  await job.group.done;
  if (bytes !== MB << 20) throw new Error(`read ${bytes} bytes`);
  return (MB / (performance.now() - started)) * 1000;
};
const socket = (fd) => new Socket({ fd, readable: true, writable: false });
const fsStream = (fd) => createReadStream('', { fd });
row(`read ${MB} MB from a pipe: net.Socket`, await readThrough(socket), 'MB/s');
row(`read ${MB} MB from a pipe: fs.createReadStream`, await readThrough(fsStream), 'MB/s');

// fs streams read a pipe with blocking read(2) calls on libuv's thread pool (4 threads): four idle pipes hold
// all of it, and every fs call of the shell waits for them.
const idleWait = async (open) => {
  const jobs = [];
  const streams = [];
  for (let i = 0; i < 4; i++) {
    c.pipeCloexec(fds);
    const [read, write] = fds;
    jobs.push(sys.startGroup({ programs: [{ path: '/bin/sleep', argv: ['0.5'] }], env, cwd: '/', stdin: 'null', stdout: write }));
    c.close(write);
    const stream = open(read);
    stream.resume();
    streams.push(new Promise((resolve) => stream.on('close', resolve)));
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  const started = performance.now();
  await new Promise((resolve) => readFile('/etc/hostname', resolve));
  const waited = performance.now() - started;
  await Promise.all([...jobs.map((j) => j.group.done), ...streams]);
  return waited;
};
row('fs.readFile while 4 idle pipes are read: net.Socket', await idleWait(socket), 'ms');
row('fs.readFile while 4 idle pipes are read: fs.createReadStream', await idleWait(fsStream), 'ms');

rmSync(entry, { force: true });
rmSync(empty, { force: true });
const width = Math.max(...rows.map(([what]) => what.length));
console.log(`${'what'.padEnd(width)}  ${'figure'.padStart(8)}  unit`);
for (const [what, figure, unit] of rows) console.log(`${what.padEnd(width)}  ${figure.toFixed(figure < 10 ? 3 : 1).padStart(8)}  ${unit}`);
