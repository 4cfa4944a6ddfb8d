import type { Stats } from 'node:fs';

/**
 * Why a plugin file or folder may not be trusted, or undefined when it may:
 * writable by group or others, or owned by someone other than the user
 * running the shell and root.
 */
// Asked once: a start checks every plugin, and the answer cannot change.
const uid = process.getuid?.();

export function distrust(stats: Stats): string | undefined {
  if (uid !== undefined && stats.uid !== uid && stats.uid !== 0) {
    return `it is owned by uid ${stats.uid}, not by you (uid ${uid}) or root`;
  }
  if (stats.mode & 0o002) return 'it is writable by others';
  if (stats.mode & 0o020) return 'it is writable by its group';
  return undefined;
}
