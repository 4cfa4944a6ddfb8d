import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'tosh.js');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

export interface ToshResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface ToshOptions {
  stdin?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** TOSH_HOME for this run (a fresh empty one by default). */
  home?: string;
  timeoutMs?: number;
}

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test file. */
export function tempDir(prefix = 'tosh-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** Make a tree trusted whatever the umask of the checkout: no group/other write bits. */
export function trustTree(path: string): void {
  const s = statSync(path);
  chmodSync(path, s.mode & ~0o022);
  if (s.isDirectory()) for (const name of readdirSync(path)) trustTree(join(path, name));
}

/** Copy a fixture plugin directory to a temp dir (trusted permissions); returns its path. */
export function fixture(name: string): string {
  const dir = join(tempDir(), name);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  trustTree(dir);
  return dir;
}

/** Run the real `tosh` binary and collect what a user would see. */
export function tosh(args: string[], options: ToshOptions = {}): Promise<ToshResult> {
  const home = options.home ?? tempDir('tosh-home-');
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      TOSH_HOME: home,
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // A shell that exits before reading all of its input closes the pipe: EPIPE, which unheard would crash the test run.
  child.stdin.on('error', () => {});
  child.stdin.end(options.stdin ?? '');
  return finished(child, options.timeoutMs ?? 15000);
}

/** What a spawned process printed and its status, once it has closed (killed with SIGKILL after `timeoutMs`). */
export function finished(child: ChildProcessByStdio<null | Writable, Readable, Readable>, timeoutMs = 15000): Promise<ToshResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}
