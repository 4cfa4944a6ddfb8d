import { type Dirent, existsSync, lstatSync, readdirSync, readFileSync, realpathSync, type Stats, statSync } from 'node:fs';
import { basename, extname, join, normalize, resolve, sep } from 'node:path';
import { readChecked, statOrUndefined } from '../base/files.ts';
import { dirPath, type PluginDir, type PluginSource } from './source.ts';

export type { PluginDir, PluginSource } from './source.ts';

const PLUGIN_FILE = /\.(ts|tsx|mts|js|mjs)$/;
const INDEX_FILES = ['index.ts', 'index.tsx', 'index.mts', 'index.js', 'index.mjs'];

/** Entries a plugin directory skips: dotfiles, `_private`, node_modules, tests, declarations. */
export function skipped(name: string): boolean {
  return (
    name.startsWith('.') || name.startsWith('_') || name === 'node_modules' || /\.(test|spec)\.[^.]+$/.test(name) || name.endsWith('.d.ts')
  );
}

/** The file a folder plugin starts from, or undefined when the folder is not a plugin. */
export function folderEntry(folder: string): string | undefined {
  return folderPlugin(folder)?.entry;
}

/**
 * What a folder's `package.json` says, remembered across starts by the
 * manifest cache while the file's stat signature holds (a warm start then
 * stats each package's `package.json` instead of reading and parsing it).
 */
export interface PackageMemo {
  packageInfo(file: string, stats: Stats): { target?: string; tosh: boolean } | undefined;
  rememberPackage(file: string, stats: Stats, info: { target?: string; tosh: boolean }, readAt: number): void;
}

/**
 * A folder plugin's entry, and the `package.json` that named it. The file is
 * read once, through the descriptor whose stats are kept: the trust check
 * judges the very bytes that chose the entry (or, from the memo, bytes read
 * before from a file whose size, times and inode are still the same).
 */
function folderPlugin(
  folder: string,
  memo?: PackageMemo,
): { entry: string; manifest?: { path: string; stats: Stats }; tosh: boolean } | undefined {
  const pkgFile = join(folder, 'package.json');
  let manifest: { path: string; stats: Stats } | undefined;
  let target: string | undefined;
  let tosh = false;
  const stats = memo && statOrUndefined(pkgFile);
  const known = stats?.isFile() ? memo?.packageInfo(pkgFile, stats) : undefined;
  if (stats && known) {
    manifest = { path: pkgFile, stats };
    target = known.target;
    tosh = known.tosh;
  } else {
    try {
      const readAt = Date.now();
      const read = readChecked(pkgFile, () => undefined);
      manifest = { path: pkgFile, stats: read.stats };
      if (read.problem === undefined) {
        let pkg: Record<string, unknown> | undefined;
        try {
          const parsed = JSON.parse(read.bytes.toString('utf8')) as unknown;
          if (typeof parsed === 'object' && parsed !== null) pkg = parsed as Record<string, unknown>;
        } catch {}
        target = exportTarget(pkg?.exports) ?? (typeof pkg?.main === 'string' ? pkg.main : undefined);
        tosh = typeof pkg?.tosh === 'object' && pkg.tosh !== null;
        memo?.rememberPackage(pkgFile, read.stats, target === undefined ? { tosh } : { target, tosh }, readAt);
      }
    } catch {
      // Missing, unreadable or not JSON: index files decide; the build reports real problems.
    }
  }
  // `./index.ts`, the usual target, needs none of path.resolve's work (a start resolves one per package).
  let entry =
    target &&
    (/^\.\/[\w@+-][\w.@+-]*$/.test(target) && !target.includes('..') ? `${folder}${sep}${target.slice(2)}` : resolve(folder, target));
  for (const index of INDEX_FILES) {
    if (entry) break;
    const file = join(folder, index);
    if (existsSync(file)) entry = file;
  }
  if (!entry) return undefined;
  return { entry, ...(manifest ? { manifest } : {}), tosh };
}

function exportTarget(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (typeof exports !== 'object' || exports === null) return undefined;
  const map = exports as Record<string, unknown>;
  const root = '.' in map ? map['.'] : map;
  if (typeof root === 'string') return root;
  if (typeof root === 'object' && root !== null) {
    const conditions = root as Record<string, unknown>;
    for (const key of ['tosh', 'import', 'node', 'default', 'require']) {
      const found = exportTarget(conditions[key]);
      if (found) return found;
    }
  }
  return undefined;
}

const dirPathCache = new WeakMap<PluginDir, { abs: string; shown: string }>();

/** A plugin directory's absolute path and its form in messages, worked out once (a start asks per plugin). */
function dirPaths(dir: PluginDir): { abs: string; shown: string } {
  let paths = dirPathCache.get(dir);
  if (!paths) {
    const abs = dirPath(dir);
    const normal = normalize(dir.dir);
    paths = { abs: abs === sep ? '' : abs, shown: normal.length > 1 && normal.endsWith(sep) ? normal.slice(0, -1) : normal };
    dirPathCache.set(dir, paths);
  }
  return paths;
}

