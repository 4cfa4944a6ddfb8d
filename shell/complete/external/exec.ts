/**
 * Running the programs that completion asks about (a spec's `git branch`, a
 * coprocess): never through a shell, with a time limit, in a process group of
 * its own so that a kill takes its children too, and never holding the event
 * loop open. Whatever is still running when the shell leaves is killed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { ExecuteCommandOutput } from './types.ts';

/** Output past this is cut off (10,000 branches are ~0.5 MB). */
const MAX_OUTPUT = 16 * 1024 * 1024;

const live = new Set<ChildProcess>();
let exitHook = false;

/** Kill a process and its group (it was started detached: its own group). */
export function killGroup(child: ChildProcess): void {
  live.delete(child);
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** Remember a child so that it is killed when the shell leaves. */
export function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHook) {
    exitHook = true;
    process.once('exit', killAll);
  }
}

/** Kill every process completion started (the shell is leaving). */
export function killAll(): void {
  for (const child of [...live]) killGroup(child);
}

/** Let the event loop end while `child` runs: its handle and pipes no longer count. */
export function unrefChild(child: ChildProcess): void {
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
}

export interface RunOptions {
  cwd: string;
  env: Record<string, string>;
  /** Killed after this long. */
  timeoutMs: number;
}

/**
 * Run `command args` and collect its output. Never rejects: a program that is
 * missing, fails or is killed gives what it printed and a non-zero status.
 */
export function run(command: string, args: string[], options: RunOptions): Promise<ExecuteCommandOutput> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (error) {
      resolve({ stdout: '', stderr: (error as Error).message, status: 127 });
      return;
    }
    track(child);
    unrefChild(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT) killGroup(child);
      else into.push(chunk);
    };
    child.stdout?.on('data', collect(out));
    child.stderr?.on('data', collect(err));
    const timer = setTimeout(() => killGroup(child), options.timeoutMs);
    timer.unref();
    let done = false;
    const finish = (status: number, message = '') => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      live.delete(child);
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') + message, status });
    };
    child.once('error', (error) => finish(127, error.message));
    child.once('close', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}

/** Characters that mean something only to a shell: a command line holding one is not run. */
const SHELL_ONLY = /[|&;<>()$`*?[\]{}!]/;

/**
 * Split an old-style command line (`git branch --no-color`) into words, as a
 * shell would for plain words and quotes; undefined when it needs a shell
 * (pipes, substitutions, globs), which is never used for it.
 */
export function splitCommandLine(text: string, home: string | undefined): string[] | undefined {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) return undefined;
      word += text.slice(i + 1, close);
      i = close;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        const d = text[j] as string;
        if (d === '$' || d === '`') return undefined;
        if (d === '\\' && j + 1 < text.length) word += text[++j];
        else word += d;
      }
      if (j >= text.length) return undefined;
      i = j;
      inWord = true;
    } else if (c === '\\') {
      word += text[++i] ?? '';
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (
      c === '~' &&
      !inWord &&
      home !== undefined &&
      (i + 1 === text.length || text[i + 1] === '/' || /\s/.test(text[i + 1] as string))
    ) {
      word += home;
      inWord = true;
    } else if (SHELL_ONLY.test(c)) {
      return undefined;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words.length > 0 ? words : undefined;
}
