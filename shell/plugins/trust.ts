import { realpathSync, type Stats } from 'node:fs';
import { dirname, join, normalize, relative, resolve, sep } from 'node:path';
import { ownerProblem, statOrUndefined, untrusted } from '../base/files.ts';
import { dirPath, type PluginSource } from './source.ts';

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

/** A path as messages show it: under the plugin directory as the user gave it (`plugins/lib/helper.ts`). */
export function shownPath(source: PluginSource, path: string): string {
  const rel = relative(realDir(dirPath(source.dir)), path);
  if (rel !== '') return join(source.dir.dir, rel);
  const dir = normalize(source.dir.dir);
  return dir.length > 1 && dir.endsWith(sep) ? dir.slice(0, -1) : dir;
}

/**
 * The directory that holds a plugin directory: whoever may write there may
 * rename the plugin directory and put another in its place. A sticky one
 * (`/tmp`) lets no one rename what is not theirs, so only its owner counts
 * there, as ssh treats the directories above `~/.ssh`.
 */
function parentRefusal(pluginDir: string, stat: (path: string) => Stats | undefined): string | undefined {
  const parent = dirname(pluginDir);
  if (parent === pluginDir) return undefined;
  const stats = stat(parent);
  if (!stats) return undefined;
  const problem = stats.mode & 0o1000 ? ownerProblem(stats) : untrusted(stats);
  return problem && refusalText(parent, false, problem);
}

/**
 * Why a plugin may not be loaded, before anything is built: its own file or
 * folder, the plugin directory and the one holding it, and the `package.json` its entry was read
 * from (checked on the descriptor it was read through). The files it is built
 * from are checked as they are read (build.ts) or from the cache's stats.
 */
export function pluginRefusal(source: PluginSource, stat: (path: string) => Stats | undefined): string | undefined {
  const own = stat(source.path);
  const problem = own && untrusted(own);
  if (problem) return refusalText(source.display, true, problem);
  const pluginDir = realDir(dirPath(source.dir));
  const dirStats = stat(pluginDir);
  const dirProblem = dirStats && untrusted(dirStats);
  if (dirProblem) return refusalText(shownPath(source, pluginDir), false, dirProblem);
  const parentProblem = parentRefusal(pluginDir, stat);
  if (parentProblem) return parentProblem;
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
  const pluginDir = realDir(dirPath(source.dir));
  const manifestProblem = source.manifest && untrusted(source.manifest.stats);
  if (manifestProblem) return refusalText(`${source.display}${sep}package.json`, false, manifestProblem);
  const parentProblem = parentRefusal(pluginDir, stat);
  if (parentProblem) return parentProblem;
  for (const [input] of inputs) {
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
