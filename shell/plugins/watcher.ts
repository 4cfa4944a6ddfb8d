import { createHash } from 'node:crypto';
import { existsSync, type FSWatcher as FsWatcher, watch as fsWatch, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { FSWatcher } from 'chokidar';
import type { ReloadReport } from '../../plugin-sdk/types.ts';
import { statOrUndefined } from '../base/files.ts';
import { discover, folderEntry } from './discover.ts';
import type { PluginHost } from './host.ts';
import { dirPath } from './source.ts';

/** Trailing quiet time after the last event of a burst before the changed plugins are rebuilt. */
const DEBOUNCE_MS = 25;
/** A file that never stops changing still gets its plugin reloaded this often. */
const MAX_WAIT_MS = 250;
/** Events this soon after a reload may describe writes the build raced with: they skip the content check. */
const GRACE_MS = 60;
/** Plugins rebuilt at once (a `git checkout` can touch hundreds). */
const PARALLEL = 8;
/** File times come from the kernel's coarse clock, which may lag the real one by a tick. */
const CLOCK_SLACK_MS = 20;

/** Files editors write beside the real one: swap, backup, lock and temp files. */
const EDITOR_TEMP = /(~$|\.sw[a-px]$|\.tmp$|\.temp$|\.bak$|\.orig$|^#.*#$|^4913$|\.crswap$|___jb_(tmp|old)___$)/;

/** Under a watched root, what no plugin is made of: node_modules, .git, dotfiles, editor temp files. */
export function ignoredUnder(root: string, path: string): boolean {
  if (path === root || !path.startsWith(root + sep)) return false;
  const parts = path.slice(root.length + 1).split(sep);
  return parts.some((part) => part === 'node_modules' || part.startsWith('.')) || EDITOR_TEMP.test(basename(path));
}

/**
 * Watch every plugin directory (existing or not yet) and the files plugins
 * import from elsewhere; each burst of events ends, after a trailing
 * debounce, in one reload of each plugin whose content changed, read after
 * the burst. Returns a function that stops watching.
 */
export async function watchPlugins(host: PluginHost, report: (r: ReloadReport) => void): Promise<() => Promise<void>> {
  const { watch } = await import('chokidar');
  const roots = [...new Set(host.dirs.filter((d) => !d.builtin).map(dirPath))];
  const rootOf = (path: string) => roots.find((root) => path === root || path.startsWith(root + sep));
  const fail = (error: unknown) => report({ plugin: '', ok: false, message: `watcher: ${(error as Error)?.message ?? String(error)}` });

  /** Content of each healthy plugin when it was last loaded: an identical save is not a change. */
  const hashes = new Map<string, string>();
  const dirty = new Map<string, boolean>(); // path → skip the content check
  const running = new Set<string>();
  const reloadedAt = new Map<string, number>();
  const extra = new Set<string>();
  const pending = new Map<string, FsWatcher>(); // missing root → shallow watch of its nearest existing ancestor
  let quiet: NodeJS.Timeout | undefined;
  let firstEvent = 0;
  let active = 0;
  const queue: string[] = [];
  const deletions: string[] = [];
  let kicks = 0;
  let closed = false;

  const inputsOf = (path: string) => {
    const record = host.registry.get(path);
    return record?.instance?.inputs ?? record?.compiled?.inputs ?? [];
  };
  const contentHash = (path: string) => {
    const record = host.registry.get(path);
    const hash = createHash('sha1').update(record?.source.folder ? (folderEntry(path) ?? '') : path);
    for (const file of [...inputsOf(path)].sort()) {
      if (file.split(sep).includes('node_modules')) continue; // Not watched: only the plugin's own files count.
      hash.update(`\0${file}\0`);
      try {
        hash.update(readFileSync(file));
      } catch {
        hash.update('\0missing');
      }
    }
    return hash.digest('hex');
  };
  const healthy = (path: string) => {
    const record = host.registry.get(path);
    return record !== undefined && !host.registry.problem(record) && !record.lastError && inputsOf(path).length > 0;
  };
  const remember = (path: string) => {
    if (healthy(path)) hashes.set(path, contentHash(path));
    else hashes.delete(path);
  };

  /** Watch what plugins import from outside the plugin directories (not their node_modules). */
  const followInputs = () => {
    const wanted = new Set<string>();
    for (const record of host.registry.all()) {
      if (record.source.dir.builtin) continue;
      for (const file of inputsOf(record.source.path)) if (!rootOf(file) && !file.split(sep).includes('node_modules')) wanted.add(file);
    }
    for (const file of wanted) {
      if (extra.has(file)) continue;
      extra.add(file);
      watcher.add(file);
    }
    for (const file of extra) {
      if (wanted.has(file)) continue;
      extra.delete(file);
      watcher.unwatch(file);
    }
  };

  /** The plugins a changed path belongs to: its top-level entry under a root, and any plugin that imports it. */
  const owners = (file: string): string[] => {
    const found = new Set<string>();
    const root = rootOf(file);
    if (root && file !== root) {
      if (ignoredUnder(root, file)) return [];
      found.add(join(root, file.slice(root.length + 1).split(sep)[0] as string));
    }
    for (const record of host.registry.all()) if (inputsOf(record.source.path).includes(file)) found.add(record.source.path);
    return [...found];
  };

  const mark = (path: string, force: boolean) => {
    const recent = running.has(path) || Date.now() - (reloadedAt.get(path) ?? 0) < GRACE_MS;
    dirty.set(path, (dirty.get(path) ?? false) || force || recent);
  };

  /** (Re)start the trailing debounce, bounded by MAX_WAIT_MS from the burst's first event. */
  const kick = () => {
    if (closed || dirty.size === 0) return;
    const now = Date.now();
    if (!quiet) firstEvent = now;
    clearTimeout(quiet);
    const generation = ++kicks;
    // setImmediate: events that arrived while the loop was busy are delivered before the burst is called over.
    quiet = setTimeout(() => setImmediate(() => generation === kicks && flush()), wait(now));
  };
  const wait = (now: number) => Math.max(0, Math.min(DEBOUNCE_MS, firstEvent + MAX_WAIT_MS - now));

  /** Is the plugin's entry file there but empty (an editor between truncating and writing)? */
  const emptyEntry = (path: string) => {
    const record = host.registry.get(path);
    const entry = record?.source.entry ?? path;
    try {
      return statSync(entry).size === 0;
    } catch {
      return false;
    }
  };

  /** When the files of a plugin were last written (events can come late when the shell is busy). */
  const lastWrite = (path: string) => {
    let newest = 0;
    for (const file of [path, ...inputsOf(path)]) {
      try {
        newest = Math.max(newest, statSync(file).mtimeMs);
      } catch {}
    }
    return newest;
  };

  /** Has any file of the plugin been written (or replaced) since `since`? */
  const changedSince = (path: string, since: number) =>
    [path, ...inputsOf(path)].some((file) => (statOrUndefined(file)?.ctimeMs ?? 0) > since);

  const schedule = (file: string) => {
    if (closed) return;
    try {
      for (const path of owners(resolve(file))) mark(path, false);
      kick();
    } catch (error) {
      fail(error);
    }
  };

  /**
   * The burst is over: reload what changed. Deletions wait until the loads of
   * the burst are done, so that a renamed plugin is seen as one reload.
   */
  const flush = () => {
    const now = Date.now();
    // Written very recently (its events are still on the way), or truncated and not yet written:
    // wait a little longer, up to MAX_WAIT_MS from the first event.
    const unsettled = (path: string) => now - lastWrite(path) < DEBOUNCE_MS || emptyEntry(path);
    if (wait(now) > 0 && [...dirty.keys()].some(unsettled)) {
      quiet = setTimeout(() => setImmediate(flush), DEBOUNCE_MS);
      return;
    }
    quiet = undefined;
    const batch = [...dirty].filter(([path]) => !running.has(path)).sort(([a], [b]) => (a < b ? -1 : 1)); // Busy ones go in the next burst.
    for (const [path] of batch) dirty.delete(path);
    for (const [path, force] of batch) {
      if (!force && hashes.has(path) && healthy(path) && contentHash(path) === hashes.get(path)) continue;
      running.add(path);
      (existsSync(path) ? queue : deletions).push(path);
    }
    pump();
  };

  const pump = () => {
    if (active === 0 && queue.length === 0) queue.push(...deletions.splice(0));
    while (active < PARALLEL && queue.length > 0) {
      const path = queue.shift() as string;
      active++;
      void reload(path).finally(() => {
        active--;
        running.delete(path);
        reloadedAt.set(path, Date.now());
        if (dirty.has(path)) kick();
        pump();
        if (active === 0 && queue.length === 0 && deletions.length === 0) afterBurst();
      });
    }
  };

  const reload = async (path: string) => {
    try {
      const result = await host.reloadPath(path);
      if (result && !closed) report(result);
    } catch (error) {
      fail(error);
    }
    remember(path);
  };

  const afterBurst = () => {
    try {
      followInputs();
      // A plugin refused for a name clash gets its turn when the name is free again.
      for (const path of host.unblocked()) mark(path, true);
      kick();
      for (const root of roots) if (!pending.has(root) && !existsSync(root)) awaitRoot(root);
    } catch (error) {
      fail(error);
    }
  };

  /**
   * A plugin directory that does not exist (yet): watch its nearest existing
   * ancestor shallowly (one fs.watch, no recursion: the parent may be /tmp
   * or $HOME), step down as the path appears, and watch the root once it exists.
   */
  const awaitRoot = (root: string) => {
    if (closed) return;
    pending.get(root)?.close();
    pending.delete(root);
    if (existsSync(root)) {
      watcher.add(root);
      // chokidar takes a moment to take hold: a plain watch of the root bridges the gap, and
      // what was created before that is loaded now.
      try {
        const bridge = fsWatch(root, { persistent: false }, (_event, name) => name && schedule(join(root, name.toString())));
        bridge.on('error', () => bridge.close());
        setTimeout(() => bridge.close(), 1000).unref();
      } catch {}
      for (const source of discover(host.dirs.filter((d) => dirPath(d) === root))) schedule(source.path);
      for (const record of host.registry.all()) if (record.source.path.startsWith(root + sep)) schedule(record.source.path);
      return;
    }
    let ancestor = dirname(root);
    while (!existsSync(ancestor) && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
    const next = root.slice(ancestor === sep ? 1 : ancestor.length + 1).split(sep)[0];
    watcher.unwatch(root);
    try {
      const shallow = fsWatch(ancestor, { persistent: false }, (_event, name) => {
        if (name === null || name.toString() === next) awaitRoot(root);
      });
      shallow.on('error', () => setTimeout(() => awaitRoot(root), DEBOUNCE_MS).unref());
      pending.set(root, shallow);
      if (existsSync(join(ancestor, next ?? ''))) awaitRoot(root); // It appeared while the watch was set up.
    } catch (error) {
      fail(error);
    }
  };

  const present = roots.filter((root) => existsSync(root));
  const watcher: FSWatcher = watch(present, {
    ignoreInitial: true,
    ignored: (path: string) => {
      const root = rootOf(path);
      return root ? ignoredUnder(root, path) : false;
    },
  });
  // Raw events are not throttled (chokidar keeps only the first `change` in 50 ms, chokidar#1455):
  // with them the debounce sees the last write of a burst.
  watcher.on('raw', (_event, name, details) => {
    const at = (details as { watchedPath?: string } | undefined)?.watchedPath;
    if (!at) return;
    // A directory's watch names the entry; a file's own watch names the file itself.
    if (!name || basename(at) === name) schedule(at);
    if (name) schedule(join(at, name));
  });
  watcher.on('all', (_event, file) => schedule(file));
  watcher.on('error', fail);
  if (present.length > 0) await new Promise<void>((done) => watcher.once('ready', () => done()));
  for (const root of roots) if (!present.includes(root)) awaitRoot(root);
  for (const record of host.registry.all()) {
    const path = record.source.path;
    remember(path);
    if (record.source.dir.builtin || running.has(path)) continue;
    // The hash just taken is of the files as they are now, not as they were loaded: a plugin an event
    // during the scan put in hand, or one written after the shell began loading it and before the
    // watch took hold (no event will tell), is reloaded without comparing.
    if (dirty.has(path) || changedSince(path, record.loadedAt - CLOCK_SLACK_MS)) dirty.set(path, true);
  }
  kick();
  followInputs();
  // A plugin loaded by a command (`plugins link`, `reload`) may import files outside the roots too.
  const stopFollowing = host.onReloaded(() => {
    if (!closed) followInputs();
  });
  // Plugins added or removed between start-up and now.
  const known = new Set(host.registry.all().map((r) => r.source.path));
  for (const source of discover(host.dirs.filter((d) => !d.builtin))) if (!known.has(source.path)) schedule(source.path);
  for (const path of known) if (!existsSync(path)) schedule(path);

  return async () => {
    closed = true;
    stopFollowing();
    clearTimeout(quiet);
    for (const shallow of pending.values()) shallow.close();
    await watcher.close();
  };
}
