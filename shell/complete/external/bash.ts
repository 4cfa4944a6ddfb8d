/**
 * bash-completion's completions, for programs with no spec and no fish
 * completion: one long-lived `bash` that has sourced bash_completion, loads the
 * program's completion file on demand, sets COMP_WORDS / COMP_CWORD / COMP_LINE /
 * COMP_POINT, calls the program's completion function and prints COMPREPLY.
 * Values only: bash has no descriptions. Text reaches bash as `\xHH` escapes
 * decoded by `printf %b`, so no request is ever parsed as bash code.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Coprocess, envChanges } from './coprocess.ts';
import type { HelperCall } from './fish.ts';
import type { Candidate } from './types.ts';

/** Where Debian (and most others) install it; the first found is used. */
const BASH_COMPLETION = ['/usr/share/bash-completion/bash_completion', '/usr/local/share/bash-completion/bash_completion'];
const NONE = '\x1f';

let script: string | undefined;

/** The bash_completion file, or undefined when bash-completion is not installed. */
export function bashCompletionFile(): string | undefined {
  return BASH_COMPLETION.find((file) => existsSync(file));
}

function bashScript(file: string): string {
  // A plain template: `\${` is bash's `${`, `\\` a backslash. COMP_WORDBREAKS without `=` and `:`:
  // the words are whole, so COMPREPLY is too.
  return `
shopt -s extglob progcomp
. '${file.replaceAll("'", "'\\''")}' >/dev/null 2>&1
COMP_WORDBREAKS=$' \\t\\n"\\'><;|&('
__tosh_text() { printf -v "$1" %b "\${2#_}"; }
__tosh_complete() {
  local cmd=\${COMP_WORDS[0]##*/} spec
  spec=$(complete -p -- "$cmd" 2>/dev/null)
  if [[ -z $spec ]]; then
    __load_completion "$cmd" >/dev/null 2>&1 || { printf '\\x1f\\n'; return; }
    spec=$(complete -p -- "$cmd" 2>/dev/null)
  fi
  [[ $spec =~ -F\\ ([^ ]+) ]] || { printf '\\x1f\\n'; return; }
  printf '%s\\n' "$spec"
  COMPREPLY=()
  "\${BASH_REMATCH[1]}" "$cmd" "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}" </dev/null >/dev/null 2>&1
  (( \${#COMPREPLY[@]} )) && printf '%s\\n' "\${COMPREPLY[@]}"
}
while IFS=' ' read -r -a __tosh_request; do
  case \${__tosh_request[0]} in
    c)
      COMP_CWORD=\${__tosh_request[1]}
      __tosh_text COMP_LINE "\${__tosh_request[2]}"
      COMP_POINT=\${#COMP_LINE}
      COMP_TYPE=9
      COMP_KEY=9
      COMP_WORDS=()
      for __tosh_field in "\${__tosh_request[@]:3}"; do __tosh_text __tosh_word "$__tosh_field"; COMP_WORDS+=("$__tosh_word"); done
      __tosh_complete
      ;;
    d) __tosh_text __tosh_dir "\${__tosh_request[1]}"; cd -- "$__tosh_dir" 2>/dev/null ;;
    e) __tosh_text __tosh_value "\${__tosh_request[2]}"; export "\${__tosh_request[1]}=$__tosh_value" 2>/dev/null ;;
    u) unset "\${__tosh_request[1]}" 2>/dev/null ;;
  esac
  printf '\\x1e\\n'
done
`;
}

/** One field of a request: `_` and every byte but `[A-Za-z0-9_./-]` as `\xHH` (no spaces, never empty). */
export function bashField(text: string): string {
  let field = '_';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    field += /[A-Za-z0-9_./-]/.test(c) ? c : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return field;
}

class Bash extends Coprocess {
  constructor(readonly file: string) {
    super();
  }

  protected command(): [string, string[]] {
    script ??= bashScript(this.file);
    return ['bash', ['--noprofile', '--norc', '-c', script]];
  }

  protected setup(cwd: string, env: Record<string, string>): string[] {
    const lines = envChanges(this.env, env).map((change) =>
      change.length === 2 ? `e ${change[0]} ${bashField(change[1])}` : `u ${change[0]}`,
    );
    if (cwd !== this.cwd) lines.push(`d ${bashField(cwd)}`);
    return lines;
  }
}

let bash: Bash | undefined;

/**
 * bash-completion's candidates for the words: undefined when it has no
 * completion function for the program, bash could not run, or it did not
 * answer by the deadline (`timedOut`).
 */
export async function bashComplete(call: HelperCall & { words: string[] }): Promise<{ candidates?: Candidate[]; timedOut: boolean }> {
  const file = bashCompletionFile();
  if (!file) return { timedOut: false };
  bash ??= new Bash(file);
  const words = call.words.length > 0 ? call.words : [''];
  // COMP_LINE is the words as bash would have split them, so that it agrees with COMP_WORDS.
  const line = words.join(' ');
  const request: Parameters<Bash['ask']>[2] = {
    lines: [`c ${words.length - 1} ${bashField(line)} ${words.map(bashField).join(' ')}`],
    deadline: call.deadline,
  };
  const current = words.at(-1) ?? '';
  if (call.onLate) {
    const onLate = call.onLate;
    request.onLate = (lines) => onLate(parseBash(lines, current, call.cwd));
  }
  const lines = await bash.ask(call.cwd, call.env, request);
  if (!Array.isArray(lines)) return { timedOut: lines === 'late' };
  const candidates = parseBash(lines, current, call.cwd);
  return candidates ? { candidates, timedOut: false } : { timedOut: false };
}

/** The first line is the `complete` spec (for `-o nospace`, `-o filenames`), then COMPREPLY a line. */
function parseBash(lines: string[], current: string, cwd: string): Candidate[] | undefined {
  const [spec, ...values] = lines;
  if (spec === undefined || spec === NONE) return undefined;
  const nospace = /(^| )-o nospace( |$)/.test(spec);
  const filenames = /(^| )-o (filenames|dirnames)( |$)/.test(spec);
  const seen = new Set<string>();
  const candidates: Candidate[] = [];
  for (const value of values) {
    // Some completion functions leave the filtering to readline.
    if (value.trim() === '' || !value.startsWith(current) || seen.has(value)) continue;
    seen.add(value);
    // Under `-o nospace` a function that wants the space adds it (git's `checkout `).
    const spaced = value.endsWith(' ');
    let word = spaced ? value.trimEnd() : value;
    if (filenames && !word.endsWith('/') && isDirectory(resolve(cwd, word))) word += '/';
    const candidate: Candidate = { word };
    if ((nospace && !spaced) || word.endsWith('/')) candidate.partial = true;
    candidates.push(candidate);
  }
  return candidates;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Stop the bash helper (the shell is leaving; tests). */
export function stopBash(): void {
  bash?.stop();
}
