import type { Stats } from 'node:fs';
import { resolve } from 'node:path';

/** A plugin directory, in precedence order. */
export interface PluginDir {
  /** As given (shown to users in messages). */
  dir: string;
  /**
   * Its absolute path, fixed when the shell started (CONTRACT §12: `cd` and
   * `reload` never change which directories are trusted). Where it is not
   * given (the SDK's test harness), `dir` resolved at first use.
   */
  path?: string;
  /** The shell's own `commands/`: trusted, and allowed the reserved names. */
  builtin: boolean;
  /**
   * An npm project of installed plugin packages (`$TOSH_HOME/packages`): its
   * plugins are the direct dependencies in `node_modules` that have a `"tosh"` field.
   */
  packages?: boolean;
}

/** One plugin on disk. */
export interface PluginSource {
  /** Absolute path of the file or folder: the plugin's identity. */
  path: string;
  /** The file that is built (the folder's entry for folder plugins). */
  entry: string;
  /** `dir/name` as the user gave the dir: what messages show. */
  display: string;
  dir: PluginDir;
  /** Position of its directory in the precedence order (0 is highest). */
  rank: number;
  folder: boolean;
  /** The folder's `package.json` that named the entry, with the stats of the descriptor it was read through (for trust). */
  manifest?: { path: string; stats: Stats };
}

/** A plugin directory's absolute path: the one fixed at the start (see `PluginDir.path`). */
export function dirPath(dir: PluginDir): string {
  dir.path ??= resolve(dir.dir);
  return dir.path;
}