/** Describe one directory entry as a plugin source, or undefined when it is not a plugin. */
export function sourceOf(dir: PluginDir, rank: number, name: string, kind?: Dirent, memo?: PackageMemo): PluginSource | undefined {
  if (dir.packages) return packageSource(dir, rank, name, dependencies(dir), memo);
  if (skipped(name)) return undefined;
  const { abs, shown } = dirPaths(dir);
  const path = `${abs}${sep}${name}`;
  let isDir: boolean;
  try {
    // The listing's entry type saves a stat per plugin; links (and file systems that do not say) still need one.
    isDir = kind && (kind.isFile() || kind.isDirectory()) ? kind.isDirectory() : statSync(path).isDirectory();
  } catch {
    return undefined;
  }
  const display = shown === '.' ? name : shown.endsWith(sep) ? `${shown}${name}` : `${shown}${sep}${name}`;
  if (isDir) {
    const found = folderPlugin(path, memo);
    if (!found) return undefined;
    const source: PluginSource = { path, entry: found.entry, display, dir, rank, folder: true };
    if (found.manifest) source.manifest = found.manifest;
    return source;
  }
  if (!PLUGIN_FILE.test(name)) return undefined;
  return { path, entry: path, display, dir, rank, folder: false };
}

/** Every plugin in the directories, highest precedence first; missing directories are skipped. */
export function discover(dirs: PluginDir[], memo?: PackageMemo): PluginSource[] {
  const found: PluginSource[] = [];
  dirs.forEach((dir, rank) => {
    if (dir.packages) {
      found.push(...packageSources(dir, rank, memo));
      return;
    }
    let entries: Dirent[];
    try {
      entries = readdirSync(dirPath(dir), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch {
      return;
    }
    for (const entry of entries) {
      const source = sourceOf(dir, rank, entry.name, entry, memo);
      if (source) found.push(source);
    }
  });
  return found;
}

/** A name to show for a plugin whose code never loaded: its file name without extension. */
export function fallbackName(source: PluginSource): string {
  const base = basename(source.path);
  return source.folder ? base : base.slice(0, -extname(base).length);
}

/** A package's `package.json`, or undefined when it cannot be read. */
function readPackage(folder: string): Record<string, unknown> | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as unknown;
    return typeof pkg === 'object' && pkg !== null ? (pkg as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The plugins of a packages directory: the direct dependencies of its
 * `package.json` that are installed and have a `"tosh"` field, sorted by name.
 * Their own dependencies are never plugins, whatever they contain.
 */
export function packageSources(dir: PluginDir, rank: number, memo?: PackageMemo): PluginSource[] {
  const deps = dependencies(dir);
  return Object.keys(deps ?? {})
    .sort()
    .flatMap((name) => packageSource(dir, rank, `node_modules${sep}${name}`, deps, memo) ?? []);
}

/** The `dependencies` of a packages directory's own package.json. */
function dependencies(dir: PluginDir): object | undefined {
  const deps = readPackage(dirPath(dir))?.dependencies;
  return typeof deps === 'object' && deps !== null ? deps : undefined;
}

/**
 * One plugin package, named `node_modules/NAME` (or `node_modules/@scope/NAME`)
 * under the packages directory. A linked package (a symlink to a folder under
 * development) is built from its real path, so that its own files are watched
 * and its own `node_modules` answers its imports.
 */
export function packageSource(
  dir: PluginDir,
  rank: number,
  name: string,
  deps = dependencies(dir),
  memo?: PackageMemo,
): PluginSource | undefined {
  const parts = name.split(sep);
  const pkgName = parts.slice(1).join('/');
  if (parts[0] !== 'node_modules' || parts.length !== (pkgName.startsWith('@') ? 3 : 2)) return undefined;
  if (!deps || !Object.hasOwn(deps, pkgName)) return undefined;
  const { abs, shown } = dirPaths(dir);
  const path = `${abs}${sep}${name}`;
  // As for any folder plugin (trust included); its package.json is read once, on the descriptor that is checked.
  const found = folderPlugin(path, memo);
  if (!found?.tosh) return undefined;
  let entry = found.entry;
  try {
    // A linked package is built from where it really is; an installed one from where npm put it.
    if (lstatSync(path).isSymbolicLink()) entry = realpathSync(entry);
  } catch {
    return undefined;
  }
  const display = shown.endsWith(sep) ? `${shown}${name}` : `${shown}${sep}${name}`;
  const source: PluginSource = { path, entry, display, dir, rank, folder: true };
  if (found.manifest) source.manifest = found.manifest;
  return source;
}
