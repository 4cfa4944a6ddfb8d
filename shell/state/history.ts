import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  openSync,
  readSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { makePrivateDir, untrusted } from '../base/files.ts';

// One entry per line; newlines inside an entry (continued lines) are escaped.
const encode = (entry: string) => entry.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const decode = (line: string) => line.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));

/** A line that records how an entry's latest run ended (not an entry): it failed, or it succeeded again since. */
const FAILED = '\u0001!';
const PASSED = '\u0001=';

const CHUNK = 64 * 1024;
// However long the file, a start reads at most this much of its end.
const MAX_TAIL = 8 * 1024 * 1024;

const uid = process.getuid?.();
// Never through a symbolic link, never blocking on a FIFO, never taking a terminal.
const OPEN = constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/** Where a warning goes when the session gives no other place: standard error, one line. */
const toStderr = (message: string) => {
  try {
    writeSync(2, `tosh: ${message}\n`);
  } catch {}
};

/**
 * The command history in `$TOSH_HOME/history` (created 0600, in a 0700
 * directory). It is trusted like `config.json` (CONTRACT §12): a history
 * owned by another user or writable by group or others, or in such a
 * `$TOSH_HOME`, is neither read (a planted line would be suggested) nor
 * written, with one warning; a symbolic link is never followed; one's own
 * is made 0600. Each entry is appended with one `O_APPEND` write, so
 * concurrent sessions interleave whole lines and lose none; consecutive
 * duplicates are folded. Only the end of the file is read, and the file is
 * trimmed to the newest `limit` entries when it has grown past them (on
 * first use, and then now and then), so a huge history never slows the prompt.
 */
export class History {
  private entries: string[] | undefined;
  /** Lines in the file as far as this session knows (appends of other sessions aside). */
  private fileLines = 0;
  /** The directory or file cannot be written: stop trying for this session. */
  private broken = false;
  /** Lines whose latest run failed (kept in the file as marker lines): never suggested. */
  private readonly failed = new Set<string>();

  constructor(
    readonly file: string,
    readonly limit: number,
    /** A one-line warning (without `tosh: `): why the file is not used. */
    private readonly warn: (message: string) => void = toStderr,
  ) {}

