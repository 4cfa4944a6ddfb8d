/**
 * Contract §14: the shell language is measured against `bash --posix`. Every script in
 * test/fixtures/lang/ (NNN-name.sh) runs under bash and under tosh, in a fresh working directory
 * each, and the two must print the same standard output and exit with the same status, byte for
 * byte (standard error is not compared). Modes, each compared with bash in the same mode:
 * - `file`:  `SHELL SCRIPT`
 * - `c`:     `SHELL -c "$(cat SCRIPT)"` (trailing newlines removed, as `$(…)` does)
 * - `stdin`: `SHELL < SCRIPT` (the script on a pipe)
 *
 * Conventions, in the comment lines at the top of a script:
 * - `# modes: file c` runs it only in the modes named (default: all three); a script that reads
 *   the shell's own standard input leaves out `stdin`, where that input is the script itself.
 * - `# stderr: expected` says bash writes to standard error for it (`set -x`, `>&2`, `${x:?}`).
 *   Otherwise bash's standard error must be empty: a script broken on this machine (a missing
 *   program, a syntax error) fails here instead of passing with both shells printing the same error.
 *
 * The scripts keep clear of the two deliberate differences (§10): no unquoted variable is relied on
 * to split into words, and every glob matches something (the script makes the files first). Each
 * run gets HOME = a copy of test/fixtures/lang/home/, its own empty TOSH_HOME, and LC_ALL=C.UTF-8
 * (`$'\u00e9'` and `printf %f` depend on the locale); nothing else from the caller's environment
 * but PATH.
 */
import { spawn } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { BIN, FIXTURES, finished, type ToshResult, tempDir } from './helpers/tosh.ts';

const LANG = join(FIXTURES, 'lang');
const MODES = ['file', 'c', 'stdin'] as const;
type Mode = (typeof MODES)[number];

interface Script {
  name: string;
  path: string;
  text: string;
  modes: readonly Mode[];
  stderrExpected: boolean;
}

/** A fixture script with the conventions of its leading comment lines read. */
function script(name: string): Script {
  const path = join(LANG, name);
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const end = lines.findIndex((line) => !line.startsWith('#'));
  const header = lines.slice(0, end === -1 ? lines.length : end);
  const modesLine = header.find((line) => line.startsWith('# modes:'));
  const modes = modesLine === undefined ? MODES : modesLine.slice('# modes:'.length).trim().split(/\s+/);
  for (const mode of modes) if (!(MODES as readonly string[]).includes(mode)) throw new Error(`${name}: unknown mode '${mode}'`);
  return { name, path, text, modes: modes as Mode[], stderrExpected: header.includes('# stderr: expected') };
}

const scripts = readdirSync(LANG)
  .filter((name) => /^\d{3}-.*\.sh$/.test(name))
  .sort()
  .map(script);

/** Run `script` in `mode` under bash --posix or tosh, in a fresh working directory and HOME. */
function run(shell: 'bash' | 'tosh', script: Script, mode: Mode): Promise<ToshResult> {
  const cwd = realpathSync(tempDir('tosh-lang-cwd-'));
  const home = realpathSync(tempDir('tosh-lang-home-'));
  cpSync(join(LANG, 'home'), home, { recursive: true });
  const args = mode === 'file' ? [script.path] : mode === 'c' ? ['-c', script.text.replace(/\n+$/, '')] : [];
  const [command, prefix] = shell === 'bash' ? ['bash', ['--posix']] : [process.execPath, [BIN]];
  const child = spawn(command, [...prefix, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: home, TOSH_HOME: realpathSync(tempDir('tosh-lang-tosh-home-')), LC_ALL: 'C.UTF-8' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // A shell may end before it has read all of its input (an `exit` in the script): not an error here.
  child.stdin.on('error', () => {});
  child.stdin.end(mode === 'stdin' ? script.text : '');
  return finished(child, 10000);
}

describe.concurrent('scripts print what bash --posix prints and exit with its status (contract §14)', () => {
  it('has the fixture scripts', ({ expect }) => {
    expect(scripts.length).toBeGreaterThanOrEqual(120);
  });

  for (const s of scripts) {
    for (const mode of s.modes) {
      it(`${s.name} (${mode})`, async ({ expect }) => {
        const [bash, tosh] = await Promise.all([run('bash', s, mode), run('tosh', s, mode)]);
        if (!s.stderrExpected) expect(bash.stderr, 'bash wrote to stderr: is the fixture broken here?').toBe('');
        const seen = (result: ToshResult) => ({ stdout: result.stdout, code: result.code });
        expect(seen(tosh), `tosh's stderr:\n${tosh.stderr}`).toEqual(seen(bash));
      });
    }
  }
});
