/** Exit statuses of the contract. */
export const Status = {
  ok: 0,
  failed: 1,
  usage: 2,
  unknownCommand: 127,
  interrupted: 130,
} as const;

/**
 * A mistake the user made or a failure the shell reports as one line. Core
 * code returns or throws these; renderers print `tosh: <message>`.
 */
export class ShellError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = Status.failed, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ShellError';
    this.exitCode = exitCode;
  }
}

/**
 * An expansion that cannot go on (`${x:?}`, an unset variable under `set -u`,
 * an arithmetic error): it fails the command, and ends a script or subshell,
 * as in sh.
 */
export class ExpansionError extends ShellError {}

/** A bad line, argument or flag (status 2). `incomplete` lines may be continued interactively. */
export class UsageError extends ShellError {
  readonly incomplete: boolean;
  /** Where in the text the mistake is (a syntax error), when known. */
  readonly offset: number | undefined;
  constructor(message: string, options: { incomplete?: boolean; offset?: number } = {}) {
    super(message, Status.usage);
    this.name = 'UsageError';
    this.incomplete = options.incomplete ?? false;
    this.offset = options.offset;
  }
}

/** First line of any thrown value, for one-line reports. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n').find((l) => l.trim() !== '') ?? (error instanceof Error ? error.name : 'error');
}

/** Quote a word for a message: `'helo'`. Control characters are made visible. */
export function quote(word: string): string {
  const shown = word.length > 60 ? `${word.slice(0, 57)}...` : word;
  return `'${shown.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}'`;
}