  /**
   * Open the history file (`flags` plus no-follow) and check the descriptor:
   * undefined when it is missing (and not created), or may not be used — then
   * it is not touched again this session, said once.
   */
  private open(flags: number): number | undefined {
    if (this.broken) return undefined;
    const refuse = (why: string) => {
      this.broken = true;
      this.warn(`history ${this.file} not used: ${why}`);
      return undefined;
    };
    let home: Stats | undefined;
    try {
      home = statSync(dirname(this.file));
    } catch {}
    const homeProblem = home && untrusted(home);
    if (homeProblem) return refuse(`${dirname(this.file)} is ${homeProblem}`);
    let fd: number;
    try {
      fd = openSync(this.file, flags | OPEN, 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') return refuse('it is a symbolic link');
      if (code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const stats = fstatSync(fd);
      const problem = stats.isFile() ? untrusted(stats) : 'not a regular file';
      if (problem) {
        closeSync(fd);
        return refuse(`it is ${problem}`);
      }
      // Commands typed are nobody else's to read.
      if (stats.uid === uid && (stats.mode & 0o077) !== 0) fchmodSync(fd, 0o600);
      return fd;
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Entries, oldest first (read on first use). */
  all(): string[] {
    if (!this.entries) {
      const { lines, whole } = this.limit === 0 ? { lines: [], whole: true } : this.tail();
      const entries = this.read(lines);
      this.entries = entries.slice(-this.limit);
      this.fileLines = lines.length;
      if (!whole || entries.length > this.limit) this.rewrite(this.linesOf(this.entries));
    }
    return this.entries;
  }

  /** The entries among the file's lines, taking note of the marker lines as they come. */
  private read(lines: string[]): string[] {
    const entries: string[] = [];
    for (const line of lines) {
      if (line.startsWith(FAILED)) this.failed.add(decode(line.slice(FAILED.length)));
      else if (line.startsWith(PASSED)) this.failed.delete(decode(line.slice(PASSED.length)));
      else entries.push(decode(line));
    }
    return entries;
  }

  /** File lines for these entries, with a marker after each one whose latest run failed. */
  private linesOf(entries: string[]): string[] {
    return entries.flatMap((entry) => (this.failed.has(entry) ? [encode(entry), FAILED + encode(entry)] : [encode(entry)]));
  }

  /** Add an entry (not blank, not a repeat of the last one) and append it to the file. */
  add(entry: string): void {
    const line = entry.trim();
    const entries = this.all();
    if (line === '' || entries.at(-1) === line || this.limit === 0) return;
    entries.push(line);
    if (entries.length > this.limit) entries.splice(0, entries.length - this.limit);
    if (this.broken) return;
    try {
      if (this.fileLines === 0) makePrivateDir(dirname(this.file));
      this.append(encode(line));
      this.fileLines++;
      if (this.fileLines > this.limit * 1.5 + 10) {
        const { lines } = this.tail();
        this.rewrite(this.linesOf(this.read(lines).slice(-this.limit)));
      }
    } catch {
      // History that cannot be saved must not stop the shell (nor be retried on every line).
      this.broken = true;
    }
  }

  /** Index of the newest entry before `before` that contains `query`, or -1 (Ctrl-R). */
  search(query: string, before = this.all().length): number {
    const entries = this.all();
    for (let i = Math.min(before, entries.length) - 1; i >= 0; i--) if ((entries[i] as string).includes(query)) return i;
    return -1;
  }

  /** Record how a line ended: a line whose latest run failed is not suggested, in this session or a later one. */
  setStatus(entry: string, status: number): void {
    const line = entry.trim();
    if ((status !== 0) === this.failed.has(line)) return;
    if (status === 0) this.failed.delete(line);
    else this.failed.add(line);
    if (this.broken || this.limit === 0) return;
    try {
      this.append((status === 0 ? PASSED : FAILED) + encode(line));
      this.fileLines++;
    } catch {
      this.broken = true;
    }
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

  /**
   * Append one whole line. If an earlier append stopped part-way (a full
   * disk), the file does not end with a newline: start with one, so the
   * fragment stays a line of its own instead of gluing onto this entry.
   */
  private append(line: string): void {
    const fd = this.open(constants.O_RDWR | constants.O_APPEND | constants.O_CREAT);
    if (fd === undefined) return;
    try {
      const size = fstatSync(fd).size;
      const bytes = Buffer.from(`${size > 0 && !endsWithNewline(fd, size) ? '\n' : ''}${line}\n`);
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * The file's last lines, enough for `limit` entries (and no more than
   * MAX_TAIL bytes), read backwards from its end; `whole` when that was the
   * entire file. A line cut by where the reading began is left out.
   */
  private tail(): { lines: string[]; whole: boolean } {
    let fd: number | undefined;
    try {
      fd = this.open(constants.O_RDONLY);
    } catch {}
    if (fd === undefined) return { lines: [], whole: true };
    try {
      const stats = fstatSync(fd);
      const chunks: Buffer[] = [];
      let position = stats.size;
      let newlines = 0;
      while (position > 0 && newlines <= this.limit && stats.size - position < MAX_TAIL) {
        const length = Math.min(CHUNK, position);
        position -= length;
        const chunk = Buffer.allocUnsafe(length);
        const read = readSync(fd, chunk, 0, length, position);
        const got = chunk.subarray(0, read);
        for (const byte of got) if (byte === 0x0a) newlines++;
        chunks.unshift(got);
      }
      let text = Buffer.concat(chunks).toString('utf8');
      if (position > 0) text = text.slice(text.indexOf('\n') + 1);
      return { lines: text.split('\n').filter((l) => l !== ''), whole: position === 0 };
    } catch {
      return { lines: [], whole: true };
    } finally {
      closeSync(fd);
    }
  }

  /** Replace the file with these lines (atomically, 0600); a failed write leaves no temporary file. */
  private rewrite(lines: string[]): void {
    if (this.broken) return;
    const temp = `${this.file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      // `wx`: a file (or link) planted under the temporary name is never written through.
      writeFileSync(temp, lines.length > 0 ? `${lines.join('\n')}\n` : '', { mode: 0o600, flag: 'wx' });
      renameSync(temp, this.file);
    } catch {
      try {
        unlinkSync(temp);
      } catch {}
    }
    // Also after a failure: the next attempt waits until the file has grown again.
    this.fileLines = lines.length;
  }
}

/** Whether the file open on `fd` (for reading) ends with a newline. */
function endsWithNewline(fd: number, size: number): boolean {
  const byte = Buffer.alloc(1);
  try {
    return readSync(fd, byte, 0, 1, size - 1) === 1 && byte[0] === 0x0a;
  } catch {
    return true;
  }
}
