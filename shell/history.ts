import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

// One entry per line; newlines inside an entry (continued lines) are escaped.
const encode = (entry: string) => entry.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const decode = (line: string) => line.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));

/**
 * The command history in `$TOSH_HOME/history`. Each entry is appended with
 * one `O_APPEND` write, so concurrent sessions interleave whole lines and
 * lose none; consecutive duplicates are folded; the file is trimmed to
 * `limit` entries now and then.
 */
export class History {
  private entries: string[] | undefined;
  /** Lines whose latest run in this session failed (in memory only): never suggested. */
  private readonly failed = new Set<string>();

  constructor(
    readonly file: string,
    readonly limit: number,
  ) {}

  /** Entries, oldest first (read on first use). */
  all(): string[] {
    if (!this.entries) {
      try {
        this.entries = readFileSync(this.file, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map(decode);
      } catch {
        this.entries = [];
      }
      if (this.entries.length > this.limit) this.entries = this.entries.slice(-this.limit);
    }
    return this.entries;
  }

  /** Add an entry (not blank, not a repeat of the last one) and append it to the file. */
  add(entry: string): void {
    const line = entry.trim();
    const entries = this.all();
    if (line === '' || entries.at(-1) === line || this.limit === 0) return;
    entries.push(line);
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      appendFileSync(this.file, `${encode(line)}\n`);
      if (entries.length > this.limit * 1.5 + 10) this.compact();
    } catch {
      // History that cannot be saved must not stop the shell.
    }
    if (entries.length > this.limit) entries.splice(0, entries.length - this.limit);
  }

  /** Index of the newest entry before `before` that contains `query`, or -1 (Ctrl-R). */
  search(query: string, before = this.all().length): number {
    const entries = this.all();
    for (let i = Math.min(before, entries.length) - 1; i >= 0; i--) if ((entries[i] as string).includes(query)) return i;
    return -1;
  }

  /** Record how a line ended: a line whose latest run failed is not suggested. */
  setStatus(entry: string, status: number): void {
    if (status === 0) this.failed.delete(entry.trim());
    else this.failed.add(entry.trim());
  }

  /**
   * The newest entry that starts with `prefix` and is longer than it (the
   * autosuggestion), skipping lines that failed and those `accept` refuses.
   */
  suggest(prefix: string, accept: (entry: string) => boolean = () => true): string | undefined {
    if (prefix === '') return undefined;
    const entries = this.all();
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i] as string;
      if (entry.length > prefix.length && entry.startsWith(prefix) && !this.failed.has(entry) && accept(entry)) return entry;
    }
    return undefined;
  }

  /** Rewrite the file with the newest `limit` lines (including other sessions' latest). */
  private compact(): void {
    let lines: string[];
    try {
      lines = readFileSync(this.file, 'utf8').split('\n').filter(Boolean);
    } catch {
      return;
    }
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, `${lines.slice(-this.limit).join('\n')}\n`);
    renameSync(temp, this.file);
  }
}
