/**
 * Redirects applied to a command's descriptors, in the order written, as sh
 * does: each file opened (and a `>` file emptied) before the command runs,
 * `N>&M` taking whatever M is at that point, `N>&-` closing N.
 */
import { closeSync, constants } from 'node:fs';
import { quote, ShellError, Status } from '../base/errors.ts';
import type { ExpandedRedirect } from '../line/expand.ts';
import { type Channel, CLOSED, type Io, TextReader } from './io.ts';
import { openTarget } from './redirects.ts';

export interface Applied {
  io: Map<number, Channel>;
  /** Close the files this opened (once the command is done with them). */
  close(): void;
}

/** A new table of descriptors with `redirects` applied to `io`. Throws a one-line ShellError (status 1). */
export function applyRedirects(io: Io, redirects: readonly ExpandedRedirect[], cwd: string): Applied {
  const table = new Map(io);
  const opened: number[] = [];
  const close = () => {
    for (const fd of opened.splice(0)) {
      try {
        closeSync(fd);
      } catch {}
    }
  };
  try {
    for (const r of redirects) {
      if (r.fd > 9) throw new ShellError(`${r.fd}: descriptors above 9 are not supported`, Status.failed);
      switch (r.kind) {
        case 'heredoc':
          table.set(r.fd, { kind: 'text', reader: new TextReader(r.text) });
          break;
        case 'read':
        case 'readwrite': {
          const fd = r.kind === 'read' ? openTarget(cwd, r.path, 'r') : openTarget(cwd, r.path, constants.O_RDWR | constants.O_CREAT);
          opened.push(fd);
          table.set(r.fd, { kind: 'fd', fd, name: r.path });
          break;
        }
        case 'write':
        case 'append': {
          const fd = openTarget(cwd, r.path, r.kind === 'append' ? 'a' : 'w');
          opened.push(fd);
          const ch: Channel = { kind: 'fd', fd, name: r.path };
          table.set(r.fd, ch);
          if (r.both) table.set(2, ch);
          break;
        }
        case 'dup': {
          if (r.target === '-') {
            table.set(r.fd, CLOSED);
            break;
          }
          if (/^[0-9]$/.test(r.target)) {
            const from = table.get(Number(r.target));
            if (!from || from.kind === 'closed') throw new ShellError(`${r.target}: bad file descriptor`, Status.failed);
            table.set(r.fd, from);
            break;
          }
          if (/^[0-9]+$/.test(r.target)) throw new ShellError(`${r.target}: bad file descriptor`, Status.failed);
          // `>&file` (bash): standard output and error to the file.
          if (r.op.endsWith('>&') && r.fd === 1) {
            const fd = openTarget(cwd, r.target, 'w');
            opened.push(fd);
            const ch: Channel = { kind: 'fd', fd, name: r.target };
            table.set(1, ch);
            table.set(2, ch);
            break;
          }
          throw new ShellError(`${quote(r.target)}: ambiguous redirect (${r.op} takes a descriptor)`, Status.failed);
        }
      }
    }
  } catch (error) {
    close();
    throw error;
  }
  return { io: table, close };
}
