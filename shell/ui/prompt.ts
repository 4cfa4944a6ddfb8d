/**
 * The prompt and the first lines of a session, without React or ink: the
 * CLI draws them the moment it knows it is interactive, while the UI loads
 * (zsh's "instant prompt"); the UI then takes the line over.
 */
import { homedir } from 'node:os';

/** Said once, above the first prompt of a session. */
export const HELP_HINT = "Type 'help' for commands, Tab to complete, Ctrl-D to leave.";

const sgr = (on: string, off: string, text: string) => (text === '' ? '' : `\u001b[${on}m${text}\u001b[${off}m`);

/** A directory as the prompt shows it: the home directory as `~`. */
export function tildePath(dir: string, home = homedir()): string {
  if (home && (dir === home || dir.startsWith(home.endsWith('/') ? home : `${home}/`))) return `~${dir.slice(home.length)}`;
  return dir;
}

/**
 * The prompt as shown: the working directory, the status of a failed line,
 * then the configured prompt (`tosh> `, which `"prompt"` in config.json replaces).
 */
export function promptText(at: PromptState): string {
  const where = tildePath(at.cwd, at.home || homedir());
  const failed = at.status === 0 ? '' : `[${at.status}] `;
  if (!at.color) return `${where} ${failed}${at.prompt}`;
  return `${sgr('32', '39', where)} ${sgr('31', '39', failed)}${at.prompt}`;
}

/** What the prompt shows. */
export interface PromptState {
  cwd: string;
  /** `$HOME` (shown as `~`); the user's home directory when unset. */
  home: string | undefined;
  /** The configured prompt (`tosh> `). */
  prompt: string;
  /** The status of the last line (shown when it is not 0). */
  status: number;
  color: boolean;
}

/**
 * Draw the hint and the first prompt now, before the UI has loaded; keys typed
 * meanwhile wait in the terminal (raw mode: not echoed) until the UI reads them.
 * Returns what the UI writes to take the prompt line back.
 */
export function drawFirstPrompt(prompt: string, color: boolean): string {
  const stdout = process.stdout;
  try {
    if (process.stdin.isTTY) process.stdin.setRawMode(true);
  } catch {}
  const hint = color ? sgr('2', '22', HELP_HINT) : HELP_HINT;
  // Bracketed paste on: pasted text goes into the line, not run line by line.
  stdout.write(`\u001b[?2004h${hint}\n${prompt}`);
  return '\r\u001b[2K';
}
