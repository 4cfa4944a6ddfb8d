/**
 * shell/sys: programs started through posix_spawn in one process group per
 * job, joined by OS pipes, followed by the reaper (Linux, unit level).
 */
import { spawn as nodeSpawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  constants,
  createReadStream,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { available, libc, sys } from '../shell/sys/ffi.ts';
import { decodeStatus, trackedCount } from '../shell/sys/reaper.ts';
import { type GroupSpec, type ProgramSpec, startGroup } from '../shell/sys/spawn.ts';
import { bundledFixture } from './fixtures/sys/bundle.ts';
import { tempDir } from './helpers/tosh.ts';

const env = { PATH: process.env.PATH };
const run = (programs: ProgramSpec[], more: Partial<GroupSpec> = {}) => startGroup({ programs, env, cwd: '/', ...more });
const sh = (script: string, ...args: string[]): ProgramSpec => ({ path: '/bin/sh', argv: ['-c', script, ...args] });
const text = async (stream: Readable | undefined) => {
  let out = '';
  for await (const chunk of stream ?? []) out += chunk;
  return out;
};
/** Field `n` (1-based, as in proc(5)) of /proc/PID/stat. */
const statField = (pid: number, n: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[n - 3];
};

it('loads koffi and the C library on this platform', () => {
  expect(available()).toBe(true);
});

describe('status', () => {
  it("is the program's exit status", async () => {
    const job = run([sh('exit 7')]);
    const events: string[] = [];
    job.group.on('process', (e) => events.push(`${e.kind} ${e.status}`));
    expect(await job.group.done).toEqual({ status: 7, pipefail: 7, statuses: [7], failures: [] });
    expect(events).toEqual(['exited 7']);
  });

  it('is 128 + N for a program killed by signal N', async () => {
    const job = run([sh('kill -TERM $$')]);
    const events: unknown[] = [];
    job.group.on('process', (e) => events.push(e));
    expect((await job.group.done).status).toBe(143);
    expect(events).toEqual([{ pid: job.pgid, index: 0, kind: 'killed', status: 143, signal: 'SIGTERM' }]);
  });

  it('follows a program that stops, continues and exits', async () => {
    const job = run([sh('kill -STOP $$; read line; exit 5')], { stdin: 'pipe' });
    const events: string[] = [];
    job.group.on('process', (e) => events.push(`${e.kind} ${e.status}${e.signal ? ` ${e.signal}` : ''}`));
    const [status, signal] = await new Promise<[number, string | undefined]>((resolve) => job.group.once('stopped', (...a) => resolve(a)));
    expect([status, signal, job.group.state]).toEqual([147, 'SIGSTOP', 'stopped']);
    expect(statField(job.pids[0] ?? 0, 3)).toBe('T');
    job.group.signal('SIGCONT');
    await new Promise<void>((resolve) => job.group.once('continued', resolve));
    expect(job.group.state).toBe('running');
    job.stdin?.end('go on\n');
    expect((await job.group.done).status).toBe(5);
    expect(events).toEqual(['stopped 147 SIGSTOP', 'continued 0', 'exited 5']);
  });
});

describe('a group', () => {
  it('is stopped once every program is, and continued once', async () => {
    const cat: ProgramSpec = { path: '/bin/cat', argv: [] };
    const job = run([cat, cat, cat], { stdin: 'pipe', stdout: 'pipe' });
    const changes: string[] = [];
    job.group.on('stopped', (status, signal) => changes.push(`stopped ${status} ${signal}`));
    job.group.on('continued', () => changes.push('continued'));
    const stopped = new Promise((resolve) => job.group.once('stopped', resolve));
    expect(job.group.signal('SIGTSTP')).toBe(true);
    await stopped;
    expect(job.pids.map((pid) => statField(pid, 3))).toEqual(['T', 'T', 'T']);
    const continued = new Promise<void>((resolve) => job.group.once('continued', resolve));
    job.group.signal('SIGCONT');
    await continued;
    job.stdin?.end('after\n');
    expect(await text(job.stdout)).toBe('after\n');
    await job.group.done;
    expect(changes).toEqual(['stopped 148 SIGTSTP', 'continued']);
    expect(job.group.signal('SIGCONT')).toBe(false);
  });
});

it.each([
  [0x0700, { kind: 'exited', status: 7 }],
  [0x0000, { kind: 'exited', status: 0 }],
  [0x000f, { kind: 'killed', status: 143, signal: 'SIGTERM' }],
  [0x008b, { kind: 'killed', status: 139, signal: 'SIGSEGV' }], // with the core-dump bit
  [0x137f, { kind: 'stopped', status: 147, signal: 'SIGSTOP' }],
  [0x147f, { kind: 'stopped', status: 148, signal: 'SIGTSTP' }],
  [0xffff, { kind: 'continued', status: 0 }],
])('decodes the waitpid status %s as the W* macros do', (raw, event) => {
  expect(decodeStatus(42, raw)).toEqual({ pid: 42, ...event });
});

describe('pipelines', () => {
  it('joins three programs with OS pipes and hands the output to Node', async () => {
    const job = run(
      [
        { path: '/usr/bin/printf', argv: ['hello world\\n'] },
        { path: '/usr/bin/tr', argv: ['-d', 'o'] },
        { path: '/usr/bin/wc', argv: ['-c'] },
      ],
      { stdout: 'pipe' },
    );
    expect(await text(job.stdout)).toBe('10\n');
    expect(await job.group.done).toEqual({ status: 0, pipefail: 0, statuses: [0, 0, 0], failures: [] });
  });

  it('lets a reader leave early: the writer dies of SIGPIPE, quietly', async () => {
    const job = run(
      [
        { path: '/usr/bin/yes', argv: [] },
        { path: '/usr/bin/head', argv: ['-1'] },
      ],
      { stdout: 'pipe', stderr: 'pipe' },
    );
    const [out, err] = await Promise.all([text(job.stdout), text(job.stderr)]);
    expect([out, err]).toEqual(['y\n', '']);
    expect(await job.group.done).toEqual({ status: 0, pipefail: 141, statuses: [141, 0], failures: [] });
  });

  it('puts every program in one new process group whose id is the first pid', async () => {
    const cat: ProgramSpec = { path: '/bin/cat', argv: [] };
    const job = run([cat, cat, cat], { stdin: 'pipe', stdout: 'pipe' });
    const [first] = job.pids;
    expect(job.pids).toHaveLength(3);
    expect(job.pgid).toBe(first);
    expect(job.pids.map((pid) => Number(statField(pid, 5)))).toEqual([first, first, first]);
    // A new group in the shell's own session.
    expect(job.pgid).not.toBe(Number(statField(process.pid, 5)));
    expect(job.pids.map((pid) => statField(pid, 6))).toEqual(Array(3).fill(statField(process.pid, 6)));
    job.stdin?.end('through\n');
    expect(await text(job.stdout)).toBe('through\n');
    await job.group.done;
  });

  it('applies redirects in order after the pipeline, and extra fds', async () => {
    const dir = tempDir('tosh-sys-');
    const file = openSync(join(dir, 'err.txt'), 'w');
    const three = openSync(join(dir, 'three.txt'), 'w');
    const job = run([sh('echo out; echo err >&2; echo three >&3'), sh('cat; echo to-file >&2', 'x')], {
      stdout: 'pipe',
      extraFds: { 3: three },
    });
    // First program: 2>&1 into the pipe; second: its standard error to the file.
    const both = run([{ ...sh('echo out; echo err >&2'), redirects: [{ fd: 2, dup: 1 }] }], { stdout: 'pipe' });
    const closed = run([{ ...sh('echo x >&2 || echo closed'), redirects: [{ fd: 2, close: true }] }], { stdout: 'pipe' });
    const toFile = run([{ ...sh('echo to-file >&2'), redirects: [{ fd: 2, from: file }] }]);
    closeSync(file);
    closeSync(three);
    expect(await text(job.stdout)).toBe('out\n');
    expect(await text(both.stdout)).toBe('out\nerr\n');
    expect(await text(closed.stdout)).toBe('closed\n');
    await Promise.all([job.group.done, toFile.group.done]);
    expect(readFileSync(join(dir, 'err.txt'), 'utf8')).toBe('to-file\n');
    expect(readFileSync(join(dir, 'three.txt'), 'utf8')).toBe('three\n');
  });
});

describe('what a program gets', () => {
  it('runs with the environment, working directory and argv[0] given', async () => {
    const dir = realpathSync(tempDir('tosh-sys-cwd-'));
    const job = run([{ path: '/usr/bin/env', argv: [] }], { env: { FOO: 'bar', GONE: undefined }, cwd: dir, stdout: 'pipe' });
    const pwd = run([{ path: '/bin/pwd', argv: [] }], { cwd: dir, stdout: 'pipe' });
    const named = run([{ path: '/bin/cat', argv0: 'kitty', argv: ['/proc/self/cmdline'] }], { stdout: 'pipe' });
    expect(await text(job.stdout)).toBe('FOO=bar\n');
    expect(await text(pwd.stdout)).toBe(`${dir}\n`);
    expect(await text(named.stdout)).toBe('kitty\0/proc/self/cmdline\0');
  });

  it('gets every signal at its default and none blocked, whatever Node set', async () => {
    // Node ignores SIGPIPE; the child must not inherit that, nor a mask.
    const job = run([{ path: '/bin/grep', argv: ['-E', '^Sig(Ign|Blk)', '/proc/self/status'] }], { stdout: 'pipe' });
    expect(await text(job.stdout)).toBe('SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
  });

  it('gets a blocking descriptor even when the one handed over is non-blocking', async () => {
    // As Node's own fds 0-2 are: a program writing to it would get EAGAIN once the pipe is full.
    const fifo = join(tempDir('tosh-sys-fifo-'), 'fifo');
    spawnSync('mkfifo', [fifo]);
    const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    expect((libc()?.getfl(fd) ?? 0) & constants.O_NONBLOCK).toBe(constants.O_NONBLOCK);
    const job = run([{ path: '/usr/bin/head', argv: ['-c', '1000000', '/dev/zero'] }], { stdout: fd, stderr: 'pipe' });
    // The test's own fd keeps the FIFO open: the reader stops at the count rather than at an end of file.
    let bytes = 0;
    const reader = createReadStream(fifo);
    const all = new Promise<void>((resolve) =>
      reader.on('data', (chunk) => {
        bytes += chunk.length;
        if (bytes < 1_000_000) return;
        reader.destroy();
        resolve();
      }),
    );
    const [err, result] = await Promise.all([text(job.stderr), job.group.done]);
    if (result.status === 0) await all;
    closeSync(fd);
    expect([err, result.status, bytes]).toEqual(['', 0, 1_000_000]);
  });
});

describe('programs that cannot start', () => {
  it("report bash's words and status, and the rest of the pipeline runs", async () => {
    const dir = tempDir('tosh-sys-bad-');
    writeFileSync(join(dir, 'plain.txt'), 'not a program\n');
    writeFileSync(join(dir, 'bad-interpreter'), '#!/nonexistent/interpreter\necho hi\n');
    chmodSync(join(dir, 'bad-interpreter'), 0o755);
    const job = run(
      [
        { path: './missing', argv: [] },
        { path: './plain.txt', argv: [] },
        { path: dir, argv0: 'a-dir', argv: [] },
        { path: './bad-interpreter', argv: [] },
        { path: '/bin/echo', argv0: 'echo', argv: ['x'.repeat(300_000)] },
        sh('echo still here'),
      ],
      { cwd: dir, stdout: 'pipe' },
    );
    expect(job.programs.map((p) => p.failure)).toEqual([
      { code: 'ENOENT', message: './missing: No such file or directory', status: 127 },
      { code: 'EACCES', message: './plain.txt: Permission denied', status: 126 },
      { code: 'EISDIR', message: 'a-dir: Is a directory', status: 126 },
      { code: 'ENOENT', message: './bad-interpreter: cannot execute: required file not found', status: 127 },
      { code: 'E2BIG', message: 'echo: Argument list too long', status: 126 },
      undefined,
    ]);
    expect(job.pids).toHaveLength(1);
    expect(job.pgid).toBe(job.pids[0]);
    expect(await text(job.stdout)).toBe('still here\n');
    expect(await job.group.done).toEqual({ status: 0, pipefail: 126, statuses: [127, 126, 126, 127, 126, 0], failures: [] });
  });

  it('name the working directory when it is gone', async () => {
    const gone = join(tempDir('tosh-sys-gone-'), 'gone');
    const job = run([{ path: '/bin/pwd', argv0: 'pwd', argv: [] }], { cwd: gone });
    expect(job.programs[0]?.failure).toEqual({ code: 'ENOENT', message: `pwd: ${gone}: No such file or directory`, status: 127 });
  });

  it('make a group of nothing done at once', async () => {
    const job = run([{ path: '/nonexistent', argv: [] }]);
    expect([job.pgid, job.pids]).toEqual([undefined, []]);
    expect(await job.group.done).toEqual({ status: 127, pipefail: 127, statuses: [127], failures: [] });
  });

  it('runs an executable file without #! through /bin/sh, as bash does', async () => {
    const dir = tempDir('tosh-sys-script-');
    writeFileSync(join(dir, 'script'), 'echo "script $1"\n');
    chmodSync(join(dir, 'script'), 0o755);
    const job = run([{ path: './script', argv: ['arg'] }], { cwd: dir, stdout: 'pipe' });
    expect(await text(job.stdout)).toBe('script arg\n');
  });
});

describe('resources', () => {
  it('leaks no file descriptor and leaves no zombie over 200 spawns', async () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    await run([{ path: '/bin/true', argv: [] }], { stdout: 'pipe' }).group.done;
    const before = fds();
    const pids: number[] = [];
    for (let round = 0; round < 20; round++) {
      const jobs = Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0
          ? run([{ path: '/bin/true', argv: [] }], { stdin: 'null', stderr: 'null' })
          : run([sh('echo $0', String(i)), { path: '/bin/cat', argv: [] }], { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' }),
      );
      for (const job of jobs) {
        pids.push(...job.pids);
        job.stdin?.end();
      }
      await Promise.all(jobs.flatMap((job) => [job.group.done, text(job.stdout), text(job.stderr)]));
    }
    expect(pids).toHaveLength(300);
    expect(fds()).toBe(before);
    expect(trackedCount()).toBe(0);
    // Every pid was reaped: waitpid knows none of them any more.
    const c = libc();
    const status = new Int32Array(1);
    expect(pids.filter((pid) => c?.waitpid(pid, status, sys.WNOHANG) !== -1)).toEqual([]);
  });

  it("never takes libuv's children: child_process exits still arrive while the reaper runs", async () => {
    const viaNode = Array.from(
      { length: 8 },
      (_, i) =>
        new Promise<number | null>((resolve) => nodeSpawn('/bin/sh', ['-c', `exit ${i + 1}`], { stdio: 'ignore' }).on('exit', resolve)),
    );
    const viaFfi = Array.from({ length: 8 }, (_, i) => run([sh(`exit ${i + 11}`)]).group.done.then((r) => r.status));
    expect(await Promise.all(viaNode)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await Promise.all(viaFfi)).toEqual([11, 12, 13, 14, 15, 16, 17, 18]);
  });
});

const keepalive = bundledFixture('keepalive');

describe('the event loop', () => {
  it("is kept alive while a followed job runs, and not after, nor by an unref'd job", async () => {
    // The timeout only guards against a hang (a keep-alive left behind would hold Node 30 s).
    const result = spawnSync(process.execPath, [keepalive.path], { encoding: 'utf8', timeout: 15000 });
    expect([result.stdout, result.stderr, result.status]).toEqual(['held done 0\nexit, loose running\n', '', 0]);
  });
});

describe('where pieces are missing', () => {
  it('TOSH_NO_FFI=1: available() is false and programs still run through child_process', async () => {
    vi.stubEnv('TOSH_NO_FFI', '1');
    vi.resetModules();
    try {
      const ffi = await import('../shell/sys/ffi.ts');
      const spawn = await import('../shell/sys/spawn.ts');
      expect([ffi.available(), ffi.unavailableReason(), ffi.libc()]).toEqual([false, 'TOSH_NO_FFI=1 is set', undefined]);
      const job = spawn.startGroup({
        programs: [
          { path: '/usr/bin/printf', argv: ['hello world\\n'] },
          { path: '/usr/bin/tr', argv: ['-d', 'o'] },
          { path: '/usr/bin/wc', argv: ['-c'] },
        ],
        env,
        cwd: '/',
        stdout: 'pipe',
      });
      expect(job.pgid).toBeUndefined();
      expect(await text(job.stdout)).toBe('10\n');
      expect(await job.group.done).toEqual({ status: 0, pipefail: 0, statuses: [0, 0, 0], failures: [] });
      const bad = spawn.startGroup({ programs: [{ path: '/nonexistent', argv: [] }, sh('kill -TERM $$')], env, cwd: '/' });
      expect(bad.programs[0]?.failure).toEqual({ code: 'ENOENT', message: '/nonexistent: No such file or directory', status: 127 });
      expect(await bad.group.done).toEqual({ status: 143, pipefail: 143, statuses: [127, 143], failures: [] });
      // One stream for every program's standard error, as with the FFI.
      const errors = spawn.startGroup({
        programs: [sh('echo a >&2'), sh('cat; echo b >&2')],
        env,
        cwd: '/',
        stdin: 'pipe',
        stderr: 'pipe',
      });
      errors.stdin?.end();
      expect((await text(errors.stderr)).split('\n').sort()).toEqual(['', 'a', 'b']);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });

  it('without addchdir_np (glibc < 2.29) the working directory is still honoured', async () => {
    vi.stubEnv('TOSH_FFI_DISABLE', 'addchdir_np,addtcsetpgrp_np');
    vi.resetModules();
    try {
      const ffi = await import('../shell/sys/ffi.ts');
      const spawn = await import('../shell/sys/spawn.ts');
      expect(ffi.libc()?.posix_spawn_file_actions_addchdir_np).toBeUndefined();
      const dir = realpathSync(tempDir('tosh-sys-cwd-'));
      const here = process.cwd();
      const job = spawn.startGroup({ programs: [{ path: '/bin/pwd', argv: [] }], env, cwd: dir, stdout: 'pipe' });
      expect(process.cwd()).toBe(here);
      expect(await text(job.stdout)).toBe(`${dir}\n`);
      const gone = spawn.startGroup({ programs: [{ path: '/bin/pwd', argv0: 'pwd', argv: [] }], env, cwd: join(dir, 'gone') });
      expect([gone.programs[0]?.failure?.message, process.cwd()]).toEqual([`pwd: ${dir}/gone: No such file or directory`, here]);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});
