/**
 * fish's completions, for programs with no spec: one long-lived `fish` that
 * answers `complete -C LINE` (`word<TAB>description` a line) with the user's
 * fish configuration and completion files. Text reaches fish URL-encoded and
 * is decoded there (`string unescape --style=url`), so no line is ever parsed
 * as fish code.
 */

import { Coprocess, envChanges } from './coprocess.ts';
import type { Candidate } from './types.ts';

/** Printed instead of completions when fish has none for the program (so the next source is asked). */
const NONE = '\x1f';

// `read` takes one request a line: a kind and URL-encoded fields, each after a `_` so that none is empty.
// Programs a completion runs read /dev/null, not the requests.
const SCRIPT = String.raw`
function __tosh_text -a field
  string sub -s 2 -- $field | string unescape --style=url | string collect
end
function __tosh_has -a program
  for dir in $fish_complete_path
    test -f "$dir/$program.fish"; and return 0
  end
  complete -c $program | string length -q
end
while read -l kind a b
  switch $kind
    case c
      if __tosh_has (__tosh_text $a)
        complete -C (__tosh_text $b) </dev/null
      else
        echo \x1f
      end
    case d
      cd (__tosh_text $a) </dev/null
    case e
      set -gx $a (__tosh_text $b)
    case u
      set -e $a
  end
  echo \x1e
end
`;

/** One field of a request: `_` and the text URL-encoded (no spaces, never empty). */
export function fishField(text: string): string {
  return `_${encodeURIComponent(text)}`;
}

class Fish extends Coprocess {
  protected command(): [string, string[]] {
    return ['fish', ['-c', SCRIPT]];
  }

  protected setup(cwd: string, env: Record<string, string>): string[] {
    const lines = envChanges(this.env, env).map((change) =>
      change.length === 2 ? `e ${change[0]} ${fishField(change[1])}` : `u ${change[0]}`,
    );
    if (cwd !== this.cwd) lines.push(`d ${fishField(cwd)}`);
    return lines;
  }
}

let fish: Fish | undefined;

export interface HelperCall {
  program: string;
  line: string;
  cwd: string;
  env: Record<string, string>;
  deadline: number;
  /** Gets the candidates when they come after the deadline. */
  onLate?: (candidates: Candidate[] | undefined) => void;
}

/**
 * fish's candidates for `line`: undefined when fish has no completions for
 * the program, could not run or did not answer by the deadline (`timedOut`).
 */
export async function fishComplete(call: HelperCall): Promise<{ candidates?: Candidate[]; timedOut: boolean }> {
  fish ??= new Fish();
  const request: Parameters<Fish['ask']>[2] = { lines: [`c ${fishField(call.program)} ${fishField(call.line)}`], deadline: call.deadline };
  if (call.onLate) {
    const onLate = call.onLate;
    request.onLate = (lines) => onLate(parseFish(lines));
  }
  const lines = await fish.ask(call.cwd, call.env, request);
  if (!Array.isArray(lines)) return { timedOut: lines === 'late' };
  const candidates = parseFish(lines);
  return candidates ? { candidates, timedOut: false } : { timedOut: false };
}

function parseFish(lines: string[]): Candidate[] | undefined {
  if (lines[0] === NONE) return undefined;
  const candidates: Candidate[] = [];
  for (const line of lines) {
    if (line === '') continue;
    const tab = line.indexOf('\t');
    const word = tab < 0 ? line : line.slice(0, tab);
    const candidate: Candidate = { word };
    if (tab >= 0 && line.slice(tab + 1) !== '') candidate.description = line.slice(tab + 1);
    if (word.endsWith('/') || word.endsWith('=')) candidate.partial = true;
    candidates.push(candidate);
  }
  return candidates;
}

/** Stop the fish helper (the shell is leaving; tests). */
export function stopFish(): void {
  fish?.stop();
}
