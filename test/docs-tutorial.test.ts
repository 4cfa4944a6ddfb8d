/**
 * Replays docs/tutorial.md as a new user would, on a fresh home directory:
 * each ```ts file=NAME block is written into ~/.config/tosh/plugins, and each
 * ```console block's `$ tosh …` lines are run with the real binary, their
 * output (stderr, then stdout) compared with the lines under them.
 * After a deliberate change of output, TOSH_UPDATE_DOCS=1 rewrites the outputs
 * in the page (review the diff: it is what users will read).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docsUpdate, rewrote } from './helpers/docs-update.ts';
import { ROOT, tempDir, tosh, trustTree } from './helpers/tosh.ts';

const TUTORIAL = join(ROOT, 'docs', 'tutorial.md');

interface Block {
  info: string;
  body: string;
  line: number;
}

/** The fenced code blocks of a markdown text, in order. */
function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S.*)?$/.exec(lines[i] as string);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    while (++i < lines.length && lines[i] !== '```') body.push(lines[i] as string);
    blocks.push({ info: open[1] ?? '', body: body.length > 0 ? `${body.join('\n')}\n` : '', line: start + 1 });
  }
  return blocks;
}

/** Split a command line into words like a POSIX shell (quotes only; enough for the docs). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unbalanced quote in: ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === ' ') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** `$ command` lines with the output lines under each. */
function commands(body: string): { command: string; output: string }[] {
  const out: { command: string; output: string }[] = [];
  for (const line of body.split('\n').slice(0, -1)) {
    if (line.startsWith('$ ')) out.push({ command: line.slice(2), output: '' });
    else if (out.length > 0) (out[out.length - 1] as { output: string }).output += `${line}\n`;
    else throw new Error(`output before any $ command: ${line}`);
  }
  return out;
}

/**
 * Replay a page: write its file blocks into ~/.config/tosh/plugins and run its
 * console blocks in `cwd`, with HOME = `home` (and no TOSH_HOME, so the paths
 * are the ones a new user has). TOSH_UPDATE_DOCS rewrites the outputs instead.
 */
async function replay(page: string, home: string, start: string): Promise<void> {
  const plugins = join(home, '.config', 'tosh', 'plugins');
  const env = { TOSH_HOME: undefined, XDG_CONFIG_HOME: undefined };
  const shown = (text: string) => text.replaceAll(home, '~').replaceAll(ROOT.replace(/\/$/, ''), '/path/to/tosh');
  let cwd = start;
  const path = (word: string) => resolve(cwd, word.replace(/^~(?=\/|$)/, home));
  const update = docsUpdate();
  const rewritten = new Map<number, string>();
  const name = page.slice(ROOT.length);

  for (const block of codeBlocks(readFileSync(page, 'utf8'))) {
    const file = /\bfile=(\S+)/.exec(block.info)?.[1];
    if (file) {
      mkdirSync(plugins, { recursive: true });
      writeFileSync(join(plugins, file), block.body);
      continue;
    }
    if (block.info !== 'console') continue;
    let actual = '';
    for (const { command, output } of commands(block.body)) {
      actual += `$ ${command}\n`;
      const [program, ...args] = shellWords(command);
      const where = `${name}:${block.line}: $ ${command}`;
      if (program === 'cd') cwd = path(args[0] ?? '~');
      else if (program === 'mv') renameSync(path(args[0] as string), path(args[1] as string));
      else if (program === 'tosh') {
        const result = await tosh(args, { home, env, cwd });
        actual += shown(result.stderr + result.stdout);
        // A block being rewritten fails the test at the end (rewrote); one that matches is checked in full.
        if (update && shown(result.stderr + result.stdout) !== output) continue;
        expect(shown(result.stderr + result.stdout), where).toBe(output);
        expect(result.code === 0, `${where}: exit status ${result.code}`).toBe(!/^tosh: /m.test(output));
      } else throw new Error(`${where}: the docs test cannot run '${program}'`);
    }
    if (actual !== block.body) rewritten.set(block.line, actual);
  }
  if (update && rewritten.size > 0) {
    const lines = readFileSync(page, 'utf8').split('\n');
    for (const [line, body] of [...rewritten].sort(([a], [b]) => b - a)) {
      const end = lines.indexOf('```', line);
      lines.splice(line, end - line, ...body.slice(0, -1).split('\n'));
    }
    writeFileSync(page, lines.join('\n'));
    throw rewrote(name);
  }
}

describe('docs/tutorial.md', () => {
  it('has the blocks this test knows how to check', () => {
    const blocks = codeBlocks(readFileSync(TUTORIAL, 'utf8'));
    const kinds = blocks.map((b) => b.info.split(' ')[0]);
    expect(kinds.filter((k) => !['ts', 'tsx', 'console', 'sh', 'text'].includes(k ?? ''))).toEqual([]);
    expect(blocks.filter((b) => b.info === 'console').length).toBeGreaterThanOrEqual(6);
  });

  it('works as written, step by step', { timeout: 180_000 }, async () => {
    const home = tempDir('tosh-tutorial-');
    const plugins = join(home, '.config', 'tosh', 'plugins');
    await replay(TUTORIAL, home, home);

    // The tutorial ends with the example plugin and its test, file for file…
    expect(readFileSync(join(plugins, 'greet.tsx'), 'utf8')).toBe(readFileSync(join(ROOT, 'docs', 'examples', 'greet.tsx'), 'utf8'));
    expect(readFileSync(join(plugins, 'greet.test.ts'), 'utf8')).toBe(
      readFileSync(join(ROOT, 'docs', 'examples', 'greet.test.ts'), 'utf8'),
    );

    // …which type-check with the tsconfig.json that `tosh new` wrote…
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', plugins], {
      encoding: 'utf8',
    });
    expect(tsc.stdout + tsc.stderr).toBe('');

    // …and whose test passes with the command `tosh new` printed.
    const vitest = spawnSync(join(ROOT, 'node_modules', '.bin', 'vitest'), ['run'], {
      cwd: plugins,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
    });
    expect(vitest.stdout).toContain('Tests  6 passed (6)');
    expect(vitest.status).toBe(0);
  });
});

describe('README.md', () => {
  it('shows a session that happens as written', { timeout: 60_000 }, async () => {
    const home = tempDir('tosh-readme-');
    const checkout = tempDir('tosh-checkout-');
    cpSync(join(ROOT, 'docs', 'examples'), join(checkout, 'docs', 'examples'), { recursive: true });
    trustTree(checkout);
    await replay(join(ROOT, 'README.md'), home, checkout);
  });

  it('keeps the two quick-start commands', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm install && npm test');
  });
});
