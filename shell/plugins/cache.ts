import type { Stats } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { makePrivateDir, readChecked, statOrUndefined, untrusted } from '../base/files.ts';
import { CLOCK_SLACK_MS, contentId, lengthId, signatureOf, writeAtomic } from './fingerprint.ts';

export { contentId, settledSignature, signature, writeAtomic } from './fingerprint.ts';

import type { CommandSpec } from './schema.ts';

/** A plugin's metadata: enough to list, dispatch to and validate for its commands without its code. */
export interface PluginMeta {
  name: string;
  version: string;
  description: string;
  sdk?: string;
  /** The command names, in the plugin's order (known without reading any spec). */
  names: string[];
  commands: Record<string, CommandSpec>;
}

/**
 * Metadata as stored: the command specs stay one JSON string until a spec is
 * needed, because parsing 1,000 plugins' specs dominated a warm start; names
 * answer the registry at once.
 */
interface StoredMeta {
  name: string;
  version: string;
  description: string;
  sdk?: string;
  names: string[];
  specs: string;
  /** `contentId(specs)`: its length part is checked when the entry is looked up, the whole when the specs are parsed. */
  specsId: string;
}

interface Entry {
  /** [absolute path, stat signature] of every file the bundle came from. */
  inputs: [string, string][];
  /** Content-addressed file under cache/code, when it built. */
  code?: string;
  shared?: string[];
  meta?: StoredMeta;
  /** A build error (file:line:col and reason) that stays until an input changes. */
  error?: { reason: string; location?: string };
  /**
   * Its loading ran out of time with this deadline (a loop at its top level): not tried again, at
   * every start, until an input changes or the deadline is raised (`reload` tries it again).
   */
  stuck?: Stuck;
}

/** A plugin whose loading did not finish: why, and within how many milliseconds it was given. */
export interface Stuck {
  reason: string;
  timeoutMs: number;
}

/** An entry as `lookup` hands it out, its metadata ready to use. */
export type CachedEntry = Omit<Entry, 'meta'> & { meta?: PluginMeta };

interface Manifest {
  format: string;
  entries: Record<string, Entry>;
  /** Per folder plugin's `package.json`: [stat signature, entry target or '', has a "tosh" object]. */
  folders?: Record<string, [string, string, boolean]>;
}

// Any change to what is cached, or how code is compiled, must change this.
const FORMAT = 'tosh-cache-8';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const isField = (v: unknown) => isRecord(v) && typeof v.key === 'string' && typeof v.display === 'string' && typeof v.type === 'string';

/** A manifest entry that the shell can use as it is: anything else (a damaged or foreign file) is ignored. */
function wellFormed(entry: unknown): entry is Entry {
  if (!isRecord(entry) || !Array.isArray(entry.inputs) || entry.inputs.length === 0) return false;
  if (!entry.inputs.every((pair) => isStrings(pair) && pair.length === 2)) return false;
  if (entry.shared !== undefined && !isStrings(entry.shared)) return false;
  if (entry.error !== undefined) return isRecord(entry.error) && typeof entry.error.reason === 'string';
  if (
    entry.stuck !== undefined &&
    !(isRecord(entry.stuck) && typeof entry.stuck.reason === 'string' && typeof entry.stuck.timeoutMs === 'number')
  )
    return false;
  if (typeof entry.code !== 'string' || !/^[0-9a-f]{24}$/.test(entry.code)) return false;
  return entry.meta === undefined || wellFormedMeta(entry.meta);
}

function wellFormedMeta(meta: unknown): meta is StoredMeta {
  if (!isRecord(meta) || typeof meta.name !== 'string' || typeof meta.version !== 'string') return false;
  if (typeof meta.description !== 'string' || (meta.sdk !== undefined && typeof meta.sdk !== 'string')) return false;
  // Only the length here (the id ends with it): every plugin's entry is checked on every start, and
  // hashing them all cost more than the rest of the check. The whole id is checked when the specs are parsed.
  return (
    isStrings(meta.names) &&
    typeof meta.specs === 'string' &&
    typeof meta.specsId === 'string' &&
    meta.specsId.endsWith(lengthId(meta.specs))
  );
}

