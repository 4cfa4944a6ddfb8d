/** Opening the files that redirects name, with the one-line reasons a user reads. */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { oneLine, ShellError } from '../base/errors.ts';

/** Why a redirect's file could not be opened or read, as the user should read it. */
function fileReason(error: unknown, flags: 'r' | 'w' | 'a' | number): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return flags === 'r' ? 'no such file' : 'no such directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return oneLine(error);
}

/** Open a redirect's file; a one-line ShellError when it cannot be. */
export function openTarget(cwd: string, path: string, flags: 'r' | 'w' | 'a' | number): number {
  if (path === '') throw new ShellError('redirect needs a file name (got an empty word)');
  try {
    return openSync(resolvePath(cwd, path), flags, 0o666);
  } catch (error) {
    throw new ShellError(`cannot ${flags === 'r' ? 'read' : 'write'} ${path}: ${fileReason(error, flags)}`);
  }
}

/** The text a file gives a plugin's `<`, or a one-line ShellError. */
export function readInput(cwd: string, path: string): string {
  const fd = openTarget(cwd, path, 'r');
  try {
    return readFileSync(fd, 'utf8');
  } catch (error) {
    throw new ShellError(`cannot read ${path}: ${fileReason(error, 'r')}`);
  } finally {
    closeSync(fd);
  }
}
