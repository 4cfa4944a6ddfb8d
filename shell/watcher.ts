import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve, sep } from 'node:path';
import type { ReloadReport } from '../plugin-sdk/types.ts';
import type { Session } from './session.ts';

/** Trailing quiet time after the last event of a burst before a plugin is rebuilt. */
const DEBOUNCE_MS = 25;

/** Files editors write beside the real one: swap, backup and lock files. */
const EDITOR_TEMP = /(^\.|~$|\.sw[a-p]$|\.swx$|\.tmp$|\.temp$|\.bak$|\.orig$|^#.*#$|^4913$|\.crswap$)/;

export function ignored(path: string): boolean {
  const parts = path.split(sep);
  if (parts.includes('node_modules') || parts.includes('.git')) return true;
  return EDITOR_TEMP.test(basename(path));
}

function contentHash(files: string[]): string {
  const hash = createHash('sha1');
  for (const file of [...files].sort()) {
    hash.update(file);
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update('\0missing');
    }
  }
  return hash.digest('hex');
}

/**
 * Watch every plugin directory (existing or not yet) and the files plugins
 * import from elsewhere; each burst of events on one plugin ends, after a
 * trailing debounce, in one reload of the final content, and only if that
 * content changed. Returns a function that stops watching.
 */
export async function watchPlugins(session: Session, report: (r: ReloadReport) => void): Promise<() => Promise<void>> {
  const { watch } = await import('chokidar');
  const roots = session.options.dirs.filter((d) => !d.builtin).map((d) => resolve(d.dir));
  const timers = new Map<string, NodeJS.Timeout>();
  const hashes = new Map<string, string>();
  const extra = new Set<string>();

  const inputsOf = (path: string) => {
    const record = session.registry.get(path);
    return record?.instance?.inputs ?? record?.compiled?.inputs ?? [];
  };
  // Remember what each plugin's files hold now, so an identical save is not a change.
  const remember = (path: string) => {
    const inputs = inputsOf(path);
    if (inputs.length > 0) hashes.set(path, contentHash(inputs));
    for (const file of inputs) {
      if (!roots.some((root) => file.startsWith(root + sep)) && !extra.has(file)) {
        extra.add(file);
        watcher.add(file);
      }
    }
  };

  /** The plugins a changed file belongs to: its entry under a root, or any plugin that imports it. */
  const owners = (file: string): string[] => {
    const found = new Set<string>();
    for (const root of roots) {
      if (file.startsWith(root + sep)) found.add(resolve(root, file.slice(root.length + 1).split(sep)[0] as string));
    }
    for (const record of session.registry.all()) if (inputsOf(record.source.path).includes(file)) found.add(record.source.path);
    return [...found];
  };

  const reload = async (path: string) => {
    timers.delete(path);
    const record = session.registry.get(path);
    const inputs = inputsOf(path);
    if (record && !record.error && !record.lastError && inputs.length > 0) {
      const hash = contentHash(inputs);
      if (hash === hashes.get(path)) return;
    }
    try {
      const result = await session.reloadPath(path);
      if (result) report(result);
      remember(path);
    } catch (error) {
      report({ plugin: basename(path), ok: false, message: `reload of ${basename(path)} failed: ${(error as Error).message}` });
    }
  };

  const schedule = (file: string) => {
    try {
      if (ignored(file)) return;
      for (const path of owners(resolve(file))) {
        clearTimeout(timers.get(path));
        timers.set(
          path,
          setTimeout(() => void reload(path), DEBOUNCE_MS),
        );
      }
    } catch (error) {
      report({ plugin: '', ok: false, message: `watcher: ${(error as Error).message}` });
    }
  };

  // Watch each root's parent too when the root does not exist yet, so it is seen when created.
  const watcher = watch(
    roots.map((root) => root),
    {
      ignoreInitial: true,
      ignored: (path: string) => path.split(sep).some((part) => part === 'node_modules' || part === '.git'),
      atomic: true,
      depth: 20,
    },
  );
  watcher.on('all', (_event, file) => schedule(file));
  watcher.on('error', (error) => report({ plugin: '', ok: false, message: `watcher: ${(error as Error).message}` }));
  await new Promise<void>((done) => watcher.once('ready', () => done()));
  for (const record of session.registry.all()) remember(record.source.path);
  // Roots that do not exist yet: poll their parent for the root's creation.
  for (const root of roots) watcher.add(dirname(root));

  return async () => {
    for (const timer of timers.values()) clearTimeout(timer);
    await watcher.close();
  };
}
