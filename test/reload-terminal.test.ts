/**
 * Hot reload in the interactive shell: the real `tosh` in a tmux terminal (80×24)
 * while the test edits a plugin file; reload reports appear as quiet lines above the prompt.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { shq, terminals } from './helpers/tmux.ts';
import { BIN, fixture, tempDir } from './helpers/tosh.ts';

const terminal = terminals('tosh-reload');

function start(cwd: string) {
  const home = tempDir('tosh-reload-home-');
  const t = terminal(
    `cd ${shq(cwd)} && TOSH_HOME=${shq(home)} HOME=${shq(home)} ${shq(process.execPath)} ${shq(BIN)} --plugins plugins; sleep 600`,
  );
  return {
    until: t.untilLines,
    run(line: string) {
      t.type(line);
      t.press('Enter');
    },
  };
}

it('reloads a changed plugin in the interactive shell and reports it above the prompt', async () => {
  const root = fixture('reload');
  const greet = join(root, 'plugins/greet.ts');
  const t = start(root);
  // The prompt shows the working directory.
  const prompt = `${root} tosh>`;
  await t.until((s) => s.at(-1) === prompt, 'the prompt');
  t.run('hello');
  await t.until((s) => s.includes('Hello Universe'), 'the first answer');

  writeFileSync(greet, readFileSync(greet, 'utf8').replace("'1.2.0'", "'1.2.1'").replace('Hello', 'Howdy'));
  const reloaded = /^tosh: reloaded greet 1\.2\.1 \(\d+ ms\)$/;
  await t.until((s) => s.some((l) => reloaded.test(l)), 'the reload report');
  t.run('hello');
  const screen = await t.until((s) => s.includes('Howdy Universe') && s.at(-1) === prompt, 'the new answer');
  expect(screen.slice(1)).toEqual([
    `${prompt} hello`,
    'Hello Universe',
    expect.stringMatching(reloaded),
    `${prompt} hello`,
    'Howdy Universe',
    prompt,
  ]);

  // A broken save: the report names file, line and column, shows the line with a caret under the column,
  // and the old version answers on.
  writeFileSync(greet, readFileSync(greet, 'utf8').replace("name: 'greet',", "name: 'greet',,"));
  await t.until((s) => s.some((l) => l.startsWith('tosh: reload of greet failed')), 'the failure report');
  t.run('hello Ada');
  const after = await t.until((s) => s.includes('Howdy Ada') && s.at(-1) === prompt, 'the old version answering');
  expect(after.slice(6)).toEqual([
    'tosh: reload of greet failed: plugins/greet.ts:4:17 Expected identifier but', // wrapped at 80 columns
    '      found "," (keeping 1.2.1)',
    "4 |   name: 'greet',,",
    '                    ^',
    `${prompt} hello Ada`,
    'Howdy Ada',
    prompt,
  ]);
});
