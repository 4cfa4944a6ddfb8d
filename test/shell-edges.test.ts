/**
 * The shell as bash behaves at two edges: `export NAME` for a NAME that is
 * unset exports nothing (a program sees no NAME), and a shell started in a
 * directory that was deleted still starts, with `$PWD`, and `cd ..` leaves it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, finished, tempDir, tosh } from './helpers/tosh.ts';

describe('export NAME with NAME unset', () => {
  it('exports nothing: export lists no NAME, a program sees none, $NAME is empty', async () => {
    expect(
      await tosh(['-c', "export UNSET_A; export | ^grep -c '^UNSET_A'; ^sh -c 'printenv UNSET_A || echo none'; echo [$UNSET_A]"]),
    ).toEqual({
      stdout: '0\nnone\n[]\n',
      stderr: '',
      code: 0,
    });
  });

  it('still exports a shell variable that has a value, and refuses a name that is none', async () => {
    expect(await tosh(['-c', "B=2; export B; ^sh -c 'echo $B'"])).toEqual({ stdout: '2\n', stderr: '', code: 0 });
    expect(await tosh(['-c', 'export 1x'])).toEqual({ stdout: '', stderr: "tosh: export: '1x' is not a valid variable name\n", code: 1 });
  });
});

describe('a working directory that was deleted', () => {
  it('a shell started there takes $PWD as its directory, and cd .. leaves it', async () => {
    const parent = tempDir();
    const gone = join(parent, 'gone');
    mkdirSync(gone);
    const home = tempDir('tosh-home-');
    // The shell starts in the directory; it is removed before tosh asks where it is (sh's cd then rmdir).
    const child = spawn(
      '/bin/sh',
      ['-c', `cd "$1" && rmdir "$1" && exec "$2" "$3" -c 'pwd; cd ..; pwd'`, 'sh', gone, process.execPath, BIN],
      {
        env: { PATH: process.env.PATH, HOME: home, TOSH_HOME: home, PWD: gone },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    expect(await finished(child)).toEqual({ stdout: `${gone}\n${parent}\n`, stderr: '', code: 0 });
    expect(() => rmdirSync(gone)).toThrow();
  });
});
