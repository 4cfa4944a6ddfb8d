/**
 * docs/data.md runs as written: every `tosh>` line of its console blocks is
 * run with `tosh -c`, in order, in one folder holding the page's files
 * (test/fixtures/data/docs), and must print exactly the lines under it.
 */
import { cpSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './fixtures/data/sample.ts';
import { FIXTURES, ROOT, tempDir } from './helpers/tosh.ts';

interface Example {
  line: string;
  output: string;
}

/** The `tosh>` lines of the page's console blocks, each with the text printed under it. */
function examples(page: string): Example[] {
  const out: Example[] = [];
  for (const block of page.matchAll(/^```console\n([\s\S]*?)^```$/gm)) {
    for (const line of (block[1] as string).replace(/\n$/, '').split('\n')) {
      const last = out[out.length - 1];
      if (line.startsWith('tosh> ')) out.push({ line: line.slice(6), output: '' });
      else if (last) last.output += `${line}\n`;
      else throw new Error(`docs/data.md: output before any tosh> line: ${line}`);
    }
  }
  return out;
}

describe('docs/data.md', () => {
  const page = readFileSync(join(ROOT, 'docs', 'data.md'), 'utf8');
  const all = examples(page);
  const dir = realpathSync(tempDir('tosh-data-docs-'));
  cpSync(join(FIXTURES, 'data', 'docs'), dir, { recursive: true });

  it('has examples', () => {
    expect(all.length).toBeGreaterThan(20);
  });

  // In order: later examples read what earlier ones saved.
  for (const [i, example] of all.entries()) {
    it(`${i + 1}: ${example.line}`, async () => {
      const result = await run(example.line, dir);
      expect(result.stdout + result.stderr).toBe(example.output);
      // The page shows errors as they are printed; it fails exactly where it shows one.
      expect(result.code !== 0).toBe(example.output.startsWith('tosh: '));
    });
  }
});
