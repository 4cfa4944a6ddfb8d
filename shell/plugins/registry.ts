import type { PluginMeta } from './cache.ts';
import type { PluginSource } from './discover.ts';
import { fallbackName } from './discover.ts';
import type { Compiled, PluginInstance } from './loader.ts';
import type { CommandSpec } from './schema.ts';

/** Commands only the shell's own plugins may own. */
export const RESERVED = new Set(['help', 'exit', 'quit', 'plugins', 'reload', 'which', 'cd', 'pwd', 'export', 'unset', 'alias', 'unalias']);

/** One plugin on disk and what is known of it. Replaced whole on reload. */
export interface PluginRecord {
  source: PluginSource;
  /** Metadata: from the cache or the evaluated code. Missing when it never loaded. */
  meta?: PluginMeta;
  /** Compiled code, kept until the first command of the plugin needs an instance. */
  compiled?: Compiled;
  /** The evaluated code (lazy: only once a command runs, or in long sessions). */
  instance?: PluginInstance;
  /** Why it cannot be used at all. */
  error?: string;
  /** Why it did not finish loading (a deadline passed): its commands fail with this. */
  loadFailure?: string;
  /** Why the last reload failed (the previous version still serves). */
  lastError?: string;
  loadedAt: number;
  reloads: number;
}

/** Where a command name leads. */
export interface Resolved {
  record: PluginRecord;
  meta: PluginMeta;
  name: string;
  spec: CommandSpec;
}

/** A command's place in the table; its spec is read only when needed (cached specs are parsed lazily). */
const resolved = (record: PluginRecord, meta: PluginMeta, name: string): Resolved => ({
  record,
  meta,
  name,
  get spec() {
    return meta.commands[name] as CommandSpec;
  },
});

export const pluginName = (record: PluginRecord) => record.meta?.name ?? fallbackName(record.source);

/**
 * Who owns which command. Records are put and removed whole, and the command
 * table is recomputed from them in one step, so a reload swaps a plugin's
 * entire command map atomically.
 */
export class Registry {
  private readonly records = new Map<string, PluginRecord>();
  private table = new Map<string, Resolved>();
  private byName = new Map<string, PluginRecord>();
  /** Name clashes: record path → reason it is not used. */
  private clashes = new Map<string, string>();
  private readonly warned = new Set<string>();
  /** Per-plugin stores that outlive reloads (`ctx.store`). */
  private readonly stores = new Map<string, Map<string, unknown>>();

  constructor(private readonly warn: (message: string) => void) {}

  /** Every record, highest precedence first. */
  all(): PluginRecord[] {
    return [...this.records.values()].sort((a, b) => a.source.rank - b.source.rank || (a.source.path < b.source.path ? -1 : 1));
  }

  get(path: string): PluginRecord | undefined {
    return this.records.get(path);
  }

  /** The record that serves a plugin name. */
  plugin(name: string): PluginRecord | undefined {
    return this.byName.get(name);
  }

  /** Why a record is unusable (its own error, or a name clash). */
  problem(record: PluginRecord): string | undefined {
    return record.error ?? this.clashes.get(record.source.path);
  }

  store(name: string): Map<string, unknown> {
    let store = this.stores.get(name);
    if (!store) this.stores.set(name, (store = new Map()));
    return store;
  }

  /** Add or replace records (by path), then recompute the table. */
  put(...records: PluginRecord[]): void {
    for (const record of records) this.records.set(record.source.path, record);
    this.rebuild();
  }

  remove(path: string): PluginRecord | undefined {
    const record = this.records.get(path);
    if (record) {
      this.records.delete(path);
      this.rebuild();
    }
    return record;
  }

  private rebuild(): void {
    const table = new Map<string, Resolved>();
    const byName = new Map<string, PluginRecord>();
    const clashes = new Map<string, string>();
    // The shell's own plugins keep their names whatever the precedence of the others;
    // commands still go to the highest-precedence plugin (below).
    const builtinFirst = this.all().sort((a, b) => Number(b.source.dir.builtin) - Number(a.source.dir.builtin));
    for (const record of builtinFirst) {
      const meta = record.meta;
      if (!meta || record.error) continue;
      const holder = byName.get(meta.name);
      if (!holder) {
        byName.set(meta.name, record);
        continue;
      }
      clashes.set(
        record.source.path,
        holder.source.dir.builtin && !record.source.dir.builtin
          ? `plugin name '${meta.name}' is the name of a built-in plugin; give the plugin another name`
          : `plugin name '${meta.name}' is already used by ${holder.source.display}`,
      );
    }
    for (const record of this.all()) {
      const meta = record.meta;
      if (!meta || record.error || byName.get(meta.name) !== record) continue;
      for (const name of meta.names) {
        const here = resolved(record, meta, name);
        const owner = table.get(name);
        if (owner || (RESERVED.has(name) && !record.source.dir.builtin)) {
          const winner = owner ? owner.meta.name : 'the shell';
          const key = `${name}\0${meta.name}\0${winner}`;
          if (!this.warned.has(key)) {
            this.warned.add(key);
            this.warn(
              `warning: command '${name}' of plugin '${meta.name}' is shadowed by ${owner ? `plugin '${winner}'` : 'the built-in'}; use '${meta.name}:${name}'`,
            );
          }
          continue;
        }
        table.set(name, here);
      }
    }
    this.table = table;
    this.byName = byName;
    this.clashes = clashes;
  }

  /** The command a word reaches: a plain name, or `plugin:command`. */
  resolve(word: string): Resolved | undefined {
    const plain = this.table.get(word);
    if (plain) return plain;
    const colon = word.indexOf(':');
    if (colon <= 0) return undefined;
    const record = this.byName.get(word.slice(0, colon));
    const name = word.slice(colon + 1);
    return record?.meta?.names.includes(name) ? resolved(record, record.meta, name) : undefined;
  }

  /** Is this resolved command the one its plain name reaches? */
  isShadowed(resolved: Resolved): boolean {
    return this.table.get(resolved.name)?.record !== resolved.record;
  }

  /** Every name that reaches a command (plain and qualified), for did-you-mean and completion. */
  names(): string[] {
    const names = new Set(this.table.keys());
    for (const [plugin, record] of this.byName) for (const name of record.meta?.names ?? []) names.add(`${plugin}:${name}`);
    return [...names];
  }

  /** Commands in the table (not shadowed). */
  visible(): Resolved[] {
    return [...this.table.values()];
  }

  /** Every usable plugin with its commands. */
  usable(): PluginRecord[] {
    return [...this.byName.values()];
  }
}
