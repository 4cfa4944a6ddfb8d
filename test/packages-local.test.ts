/**
 * Plugin packages without a registry: which packages of `$TOSH_HOME/packages`
 * are plugins, and what `plugins install` keeps of npm's error output.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockPackages, npmErrorLines } from '../commands/_packages.ts';
import { fixture, tempDir, tosh, trustTree } from './helpers/tosh.ts';

/** A package in DIR/node_modules/NAME whose plugin has one command answering with its name. */
function installed(project: string, name: string, fields: Record<string, unknown> = { tosh: { sdk: '^1.0.0' } }): string {
  const dir = join(project, 'node_modules', name);
  mkdirSync(dir, { recursive: true });
  const command = name.replace(/^@[^/]+\//, '');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'index.js', ...fields }));
  writeFileSync(
    join(dir, 'index.js'),
    `const { definePlugin, defineCommand } = require('tosh/plugin-sdk');
module.exports = definePlugin({ name: '${command}', version: '1.0.0', commands: { '${command}': defineCommand({ run: () => '${command} here' }) } });
`,
  );
  return dir;
}

describe('the packages directory', () => {
  it('loads the direct dependencies that have a "tosh" field, scoped ones too, and nothing else', async () => {
    const home = tempDir('tosh-home-');
    const project = join(home, 'packages');
    installed(project, 'tosh-top');
    installed(project, '@scope/tosh-scoped');
    installed(project, 'tosh-dep'); // a plugin, but only a dependency of tosh-top: not loaded
    installed(project, 'plain-dep', {}); // not a plugin at all
    installed(project, 'tosh-plain', {}); // a direct dependency without the field
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ dependencies: { 'tosh-top': '^1.0.0', '@scope/tosh-scoped': '^1.0.0', 'tosh-plain': '^1.0.0' } }),
    );
    trustTree(home);
    expect(await tosh(['-c', 'tosh-top; tosh-scoped; tosh-dep'], { home })).toEqual({
      stdout: 'tosh-top here\ntosh-scoped here\n',
      stderr: "tosh: unknown command 'tosh-dep' (did you mean 'tosh-top'?)\n",
      code: 127,
    });
    const listed = JSON.parse((await tosh(['--json', '-c', 'plugins'], { home })).stdout) as { name: string; from: string }[];
    expect(listed.filter((p) => p.from.startsWith('package'))).toMatchObject([
      { name: 'tosh-scoped', from: 'package @scope/tosh-scoped@1.0.0' },
      { name: 'tosh-top', from: 'package tosh-top@1.0.0' },
    ]);
  });

  it('ranks below $TOSH_HOME/plugins and above the built-ins', async () => {
    const home = tempDir('tosh-home-');
    const project = join(home, 'packages');
    installed(project, 'tosh-top');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ dependencies: { 'tosh-top': '^1.0.0' } }));
    mkdirSync(join(home, 'plugins'));
    writeFileSync(
      join(home, 'plugins', 'mine.js'),
      `const { definePlugin, defineCommand } = require('tosh/plugin-sdk');
module.exports = definePlugin({ name: 'mine', version: '1.0.0', commands: { 'tosh-top': defineCommand({ run: () => 'mine wins' }) } });
`,
    );
    trustTree(home);
    const result = await tosh(['-c', 'tosh-top; tosh-top:tosh-top'], { home });
    expect(result.stdout).toBe('mine wins\ntosh-top here\n');
    expect(result.code).toBe(0);
  });

  it('does not follow a link whose folder is gone', async () => {
    const home = tempDir('tosh-home-');
    const project = join(home, 'packages');
    mkdirSync(join(project, 'node_modules'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ dependencies: { 'tosh-gone': 'file:../nowhere' } }));
    trustTree(home);
    symlinkSync(join(home, 'nowhere'), join(project, 'node_modules', 'tosh-gone'));
    expect(await tosh(['-c', 'echo ok'], { home })).toEqual({ stdout: 'ok\n', stderr: '', code: 0 });
  });
});

const npm11 = (...lines: string[]) => `${lines.map((l) => `npm error ${l}`.trimEnd()).join('\n')}\n`;

