/**
 * `$TOSH_HOME/init.tosh`: the interactive shell's start-up file (exports,
 * PATH, aliases, functions), trusted as config.json is (CONTRACT §12, §14):
 * a file that group or others can write, or another user owns, is not run.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { readChecked, untrusted } from '../base/files.ts';

/** The start-up file's text, or why it is not run; nothing when there is none. */
export function readInit(home: string): { file: string; text?: string; error?: string } {
  const file = join(home, 'init.tosh');
  let read: ReturnType<typeof readChecked>;
  try {
    read = readChecked(file, untrusted);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { file };
    return { file, error: `${file} not run: ${(error as Error).message}` };
  }
  if (read.problem !== undefined) return { file, error: `${file} not run: it is ${read.problem}` };
  try {
    const problem = untrusted(statSync(home));
    if (problem) return { file, error: `${file} not run: ${home} is ${problem}` };
  } catch {}
  return {
    file,
    text: read.bytes
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .replace(/\r\n/g, '\n'),
  };
}