function wellFormedSpecs(specs: unknown, names: string[]): specs is Record<string, CommandSpec> {
  if (!isRecord(specs) || names.some((name) => !Object.hasOwn(specs, name))) return false;
  return Object.values(specs).every(
    (spec) =>
      isRecord(spec) &&
      typeof spec.description === 'string' &&
      Array.isArray(spec.args) &&
      spec.args.every(isField) &&
      Array.isArray(spec.flags) &&
      spec.flags.every(isField) &&
      isRecord(spec.short) &&
      isStrings(spec.examples),
  );
}

function toStored(meta: PluginMeta): StoredMeta {
  const specs = JSON.stringify(meta.commands);
  const stored: StoredMeta = {
    name: meta.name,
    version: meta.version,
    description: meta.description,
    names: meta.names,
    specs,
    specsId: contentId(specs),
  };
  if (meta.sdk !== undefined) stored.sdk = meta.sdk;
  return stored;
}

/** Metadata read from the cache: `commands` parses the stored specs the first time any is needed. */
class CachedMeta implements PluginMeta {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly sdk?: string;
  readonly names: string[];
  private parsed: Record<string, CommandSpec> | undefined;

  constructor(
    private readonly stored: StoredMeta,
    private readonly damaged: () => void,
  ) {
    this.name = stored.name;
    this.version = stored.version;
    this.description = stored.description;
    if (stored.sdk !== undefined) this.sdk = stored.sdk;
    this.names = stored.names;
  }

  get commands(): Record<string, CommandSpec> {
    if (this.parsed) return this.parsed;
    let data: unknown;
    try {
      if (contentId(this.stored.specs) === this.stored.specsId) data = JSON.parse(this.stored.specs);
    } catch {}
    if (!wellFormedSpecs(data, this.names)) {
      this.damaged();
      throw new Error(`the cached metadata of plugin ${this.name} is damaged; it is rebuilt at the next start`);
    }
    this.parsed = data;
    return data;
  }

  toJSON(): PluginMeta {
    const out: PluginMeta = {
      name: this.name,
      version: this.version,
      description: this.description,
      names: this.names,
      commands: this.commands,
    };
    if (this.sdk !== undefined) out.sdk = this.sdk;
    return out;
  }
}

/**
 * The manifest cache under `$TOSH_HOME/cache`: per plugin entry file, the
 * fingerprints of its inputs, its compiled code and its command metadata.
 * Everything is checked against the files on every start; a corrupt cache is
 * ignored and rebuilt; writes are atomic, so concurrent shells cannot tear it.
 *
 * The cache holds code that runs: it is used only while it is private
 * (contract §12). `$TOSH_HOME`, `cache/` and `cache/code/` are created 0700
 * and every file 0600; if any of them, the manifest or a code file, can be
 * written by group or others or is owned by another user (root aside), it is
 * not used, with one warning, and the shell compiles afresh. `--trust`
 * does not change this.
 */
export class BuildCache {
  private readonly dir: string;
  private readonly file: string;
  private manifest: Manifest | undefined;
  private dirty = false;
  /** Stats taken during a start, shared by the trust check and the fingerprints (one stat per file). */
  private stats: Map<string, Stats | undefined> | undefined;
  /** Undefined until the first use; false once something about it may not be trusted or created. */
  private usable: boolean | undefined;
  private warned = false;

  constructor(
    private readonly home: string,
    private readonly warn: (message: string) => void = () => {},
  ) {
    this.dir = join(home, 'cache');
    this.file = join(this.dir, 'manifest.json');
  }

  /** Say once per session why (part of) the cache is not used. */
  private warnOnce(message: string): void {
    if (this.warned) return;
    this.warned = true;
    this.warn(message);
  }

