/**
 * Jobs outside the interactive shell (CONTRACT §15): `-c` lines and scripts
 * run `&` in the background and `wait` for it, without the terminal
 * hand-over; `jobs`, `kill %N`, `disown` work on the job table; `fg` and `bg`
 * say there is no job control; every mistake is one line, in bash's words.
 * The unit part checks the job table's own rules (numbers, `%+`/`%-`, specs,
 * bash's layout of its lines).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Jobs, statusWords } from '../shell/run/jobs.ts';
import { BIN, tempDir, tosh } from './helpers/tosh.ts';

const run = (line: string, env: Record<string, string> = {}) => tosh(['-c', line], { env });
const ok = (stdout: string) => ({ stdout, stderr: '', code: 0 });

describe('jobs in -c lines and scripts (§15)', () => {
  it('runs & in the background and wait gives its status, by $!, %N and for all', async () => {
    expect(await run('sleep 0.1 & wait $!; echo "status $?"')).toEqual(ok('status 0\n'));
    expect(await run('sh -c "exit 3" & wait %1; echo "status $?"')).toEqual(ok('status 3\n'));
    expect(await run('echo one & wait; echo two')).toEqual(ok('one\ntwo\n'));
    expect(await run('sleep 9 & kill -9 $!; wait $!; echo "status $?"')).toEqual(ok('status 137\n'));
  });

  it('does not wait for a background job at the end unless told to', async () => {
    const dir = tempDir('tosh-jobs-batch-');
    const script = join(dir, 'bg.tosh');
    writeFileSync(script, 'sleep 30 &\necho "started $!"\n');
    // Output to a file: a pipe would be held open by the job (it writes there too) until it ends.
    const out = join(dir, 'out.txt');
    const fd = openSync(out, 'w');
    const result = spawnSync(process.execPath, [BIN, script], { cwd: dir, stdio: ['ignore', fd, fd], timeout: 15000 });
    closeSync(fd);
    expect(result.status).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/^started \d+\n$/);
    // The shell has left; the job it did not wait for runs on.
    const pid = Number(text.split(' ')[1]);
    expect(process.kill(pid, 0)).toBe(true);
    process.kill(pid, 'SIGTERM');
  });

  it('lists jobs, kills %N (its Terminated status), disowns, and kill is the shell’s', async () => {
    expect(await run('sleep 5 & jobs; kill %1; wait %1; echo "status $?"')).toEqual(
      ok(`[1]+  ${'Running'.padEnd(24)}sleep 5 &\nstatus 143\n`),
    );
    expect(await run('sleep 5 & sleep 6 & jobs; kill %1 %2')).toEqual(
      ok(`[1]-  ${'Running'.padEnd(24)}sleep 5 &\n[2]+  ${'Running'.padEnd(24)}sleep 6 &\n`),
    );
    const listed = await run('sleep 5 & jobs -p; echo "bang $!"; kill %sleep');
    const [pid, bang] = listed.stdout.split('\n');
    expect(bang).toBe(`bang ${pid}`);
    expect(await run('sleep 2 & disown; jobs; echo none')).toEqual(ok('none\n'));
    expect(await run('type kill jobs fg bg wait disown')).toEqual(
      ok('kill is a built-in\njobs is a built-in\nfg is a built-in\nbg is a built-in\nwait is a built-in\ndisown is a built-in\n'),
    );
    expect(await run('kill -l 15; kill -l TERM; kill -0 $$; echo alive')).toEqual(ok('TERM\n15\nalive\n'));
  });

  it('says what is wrong in one line each, with bash’s status', async () => {
    const err = (stderr: string, code: number) => ({ stdout: '', stderr, code });
    expect(await run('fg')).toEqual(err('tosh: fg: no job control\n', 1));
    expect(await run('bg')).toEqual(err('tosh: bg: no job control\n', 1));
    expect(await run('kill %x')).toEqual(err('tosh: kill: %x: no such job\n', 1));
    expect(await run('kill %9')).toEqual(err('tosh: kill: %9: no such job\n', 1));
    expect(await run('kill -FOO 1')).toEqual(err('tosh: kill: FOO: invalid signal specification\n', 1));
    expect(await run('kill abc')).toEqual(err('tosh: kill: abc: arguments must be process or job IDs\n', 1));
    expect(await run('kill 999999999')).toEqual(err('tosh: kill: (999999999) - No such process\n', 1));
    expect(await run('kill')).toEqual(
      err('tosh: kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n', 2),
    );
    expect(await run('wait 1')).toEqual(err('tosh: wait: pid 1 is not a child of this shell\n', 127));
    expect(await run('wait %3')).toEqual(err('tosh: wait: %3: no such job\n', 127));
    expect(await run('jobs %2')).toEqual(err('tosh: jobs: %2: no such job\n', 1));
    expect(await run('jobs -q')).toEqual(err('tosh: jobs: -q: invalid option\n', 2));
    expect(await run('disown')).toEqual(err('tosh: disown: current: no such job\n', 1));
    expect(await run('& echo no')).toEqual(err("tosh: syntax error near unexpected token '&'\n", 2));
    expect(await run('sleep 1 & &')).toEqual(err("tosh: syntax error near unexpected token '&'\n", 2));
  });

  it('works the same without the FFI', async () => {
    const env = { TOSH_NO_FFI: '1' };
    expect(await run('sh -c "exit 4" & wait $!; echo "status $?"', env)).toEqual(ok('status 4\n'));
    expect(await run('sleep 5 & jobs; kill %1; wait; echo done', env)).toEqual(ok(`[1]+  ${'Running'.padEnd(24)}sleep 5 &\ndone\n`));
  });
});

describe('the job table', () => {
  it('numbers jobs as bash does: one above the highest in use', () => {
    const jobs = new Jobs();
    const one = jobs.add('sleep 1');
    const two = jobs.add('sleep 2');
    expect([one.id, two.id]).toEqual([1, 2]);
    jobs.remove(two);
    expect(jobs.add('sleep 3').id).toBe(2);
    jobs.remove(one);
    expect(jobs.add('sleep 4').id).toBe(3);
  });

  it('finds jobs by %N, %+, %%, %-, %name, %?text and pid, and names what is missing', () => {
    const jobs = new Jobs();
    const vim = jobs.add('vim notes');
    const sleep = jobs.add('sleep 30');
    sleep.pids.push(4242);
    expect(jobs.find('%1')).toBe(vim);
    expect(jobs.find('%+')).toBe(sleep);
    expect(jobs.find('%%')).toBe(sleep);
    expect(jobs.find('%-')).toBe(vim);
    expect(jobs.find('%vim')).toBe(vim);
    expect(jobs.find('%?notes')).toBe(vim);
    expect(jobs.find('4242')).toBe(sleep);
    expect(jobs.find('%9')).toBeUndefined();
    expect(jobs.pick('fg', '%9')).toBe('fg: %9: no such job');
    expect(new Jobs().pick('fg', undefined)).toBe('fg: current: no such job');
    expect(jobs.describe(vim)).toBe(`[1]-  ${'Running'.padEnd(24)}vim notes &`);
  });

  it('says a status as bash does', () => {
    expect([0, 1, 143, 137, 130, 129, 141].map(statusWords)).toEqual([
      'Done',
      'Exit 1',
      'Terminated',
      'Killed',
      'Interrupt',
      'Hangup',
      'Broken pipe',
    ]);
  });
});
