import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandSpec } from './schema.ts';

/** A plugin's metadata: enough to list, dispatch to and validate for its commands without its code. */
export interface PluginMeta {
  name: string;
  version: string;
  description: string;
  sdk?: string;
  commands: Record<string, CommandSpec>;
}

interface Entry {
  /** [absolute path, stat signature] of every file the bundle came from. */
  inputs: [string, string][];
  /** Content-addressed file under cache/code, when it built. */
  code?: string;
  shared?: string[];
  meta?: PluginMeta;
  /** A build error (file:line:col and reason) that stays until an input changes. */
  error?: { reason: string; location?: string };
}

interface Manifest {
  format: string;
  entries: Record<string, Entry>;
}

// Any change to what is cached, or how code is compiled, must change this.
const FORMAT = 'tosh-cache-3';

/**
 * A file's identity without reading it. ctime and inode change on every
 * write or replacement, even when size and mtime are forged to match.
 */
export function signature(path: string): string {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.ino}`;
  } catch {
    return 'missing';
  }
}

/** Write a file so that readers see the old or the new content, never a part. */
export function writeAtomic(file: string, data: string): void {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temp, data);
  try {
    renameSync(temp, file);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {}
    throw error;
  }
}

const sha = (text: string) => createHash('sha1').update(text).digest('hex');

/**
 * The manifest cache under `$TOSH_HOME/cache`: per plugin entry file, the
 * fingerprints of its inputs, its compiled code and its command metadata.
 * Everything is checked against the files on every start; a corrupt cache is
 * ignored and rebuilt; writes are atomic, so concurrent shells cannot tear it.
 */
export class BuildCache {
  private readonly dir: string;
  private readonly file: string;
  private manifest: Manifest | undefined;
  private dirty = false;

  constructor(home: string) {
    this.dir = join(home, 'cache');
    this.file = join(this.dir, 'manifest.json');
  }

  private load(): Manifest {
    if (this.manifest) return this.manifest;
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8')) as Manifest;
      if (data.format === FORMAT && typeof data.entries === 'object' && data.entries) this.manifest = data;
    } catch {
      // Missing or corrupt: start afresh.
    }
    this.manifest ??= { format: FORMAT, entries: {} };
    return this.manifest;
  }

  /** The cached entry for a plugin, only if every input is unchanged. */
  lookup(entryFile: string): Entry | undefined {
    const entry = this.load().entries[entryFile];
    if (!entry || !Array.isArray(entry.inputs) || entry.inputs.length === 0) return undefined;
    for (const [path, sig] of entry.inputs) if (signature(path) !== sig) return undefined;
    return entry;
  }

  /** The compiled code of an entry, or undefined if its file is gone or damaged. */
  code(entry: Entry): { code: string; map: string } | undefined {
    if (!entry.code) return undefined;
    try {
      const [code, map] = [
        readFileSync(join(this.dir, 'code', `${entry.code}.cjs`), 'utf8'),
        readFileSync(join(this.dir, 'code', `${entry.code}.map`), 'utf8'),
      ];
      return sha(code) === entry.code ? { code, map } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Remember a build (or its failure) with the fingerprints its inputs had before it was made. */
  store(
    entryFile: string,
    inputs: [string, string][],
    result: { code?: string; map?: string; shared?: string[]; meta?: PluginMeta; error?: Entry['error'] },
  ): void {
    const entry: Entry = { inputs };
    if (result.code !== undefined) {
      const id = sha(result.code);
      try {
        mkdirSync(join(this.dir, 'code'), { recursive: true });
        writeAtomic(join(this.dir, 'code', `${id}.map`), result.map ?? '');
        writeAtomic(join(this.dir, 'code', `${id}.cjs`), result.code);
        entry.code = id;
      } catch {
        return; // An unwritable cache only costs speed.
      }
    }
    if (result.shared) entry.shared = result.shared;
    if (result.meta) entry.meta = result.meta;
    if (result.error) entry.error = result.error;
    this.load().entries[entryFile] = entry;
    this.dirty = true;
  }

  /** Add metadata to an entry once the plugin has been evaluated. */
  setMeta(entryFile: string, meta: PluginMeta): void {
    const entry = this.load().entries[entryFile];
    if (entry && JSON.stringify(entry.meta) !== JSON.stringify(meta)) {
      entry.meta = meta;
      this.dirty = true;
    }
  }

  forget(entryFile: string): void {
    if (this.load().entries[entryFile]) {
      delete this.load().entries[entryFile];
      this.dirty = true;
    }
  }

  /** Write the manifest if it changed (atomically). Errors only cost speed. */
  flush(): void {
    if (!this.dirty || !this.manifest) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      // Merge with what another shell may have written since we read, so neither loses entries.
      let merged = this.manifest.entries;
      try {
        const theirs = JSON.parse(readFileSync(this.file, 'utf8')) as Manifest;
        if (theirs.format === FORMAT) merged = { ...theirs.entries, ...this.manifest.entries };
      } catch {}
      writeAtomic(this.file, JSON.stringify({ format: FORMAT, entries: merged }));
      this.dirty = false;
    } catch {}
  }
}
