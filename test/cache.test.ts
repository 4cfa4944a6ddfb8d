import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, tosh, trustTree } from './helpers/tosh.ts';

/** A plugin with one command `NAME` that returns `reply`. */
const plugin = (name: string, reply: string, extra = '') => `import { defineCommand, definePlugin } from 'tosh/plugin-sdk';
${extra}
export default definePlugin({
  name: '${name}',
  version: '1.0.0',
  description: 'The ${name} plugin',
  commands: { ${name}: defineCommand({ description: 'Reply ${reply}', run: () => '${reply}' }) },
});
`;

/** A plugin directory holding these files (trusted), and a TOSH_HOME for it. */
function setup(files: Record<string, string>): { dir: string; home: string; run: (line: string) => ReturnType<typeof tosh> } {
  const dir = join(tempDir(), 'plugins');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  trustTree(dir);
  const home = tempDir('tosh-home-');
  return { dir, home, run: (line) => tosh(['--plugins', dir, '-c', line], { home }) };
}

const manifest = (home: string) => join(home, 'cache', 'manifest.json');
const codeFiles = (home: string) => readdirSync(join(home, 'cache', 'code')).map((name) => join(home, 'cache', 'code', name));

describe('the manifest cache answers without evaluating plugins', () => {
  const marked = (marker: string) =>
    plugin('stamp', 'stamped', `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(marker)}, 'evaluated\\n');`);

  it('runs -c, scripts, help and which on a warm cache without evaluating a plugin whose commands do not run', async () => {
    const marker = join(tempDir(), 'marker');
    const { dir, home, run } = setup({ 'stamp.ts': marked(marker) });
    expect(await run('echo hi')).toEqual({ stdout: 'hi\n', stderr: '', code: 0 });
    // A cold cache learns the metadata by evaluating the plugin once.
    expect(readFileSync(marker, 'utf8')).toBe('evaluated\n');
    rmSync(marker);

    expect(await run('echo hi')).toEqual({ stdout: 'hi\n', stderr: '', code: 0 });
    const help = await run('help');
    expect(help.stdout).toMatch(/\n {2}stamp +Reply stamped\n/);
    expect(help.code).toBe(0);
    expect(await run('which stamp')).toEqual({ stdout: `stamp: stamp 1.0.0 (${join(dir, 'stamp.ts')})\n`, stderr: '', code: 0 });
    expect((await run('help stamp')).stdout).toContain('Reply stamped');
    const script = join(tempDir(), 'lines.tosh');
    writeFileSync(script, '# a script\necho one\n\necho two\n');
    expect(await tosh(['--plugins', dir, script], { home })).toEqual({ stdout: 'one\ntwo\n', stderr: '', code: 0 });
    expect(existsSync(marker)).toBe(false);

    // Its code is loaded only when one of its commands runs.
    expect(await run('stamp')).toEqual({ stdout: 'stamped\n', stderr: '', code: 0 });
    expect(readFileSync(marker, 'utf8')).toBe('evaluated\n');
  });
});

