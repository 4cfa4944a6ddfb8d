import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync, realpathSync, type Stats, statSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve, sep } from 'node:path';
import type { PluginSource } from './discover.ts';

// Asked once: a start checks every plugin, and the answer cannot change.
const uid = process.getuid?.();

/**
 * What is wrong with a file or directory that code or settings come from, or
 * undefined when it may be used: writable by group or others, or owned by
 * someone other than the user running the shell and root.
 */
export function untrusted(stats: Stats): string | undefined {
  if (uid !== undefined && stats.uid !== uid && stats.uid !== 0) {
    return `owned by uid ${stats.uid}, not by you (uid ${uid}) or root`;
  }
  if (stats.mode & 0o002) return 'writable by others';
  if (stats.mode & 0o020) return 'writable by its group';
  return undefined;
}

/** The hint every plugin refusal ends with: only plugin checks can be lifted. */
const LIFT_HINT = '(use --trust to load it anyway)';

/** A plugin refused because a file or directory it is built from may be changed by someone else. */
export class TrustRefusal extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'TrustRefusal';
  }
}

/**
 * The refusal for one path: `it is …` when it is the plugin's own file or
 * folder (as the message has always said), else `<path> is …`.
 */
export function refusalText(shown: string, own: boolean, problem: string): string {
  return `${own ? 'it' : shown} is ${problem} ${LIFT_HINT}`;
}

const realDirs = new Map<string, string>();

/** A plugin directory's real path (symlinks resolved), asked once per directory. */
export function realDir(dir: string): string {
  let real = realDirs.get(dir);
  if (real === undefined) {
    try {
      real = realpathSync.native(dir);
    } catch {
      real = resolve(dir);
    }
    realDirs.set(dir, real);
  }
  return real;
}

/** Files of packages (under a `node_modules` below the plugin directory or beside its way up) are not checked. */
export function inPackages(pluginDir: string, file: string): boolean {
  // The common case (a file inside the plugin directory) without path.relative's resolving: a start asks per plugin.
  const rel = file.startsWith(`${pluginDir}${sep}`) ? file.slice(pluginDir.length + 1) : relative(pluginDir, file);
  return (
    rel === 'node_modules' ||
    rel.startsWith(`node_modules${sep}`) ||
    rel.includes(`${sep}node_modules${sep}`) ||
    rel.endsWith(`${sep}node_modules`)
  );
}

/**
 * The directories that guard `file` (a real path): from its folder up to the
 * plugin directory `pluginDir` (a real path). For a file outside the plugin
 * directory, its folders up to (not including) the nearest common ancestor,
 * and the plugin directory itself: whoever can rename in one of them can
 * swap the file.
 */
export function guardingDirs(pluginDir: string, file: string): string[] {
  // The common case, a file directly in the plugin directory (a start asks per plugin), without path work.
  if (file.lastIndexOf(sep) === pluginDir.length && file.startsWith(pluginDir)) return [pluginDir];
  const dirs: string[] = [];
  const ancestor = (dir: string) => dir === pluginDir || dir === sep || pluginDir.startsWith(`${dir}${sep}`);
  const inside = pluginDir === sep || file.startsWith(`${pluginDir}${sep}`);
  for (let dir = dirname(file); inside ? dir !== pluginDir : !ancestor(dir); dir = dirname(dir)) dirs.push(dir);
  dirs.push(pluginDir);
  return dirs;
}

/**
 * Check the directories that guard `file` with `stat`; the first problem as
 * `[directory, problem]`, or undefined. `stat` is the caller's (the cache
 * shares one stat per path during a start).
 */
export function checkDirs(
  pluginDir: string,
  file: string,
  stat: (path: string) => Stats | undefined = statOrUndefined,
): [string, string] | undefined {
  for (const dir of guardingDirs(pluginDir, file)) {
    const stats = stat(dir);
    if (!stats) return [dir, 'missing'];
    const problem = untrusted(stats);
    if (problem) return [dir, problem];
  }
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

/** A path as messages show it: under the plugin directory as the user gave it (`plugins/lib/helper.ts`). */
export function shownPath(source: PluginSource, path: string): string {
  const rel = relative(realDir(source.dir.dir), path);
  if (rel !== '') return join(source.dir.dir, rel);
  const dir = normalize(source.dir.dir);
  return dir.length > 1 && dir.endsWith(sep) ? dir.slice(0, -1) : dir;
}

/**
 * Why a plugin may not be loaded, before anything is built: its own file or
 * folder, the plugin directory, and the `package.json` its entry was read
 * from (checked on the descriptor it was read through). The files it is built
 * from are checked as they are read (build.ts) or from the cache's stats.
 */
export function pluginRefusal(source: PluginSource, stat: (path: string) => Stats | undefined): string | undefined {
  const own = stat(source.path);
  const problem = own && untrusted(own);
  if (problem) return refusalText(source.display, true, problem);
  const pluginDir = realDir(source.dir.dir);
  const dirStats = stat(pluginDir);
  const dirProblem = dirStats && untrusted(dirStats);
  if (dirProblem) return refusalText(shownPath(source, pluginDir), false, dirProblem);
  if (source.manifest) {
    const manifestProblem = untrusted(source.manifest.stats);
    if (manifestProblem) return refusalText(`${source.display}${sep}package.json`, false, manifestProblem);
  }
  return undefined;
}

/**
 * Trust re-checked for a cached build, from the stats the cache takes anyway
 * to fingerprint its inputs (files and folders, the entry among them) and the
 * directories guarding them, and the `package.json` the entry was read from:
 * as complete as `pluginRefusal` and the build's checks together, so a warm
 * start needs nothing else. A build made with `--trust`, or a directory made
 * writable since, is refused like a fresh build.
 */
export function inputsRefusal(
  source: PluginSource,
  inputs: readonly (readonly [string, string])[],
  stat: (path: string) => Stats | undefined,
): string | undefined {
  const pluginDir = realDir(source.dir.dir);
  const manifestProblem = source.manifest && untrusted(source.manifest.stats);
  if (manifestProblem) return refusalText(`${source.display}${sep}package.json`, false, manifestProblem);
  for (const [input] of inputs) {
    if (inPackages(pluginDir, input)) continue;
    const stats = stat(input);
    if (!stats) continue; // Gone: the fingerprint no longer matches and the plugin is rebuilt.
    const problem = untrusted(stats);
    if (problem) {
      const shown = shownPath(source, input);
      return refusalText(shown, shown === source.display, problem);
    }
    const dir = checkDirs(pluginDir, input, stat);
    if (dir && dir[1] !== 'missing') return refusalText(shownPath(source, dir[0]), false, dir[1]);
  }
  return undefined;
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
