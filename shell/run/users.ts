/** Home directories of users, for `~user` (read from /etc/passwd once per change of the file). */
import { readFileSync, statSync } from 'node:fs';

let cache: { mtime: number; homes: Map<string, string> } | undefined;

/** The home directory of `user`, or undefined when there is no such user. */
export function homeOf(user: string): string | undefined {
  let mtime = 0;
  try {
    mtime = statSync('/etc/passwd').mtimeMs;
  } catch {
    return undefined;
  }
  if (!cache || cache.mtime !== mtime) {
    const homes = new Map<string, string>();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const fields = line.split(':');
        if (fields.length >= 6 && fields[0]) homes.set(fields[0], fields[5] as string);
      }
    } catch {}
    cache = { mtime, homes };
  }
  return cache.homes.get(user);
}