describe('the cache is never stale', () => {
  it('sees an edit at the next start', async () => {
    const { dir, run } = setup({ 'greet.ts': plugin('greet', 'hello') });
    expect((await run('greet')).stdout).toBe('hello\n');
    writeFileSync(join(dir, 'greet.ts'), plugin('greet', 'howdy there'));
    expect(await run('greet')).toEqual({ stdout: 'howdy there\n', stderr: '', code: 0 });
    expect((await run('help')).stdout).toMatch(/\n {2}greet +Reply howdy there\n/);
  });

  it('sees an edit that keeps the size and forges the mtime (touch -r)', async () => {
    const { dir, run } = setup({ 'greet.ts': plugin('greet', 'hello') });
    const file = join(dir, 'greet.ts');
    expect((await run('greet')).stdout).toBe('hello\n');
    const before = statSync(file);
    const reference = join(dir, '..', 'reference');
    execFileSync('touch', ['-r', file, reference]);
    writeFileSync(file, plugin('greet', 'HELLO'));
    execFileSync('touch', ['-r', reference, file]);
    expect(statSync(file, { bigint: true }).mtimeNs).toBe(statSync(reference, { bigint: true }).mtimeNs);
    expect(statSync(file).size).toBe(before.size);
    expect(await run('greet')).toEqual({ stdout: 'HELLO\n', stderr: '', code: 0 });
  });

  it('sees a file replaced by another of the same size and mtime (rename over it)', async () => {
    const { dir, run } = setup({ 'greet.ts': plugin('greet', 'hello') });
    const file = join(dir, 'greet.ts');
    expect((await run('greet')).stdout).toBe('hello\n');
    const other = join(dir, '..', 'other.ts');
    writeFileSync(other, plugin('greet', 'jello'));
    execFileSync('touch', ['-r', file, other]);
    renameSync(other, file);
    expect(await run('greet')).toEqual({ stdout: 'jello\n', stderr: '', code: 0 });
  });

  it('sees an added and a deleted plugin', async () => {
    const { dir, run } = setup({ 'greet.ts': plugin('greet', 'hello') });
    expect((await run('greet')).stdout).toBe('hello\n');
    writeFileSync(join(dir, 'wave.ts'), plugin('wave', 'waving'));
    trustTree(dir);
    expect(await run('wave')).toEqual({ stdout: 'waving\n', stderr: '', code: 0 });
    rmSync(join(dir, 'greet.ts'));
    expect(await run('greet')).toEqual({ stdout: '', stderr: "tosh: unknown command 'greet'\n", code: 127 });
    expect((await run('help')).stdout).not.toContain('greet');
  });

  it('sees a change to a file that a folder plugin imports, and a file added beside it', async () => {
    const { dir, run } = setup({
      'folder/index.ts': `import { defineCommand, definePlugin } from 'tosh/plugin-sdk';
import { reply } from './reply';
export default definePlugin({ name: 'folder', version: '1.0.0', commands: { folder: defineCommand({ run: () => reply }) } });
`,
      'folder/reply.js': `export const reply = 'from js';\n`,
    });
    expect((await run('folder')).stdout).toBe('from js\n');
    writeFileSync(join(dir, 'folder', 'reply.js'), `export const reply = 'edited js';\n`);
    expect((await run('folder')).stdout).toBe('edited js\n');
    // esbuild prefers reply.ts to reply.js: adding one changes what the import means.
    writeFileSync(join(dir, 'folder', 'reply.ts'), `export const reply: string = 'from ts';\n`);
    trustTree(dir);
    expect(await run('folder')).toEqual({ stdout: 'from ts\n', stderr: '', code: 0 });
  });

  it('does not keep a build error once the file is fixed, or the missing import is created', async () => {
    const { dir, run } = setup({
      'broken.ts': `import { definePlugin } from 'tosh/plugin-sdk';\nexport default definePlugin({ name: 'broken', version: '1.0.0', commands: {} ;\n`,
      'needy.ts': `import { defineCommand, definePlugin } from 'tosh/plugin-sdk';
import { reply } from './_reply.ts';
export default definePlugin({ name: 'needy', version: '1.0.0', commands: { needy: defineCommand({ run: () => reply }) } });
`,
    });
    const first = await run('echo ok');
    expect(first.stdout).toBe('ok\n');
    expect(first.stderr).toContain(`tosh: failed to load ${join(dir, 'broken.ts')}:2:`);
    expect(first.stderr).toContain(`tosh: failed to load ${join(dir, 'needy.ts')}:2:`);
    // The failure is cached: the same errors, from the cache.
    expect((await run('echo ok')).stderr).toBe(first.stderr);

    writeFileSync(join(dir, 'broken.ts'), plugin('broken', 'mended'));
    writeFileSync(join(dir, '_reply.ts'), `export const reply = 'found';\n`);
    trustTree(dir);
    expect(await run('broken')).toEqual({ stdout: 'mended\n', stderr: '', code: 0 });
    expect(await run('needy')).toEqual({ stdout: 'found\n', stderr: '', code: 0 });
  });
});

describe("a folder plugin's package.json", () => {
  it('is remembered between starts, and a change to it (same size, or a new main) is seen at the next start', async () => {
    const { dir, home, run } = setup({
      'duo/a.ts': plugin('duo', 'from a'),
      'duo/b.ts': plugin('duo', 'from b'),
      'duo/c.ts': plugin('duo', 'from c'),
      'duo/package.json': JSON.stringify({ name: 'duo', main: './a.ts' }),
    });
    expect(await run('duo')).toEqual({ stdout: 'from a\n', stderr: '', code: 0 });
    expect(await run('duo')).toEqual({ stdout: 'from a\n', stderr: '', code: 0 });
    // The same number of bytes: only its times and the content differ.
    writeFileSync(join(dir, 'duo/package.json'), JSON.stringify({ name: 'duo', main: './b.ts' }));
    expect(await run('duo')).toEqual({ stdout: 'from b\n', stderr: '', code: 0 });
    writeFileSync(join(dir, 'duo/package.json'), JSON.stringify({ name: 'duo', exports: { '.': './c.ts' } }));
    expect(await run('duo')).toEqual({ stdout: 'from c\n', stderr: '', code: 0 });
    // A damaged memo is ignored.
    const data = JSON.parse(readFileSync(manifest(home), 'utf8')) as { folders: Record<string, unknown> };
    expect(Object.keys(data.folders)).toEqual([join(dir, 'duo', 'package.json')]);
    for (const key of Object.keys(data.folders)) data.folders[key] = ['x', 5, 'y'];
    writeFileSync(manifest(home), JSON.stringify(data));
    expect(await run('duo')).toEqual({ stdout: 'from c\n', stderr: '', code: 0 });
  });
});

