/** `files [PATH…]`: directory entries as records, the structured `ls`. */
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { CommandError, defineCommand, z } from 'tosh/plugin-sdk';

const TYPES = ['file', 'dir', 'symlink', 'fifo', 'socket', 'block device', 'char device'] as const;

const entry = z.object({
  name: z.string().describe('The name (PATH/name for the entries of a PATH given)'),
  type: z.enum(TYPES).describe('What the entry is (a symlink is not followed)'),
  size: z.number().describe('Size in bytes'),
  modified: z.date().describe('When its content last changed'),
});

type Entry = z.output<typeof entry>;

function typeOf(stats: Stats): Entry['type'] {
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isDirectory()) return 'dir';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  if (stats.isBlockDevice()) return 'block device';
  if (stats.isCharacterDevice()) return 'char device';
  return 'file';
}

const record = (name: string, stats: Stats): Entry => ({ name, type: typeOf(stats), size: stats.size, modified: stats.mtime });

function failure(path: string, error: unknown): CommandError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new CommandError(`files: ${path}: no such file or directory`);
  if (code === 'EACCES') return new CommandError(`files: ${path}: permission denied`);
  return new CommandError(`files: ${path}: ${(error as Error).message}`);
}

export const files = defineCommand({
  description: 'The entries of directories as records: name, type, size, modified (hidden ones only with -a, as ls)',
  args: z.object({ paths: z.array(z.string()).default([]).describe('Directories or files (default: the working directory)') }),
  flags: z.object({ all: z.boolean().default(false).describe('Include names that start with a dot') }),
  short: { a: 'all' },
  output: z.array(entry),
  examples: [
    'files',
    "files src | where 'size > 10kb' | sort-by size -r",
    'files -a | where type == dir | get name',
    "files | where 'modified > 1d'",
  ],
  run({ args, flags }, ctx) {
    const out: Entry[] = [];
    const given = args.paths.length === 0 ? [undefined] : args.paths;
    for (const path of given) {
      const dir = resolve(ctx.cwd, path ?? '.');
      let stats: Stats;
      try {
        stats = lstatSync(dir);
      } catch (error) {
        throw failure(path ?? '.', error);
      }
      if (!stats.isDirectory()) {
        out.push(record(path as string, stats));
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch (error) {
        throw failure(path ?? '.', error);
      }
      names.sort();
      for (const name of names) {
        if (!flags.all && name.startsWith('.')) continue;
        let entryStats: Stats;
        try {
          entryStats = lstatSync(join(dir, name));
        } catch {
          continue; // Gone since the directory was read.
        }
        out.push(record(path === undefined ? name : join(path, name), entryStats));
      }
    }
    return out;
  },
});
