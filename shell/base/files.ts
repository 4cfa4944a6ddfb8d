/**
 * Files that code or settings come from, checked before they are used
 * (CONTRACT §9, §12): who may write them, and reading exactly what was checked.
 */
import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync, type Stats, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

// Asked once: a start checks every plugin, and the answer cannot change.
const uid = process.getuid?.();

/**
 * What is wrong with a file or directory that code or settings come from, or
 * undefined when it may be used: writable by group or others, or owned by
 * someone other than the user running the shell and root.
 */
export function untrusted(stats: Stats): string | undefined {
  const owner = ownerProblem(stats);
  if (owner) return owner;
  if (stats.mode & 0o002) return 'writable by others';
  if (stats.mode & 0o020) return 'writable by its group';
  return undefined;
}

/** The owner half of `untrusted`: someone other than the user running the shell and root. */
export function ownerProblem(stats: Stats): string | undefined {
  if (uid !== undefined && stats.uid !== uid && stats.uid !== 0) return `owned by uid ${stats.uid}, not by you (uid ${uid}) or root`;
  return undefined;
}

/** `statSync`, or undefined when the path cannot be stat'ed (missing, no permission). */
export function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Read a file through one descriptor: open without blocking (a FIFO must not
 * hang the shell), fstat that descriptor, let `check` refuse it, then read
 * from the same descriptor. What was checked is what is read, whatever is
 * renamed meanwhile. Anything but a regular file is refused. Throws what
 * `open` throws (ENOENT…).
 */
export function readChecked(
  path: string,
  check: (stats: Stats) => string | undefined = untrusted,
): { bytes: Buffer; stats: Stats; problem?: undefined } | { problem: string; stats: Stats } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { problem: 'not a regular file', stats };
    const problem = check(stats);
    if (problem) return { problem, stats };
    return { bytes: readAll(fd, stats.size), stats };
  } finally {
    closeSync(fd);
  }
}

function readAll(fd: number, size: number): Buffer {
  const chunks: Buffer[] = [];
  let buffer = Buffer.allocUnsafe(size + 1);
  let used = 0;
  for (;;) {
    if (used === buffer.length) {
      chunks.push(buffer);
      buffer = Buffer.allocUnsafe(64 * 1024);
      used = 0;
    }
    const wanted = buffer.length - used;
    const n = readSync(fd, buffer, used, wanted, null);
    if (n === 0) break;
    used += n;
    // A regular file's read comes up short only at its end: the size fstat gave, read in one go, needs no
    // second read to learn that (one syscall less for every plugin file, package.json and cache file).
    if (chunks.length === 0 && used === size && n < wanted) break;
  }
  chunks.push(buffer.subarray(0, used));
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

// ---- $TOSH_HOME ---------------------------------------------------------------

/**
 * Create a directory (and its missing parents) private to the user: 0700.
 * Parents are made one by one, so an impossible path fails at once
 * (Node's own recursive mkdir spins forever under /proc). Throws a one-line
 * Error (`cannot create /proc/.config: no such file or directory`).
 */
export function makePrivateDir(path: string): void {
  const made = (dir: string, depth: number): void => {
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        if (statOrUndefined(dir)?.isDirectory()) return;
        throw new Error(`cannot create ${dir}: something else is in the way`);
      }
      if (code === 'ENOENT' && depth < 64 && dirname(dir) !== dir) {
        made(dirname(dir), depth + 1);
        try {
          mkdirSync(dir, { mode: 0o700 });
          return;
        } catch (again) {
          if ((again as NodeJS.ErrnoException).code === 'EEXIST') return;
          throw new Error(`cannot create ${dir}: ${errnoText(again)}`);
        }
      }
      throw new Error(`cannot create ${dir}: ${errnoText(error)}`);
    }
  };
  made(resolve(path), 0);
}

/** `no such file or directory` from an fs error, without Node's `ENOENT: … , mkdir '…'` decoration. */
function errnoText(error: unknown): string {
  const message = (error as Error).message ?? String(error);
  return message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
}