describe('a damaged cache is ignored and rebuilt', () => {
  const damages: [string, (home: string) => void][] = [
    ['garbage', (home) => writeFileSync(manifest(home), 'not json at all \u0000\u0001')],
    ['truncated', (home) => truncateSync(manifest(home), Math.floor(statSync(manifest(home)).size / 2))],
    ['empty', (home) => writeFileSync(manifest(home), '')],
    ['JSON of the wrong shape', (home) => writeFileSync(manifest(home), '[1, 2, 3]')],
    [
      'entries of the wrong shape',
      (home) => {
        const data = JSON.parse(readFileSync(manifest(home), 'utf8')) as { entries: Record<string, Record<string, unknown>> };
        const bad: unknown[] = [5, null, { inputs: [7] }, { inputs: 'x' }];
        for (const [i, key] of Object.keys(data.entries).entries()) {
          const entry = data.entries[key] as Record<string, unknown>;
          // Fingerprints that still match, with the rest damaged.
          if (key.endsWith('greet.ts')) data.entries[key] = { ...entry, meta: { name: 3, commands: { greet: 'y' } } };
          else if (key.endsWith('wave.ts')) data.entries[key] = { ...entry, code: '../../../etc/passwd', meta: undefined };
          else data.entries[key] = bad[i % bad.length] as Record<string, unknown>;
        }
        writeFileSync(manifest(home), JSON.stringify(data));
      },
    ],
    [
      'metadata whose command specs are damaged',
      (home) => {
        const data = JSON.parse(readFileSync(manifest(home), 'utf8')) as { entries: Record<string, { meta?: { specs: string } }> };
        for (const entry of Object.values(data.entries)) if (entry.meta) entry.meta.specs = '{"greet": 5, "wave": {}}';
        writeFileSync(manifest(home), JSON.stringify(data));
      },
    ],
    [
      'truncated code files',
      (home) => {
        for (const file of codeFiles(home)) truncateSync(file, 10);
      },
    ],
    [
      'deleted code files',
      (home) => {
        for (const file of codeFiles(home)) rmSync(file);
      },
    ],
    [
      'garbage code files',
      (home) => {
        for (const file of codeFiles(home)) writeFileSync(file, 'throw new Error("boom")');
      },
    ],
  ];

  it.each(damages)('%s', async (_name, damage) => {
    const { home, run } = setup({ 'greet.ts': plugin('greet', 'hello'), 'wave.ts': plugin('wave', 'waving') });
    expect(await run('greet ; wave')).toEqual({ stdout: 'hello\nwaving\n', stderr: '', code: 0 });
    expect(await run('greet')).toEqual({ stdout: 'hello\n', stderr: '', code: 0 });
    damage(home);
    expect(await run('greet ; wave ; echo hi')).toEqual({ stdout: 'hello\nwaving\nhi\n', stderr: '', code: 0 });
    expect((await run('help')).stdout).toMatch(/\n {2}greet +Reply hello\n/);
    // Rebuilt: valid again, and a warm start still answers right.
    expect(() => JSON.parse(readFileSync(manifest(home), 'utf8'))).not.toThrow();
    expect(await run('wave ; greet')).toEqual({ stdout: 'waving\nhello\n', stderr: '', code: 0 });
  });
});

describe('shells starting together', () => {
  it('ten shells on one cold cache all answer right and leave a valid manifest', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 8; i++) files[`p${i}.ts`] = plugin(`p${i}`, `reply ${i}`);
    const { dir, home } = setup(files);
    const line = Array.from({ length: 8 }, (_, i) => `p${i}`).join(' ; ');
    const expected = { stdout: Array.from({ length: 8 }, (_, i) => `reply ${i}\n`).join(''), stderr: '', code: 0 };
    const results = await Promise.all(Array.from({ length: 10 }, () => tosh(['--plugins', dir, '-c', line], { home, timeoutMs: 60000 })));
    for (const result of results) expect(result).toEqual(expected);
    const data = JSON.parse(readFileSync(manifest(home), 'utf8')) as { entries: Record<string, unknown> };
    for (let i = 0; i < 8; i++) expect(Object.keys(data.entries)).toContain(join(dir, `p${i}.ts`));
    expect(readdirSync(join(home, 'cache')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    // And the warm cache they left serves the next ten.
    const again = await Promise.all(Array.from({ length: 10 }, () => tosh(['--plugins', dir, '-c', line], { home, timeoutMs: 60000 })));
    for (const result of again) expect(result).toEqual(expected);
  }, 120000);
});