  /** `$TOSH_HOME`, `cache/` and `cache/code/` are private, or missing (to be created private). */
  private isUsable(): boolean {
    if (this.usable !== undefined) return this.usable;
    this.usable = true;
    for (const dir of [this.home, this.dir, join(this.dir, 'code')]) {
      const stats = statOrUndefined(dir);
      const problem = stats && (stats.isDirectory() ? untrusted(stats) : 'not a directory');
      if (problem) {
        this.usable = false;
        this.warnOnce(`cache ${this.dir} not used: ${dir === this.dir ? 'it' : dir} is ${problem}`);
        break;
      }
    }
    return this.usable;
  }

  /** Create a cache directory private to the user; on failure the cache is off for this session, said once. */
  private makeDir(dir: string): boolean {
    if (!this.isUsable()) return false;
    try {
      makePrivateDir(dir);
      return true;
    } catch (error) {
      this.usable = false;
      const home = !statOrUndefined(this.home);
      this.warnOnce(
        home
          ? `${(error as Error).message} (running without cache and history)`
          : `cache ${this.dir} not used: ${(error as Error).message}`,
      );
      return false;
    }
  }

  /**
   * A cache file's text, read through one descriptor that is checked first:
   * undefined when missing, or when it may not be trusted (warned once).
   */
  private readPrivate(file: string): string | undefined {
    let read: ReturnType<typeof readChecked>;
    try {
      read = readChecked(file, untrusted);
    } catch {
      return undefined;
    }
    if (read.problem === undefined) return read.bytes.toString('utf8');
    const shown = relative(this.dir, file).split(sep).join('/');
    this.warnOnce(`cache ${this.dir} not used: ${shown} is ${read.problem}`);
    return undefined;
  }

  private load(): Manifest {
    if (this.manifest) return this.manifest;
    const text = this.isUsable() ? this.readPrivate(this.file) : undefined;
    try {
      const data = JSON.parse(text ?? '') as Manifest;
      if (isRecord(data) && data.format === FORMAT && isRecord(data.entries)) {
        if (data.folders !== undefined && !isRecord(data.folders)) delete data.folders;
        this.manifest = data;
      }
    } catch {
      // Missing, corrupt or not private: start afresh.
    }
    this.manifest ??= { format: FORMAT, entries: {} };
    return this.manifest;
  }

  /** Share stats between the trust check and the fingerprints while `scan` runs (a start: one stat per plugin file). */
  async scan<T>(work: () => Promise<T>): Promise<T> {
    this.stats = new Map();
    try {
      return await work();
    } finally {
      this.stats = undefined;
    }
  }

  /** `statSync`, remembered during a scan; undefined when the file is missing. */
  stat(path: string): Stats | undefined {
    if (!this.stats) return statOrUndefined(path);
    if (this.stats.has(path)) return this.stats.get(path);
    const s = statOrUndefined(path);
    this.stats.set(path, s);
    return s;
  }

  /** The cached entry for a plugin, only if it is well formed and every input is unchanged. */
  lookup(entryFile: string): CachedEntry | undefined {
    if (!this.isUsable()) return undefined;
    const entry: unknown = this.load().entries[entryFile];
    if (!wellFormed(entry)) return undefined;
    for (const [path, sig] of entry.inputs) if (signatureOf(this.stat(path)) !== sig) return undefined;
    const { meta, ...rest } = entry;
    return meta ? { ...rest, meta: new CachedMeta(meta, () => this.forget(entryFile)) } : rest;
  }

  /** The compiled code of an entry, or undefined if its file is gone, damaged or not private. */
  code(entry: CachedEntry): { code: string; map: string } | undefined {
    if (!entry.code || !this.isUsable()) return undefined;
    const code = this.readPrivate(join(this.dir, 'code', `${entry.code}.cjs`));
    const map = code === undefined ? undefined : this.readPrivate(join(this.dir, 'code', `${entry.code}.map`));
    return code !== undefined && map !== undefined && contentId(code) === entry.code ? { code, map } : undefined;
  }

