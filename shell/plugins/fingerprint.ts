/**
 * Fingerprints for the build cache: a file's identity from its stats (no
 * read), a content id for compiled code, and private atomic writes.
 */
import { renameSync, type Stats, unlinkSync, writeFileSync } from 'node:fs';
import { statOrUndefined } from '../base/files.ts';

/**
 * A file's identity without reading it. ctime and inode change on every
 * write or replacement, even when size and mtime are forged to match.
 */
export function signature(path: string): string {
  return signatureOf(statOrUndefined(path));
}

export const signatureOf = (s: Stats | undefined) => (s ? `${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}` : 'missing');

/**
 * A file's signature for a build that started at `since` (ms): a file changed
 * since then (or within the file system's clock granularity before) gets a
 * signature that never matches, so the build is redone rather than trusted.
 */
export function settledSignature(path: string, since: number): string {
  const s = statOrUndefined(path);
  return s && s.ctimeMs >= since - CLOCK_SLACK_MS ? 'racy' : signatureOf(s);
}

// File times come from the kernel's coarse clock, which may lag the real one by a tick (up to 10 ms).
export const CLOCK_SLACK_MS = 20;

/**
 * Write a private file (0600) so that readers see the old or the new content,
 * never a part; a failed write (a full disk) leaves no temporary file behind.
 */
export function writeAtomic(file: string, data: string): void {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    writeFileSync(temp, data, { mode: 0o600, flag: 'wx' });
    renameSync(temp, file);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {}
    throw error;
  }
}

/**
 * A content id for compiled code: two 32-bit FNV-1a hashes and the length.
 * It names the code file and detects a damaged one; plain JS because loading
 * node:crypto alone cost more than the rest of a warm `-c` start's cache work.
 */
export function contentId(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}${lengthId(text)}`;
}

/** The part of a content id that is the text's length. */
export const lengthId = (text: string) => text.length.toString(16).padStart(8, '0');