describe('npmErrorLines', () => {
  it.each([
    {
      what: 'a name the registry does not have',
      stderr: npm11(
        'code E404',
        '404 Not Found - GET https://registry.npmjs.org/tosh-nope - Not found',
        '404',
        "404  'tosh-nope@*' is not in this registry.",
        '404',
        '404 Note that you can also install from a',
        '404 tarball, folder, http url, or git url.',
        'A complete log of this run can be found in: /root/.npm/_logs/x-debug-0.log',
      ),
      lines: ['E404: 404 Not Found - GET https://registry.npmjs.org/tosh-nope - Not found', "'tosh-nope@*' is not in this registry."],
    },
    {
      what: 'a registry that is down',
      stderr: npm11(
        'code ECONNREFUSED',
        'syscall connect',
        'errno ECONNREFUSED',
        'FetchError: request to http://127.0.0.1:9/x failed, reason: connect ECONNREFUSED 127.0.0.1:9',
        '    at ClientRequest.<anonymous> (/usr/lib/node_modules/npm/node_modules/minipass-fetch/lib/index.js:130:14)',
        "  code: 'ECONNREFUSED',",
        '',
        'If you are behind a proxy, please make sure that the',
        "'proxy' config is set properly.  See: 'npm help config'",
      ),
      lines: ['FetchError: request to http://127.0.0.1:9/x failed, reason: connect ECONNREFUSED 127.0.0.1:9'],
    },
    {
      what: 'a range nothing satisfies',
      stderr: npm11(
        'code ETARGET',
        'notarget No matching version found for tosh-hello@^9.0.0.',
        'notarget In most cases you or one of your dependencies are requesting',
        "notarget a package version that doesn't exist.",
      ),
      lines: ['ETARGET: No matching version found for tosh-hello@^9.0.0.'],
    },
    {
      what: "npm 9's ERR! lines",
      stderr: 'npm ERR! code E403\nnpm ERR! 403 Forbidden - GET https://r.example/x - you may not\n',
      lines: ['E403: 403 Forbidden - GET https://r.example/x - you may not'],
    },
    { what: 'nothing said at all', stderr: 'killed\n', lines: ['npm failed'] },
  ])('$what', ({ stderr, lines }) => {
    expect(npmErrorLines(stderr)).toEqual(lines);
  });
});

describe('the lock on $TOSH_HOME/packages', () => {
  it('gives up after its wait with a line that names the holder, and leaves the lock to it', async () => {
    const home = tempDir('tosh-home-');
    const holder = spawn('sleep', ['60']);
    try {
      writeFileSync(join(home, '.packages.lock'), `${holder.pid}\n`);
      let waited = 0;
      const taking = lockPackages(home, 'plugins install', { signal: new AbortController().signal, onWait: () => waited++, waitMs: 300 });
      await expect(taking).rejects.toThrow(
        `plugins install: another install (pid ${holder.pid}) still holds ${join(home, '.packages.lock')} after 0.3 s; nothing was changed`,
      );
      expect(waited).toBe(1);
      expect(readFileSync(join(home, '.packages.lock'), 'utf8')).toBe(`${holder.pid}\n`);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('is waited for within one shell too, and a lock with its pid that it does not hold is stale (a reboot)', async () => {
    const home = tempDir('tosh-home-');
    const file = join(home, '.packages.lock');
    const signal = new AbortController().signal;
    writeFileSync(file, `${process.pid}\n`);
    const release = await lockPackages(home, 'plugins install', { signal, onWait: () => expect.fail('waited') });
    expect(readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
    await expect(lockPackages(home, 'plugins update', { signal, onWait: () => {}, waitMs: 200 })).rejects.toThrow(
      `plugins update: another install (pid ${process.pid}) still holds ${file} after 0.2 s; nothing was changed`,
    );
    release();
    expect(existsSync(file)).toBe(false);
    (await lockPackages(home, 'plugins install', { signal, onWait: () => expect.fail('waited') }))();
  });
});

describe('plugins install after npm', () => {
  it('does not report an install that npm claims but did not make', async () => {
    // An npm that says yes to everything and does nothing.
    const bin = tempDir('tosh-bin-');
    writeFileSync(join(bin, 'npm'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    expect(await tosh(['-c', 'plugins install --yes tosh-anything@1'], { env: { PATH: `${bin}:${process.env.PATH}` } })).toEqual({
      stdout: '',
      stderr:
        'npm install tosh-anything@1...\ntosh: plugins install: npm finished but tosh-anything is not in package.json and node_modules; nothing was installed\n',
      code: 1,
    });
  });
});

describe('CommandError exit codes', () => {
  // Statuses outside 1–255 would wrap (300 → 44, 256 → 0: a failure read as success) or crash the exit (1.5).
  it.each([
    { command: 'fail-2', asked: '2', status: 2 },
    { command: 'fail-255', asked: '255', status: 255 },
    { command: 'fail-300', asked: '300', status: 255 },
    { command: 'fail-256', asked: '256', status: 255 },
    { command: 'fail-minus-1', asked: '-1', status: 1 },
    { command: 'fail-0', asked: '0', status: 1 },
    { command: 'fail-fraction', asked: '1.5', status: 1 },
    { command: 'fail-nan', asked: 'NaN', status: 1 },
    { command: 'fail-infinity', asked: 'Infinity', status: 1 },
  ])('$command: status $status', async ({ command, asked, status }) => {
    const plugins = fixture(join('packages', 'exit-codes'));
    expect(await tosh(['--plugins', plugins, '-c', `${command}; echo $?; ${command}`])).toEqual({
      stdout: `${status}\n`,
      stderr: `tosh: asked for ${asked}\n`.repeat(2),
      code: status,
    });
  });
});

describe('the tosh() test helper', () => {
  it('survives a shell that exits before reading all of its stdin (EPIPE)', async () => {
    expect(await tosh(['-c', 'echo done'], { stdin: 'x'.repeat(8 << 20) })).toEqual({ stdout: 'done\n', stderr: '', code: 0 });
  });
});