  /** Remember a build (or its failure) with the fingerprints its inputs had before it was made. */
  store(
    entryFile: string,
    inputs: [string, string][],
    result: { code?: string; map?: string; shared?: string[]; meta?: PluginMeta; error?: Entry['error'] },
  ): void {
    const entry: Entry = { inputs };
    if (result.code !== undefined) {
      const id = contentId(result.code);
      const code = join(this.dir, 'code');
      if (!this.makeDir(code)) return;
      try {
        writeAtomic(join(code, `${id}.map`), result.map ?? '');
        writeAtomic(join(code, `${id}.cjs`), result.code);
        entry.code = id;
      } catch {
        return; // An unwritable cache only costs speed.
      }
    }
    if (result.shared) entry.shared = result.shared;
    if (result.meta) entry.meta = toStored(result.meta);
    if (result.error) entry.error = result.error;
    this.load().entries[entryFile] = entry;
    this.dirty = true;
  }

  /** What a folder plugin's `package.json` said when it had these stats (discover's memo), or undefined. */
  packageInfo(file: string, stats: Stats): { target?: string; tosh: boolean } | undefined {
    if (!this.isUsable()) return undefined;
    const memo: unknown = this.load().folders?.[file];
    if (!Array.isArray(memo) || memo.length !== 3 || memo[0] !== signatureOf(stats)) return undefined;
    const [, target, tosh] = memo as unknown[];
    if (typeof target !== 'string' || typeof tosh !== 'boolean') return undefined;
    return target === '' ? { tosh } : { target, tosh };
  }

  /** Remember what a `package.json` read at `readAt` said; not when it was written too recently to tell a later write apart. */
  rememberPackage(file: string, stats: Stats, info: { target?: string; tosh: boolean }, readAt: number): void {
    if (!this.isUsable() || stats.ctimeMs >= readAt - CLOCK_SLACK_MS) return;
    const folders = (this.load().folders ??= {});
    const memo: [string, string, boolean] = [signatureOf(stats), info.target ?? '', info.tosh];
    const known = folders[file];
    if (known && known[0] === memo[0] && known[1] === memo[1] && known[2] === memo[2]) return;
    folders[file] = memo;
    this.dirty = true;
  }

  /** Remember that loading this entry's code ran out of time (it has no metadata then). */
  setStuck(entryFile: string, stuck: Stuck): void {
    const entry = this.load().entries[entryFile];
    if (!entry?.code) return;
    entry.stuck = stuck;
    delete entry.meta;
    this.dirty = true;
  }

  /** Add metadata to an entry once the plugin has been evaluated. */
  setMeta(entryFile: string, meta: PluginMeta): void {
    const entry = this.load().entries[entryFile];
    const stored = toStored(meta);
    if (entry && JSON.stringify(entry.meta) !== JSON.stringify(stored)) {
      entry.meta = stored;
      delete entry.stuck;
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
    if (!this.dirty || !this.manifest || !this.makeDir(this.dir)) return;
    try {
      // Merge with what another shell may have written since we read, so neither loses entries.
      let merged = this.manifest.entries;
      let folders = this.manifest.folders;
      try {
        const theirs = JSON.parse(this.readPrivate(this.file) ?? '') as Manifest;
        if (isRecord(theirs) && theirs.format === FORMAT && isRecord(theirs.entries)) {
          merged = { ...theirs.entries, ...this.manifest.entries };
          if (isRecord(theirs.folders)) folders = { ...theirs.folders, ...folders };
        }
      } catch {}
      writeAtomic(this.file, JSON.stringify(folders ? { format: FORMAT, entries: merged, folders } : { format: FORMAT, entries: merged }));
      this.dirty = false;
    } catch {}
  }
}
