/**
 * What the driver of the shell does for it: the plain streams of `-c`,
 * scripts and stdin, or the interactive UI. The session is given one relay
 * at its start and keeps it; the driver behind the relay is attached once
 * (the UI only when it is up: notices given before that wait for it).
 */
export interface Host {
  /** Clear the screen (nothing when output is not a terminal). */
  clear(): void;
  /** The prompt changed (`ctx.shell.setPrompt`). */
  setPrompt(prompt: string): void;
  /** A one-line notice (reload reports, warnings, load errors), without `tosh: `. */
  notice(message: string): void;
}

/** A Host that holds notices until the driver is attached, then passes everything on. */
export class HostRelay implements Host {
  private target: Host | undefined;
  private readonly held: string[] = [];

  constructor(target?: Host) {
    this.target = target;
  }

  /** Hand over to the driver (once): what was held is passed on first, in order. */
  attach(target: Host): void {
    if (this.target) throw new Error('the shell already has a driver');
    this.target = target;
    for (const message of this.held.splice(0)) target.notice(message);
  }

  clear(): void {
    this.target?.clear();
  }

  setPrompt(prompt: string): void {
    this.target?.setPrompt(prompt);
  }

  notice(message: string): void {
    if (this.target) this.target.notice(message);
    else this.held.push(message);
  }
}
