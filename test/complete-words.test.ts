// Word sources that need no program: `$` variables, `~` users, `cd` directories, `%` jobs, file names.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { directories, files, jobs, programs, users, variables } from '../shell/complete/words/index.ts';
import { project } from './fixtures/complete/projects.ts';
import { tempDir } from './helpers/tosh.ts';

describe('variables', () => {
  const env = { HOME: '/home/me', HOSTNAME: 'box', PATH: '/usr/bin', HO_HUM: 'a\nmulti-line value' };

  it.each([
    ['$HO', ['$HOME', '$HOSTNAME', '$HO_HUM']],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's `${name}`, as typed
    ['${HO', ['${HOME}', '${HOSTNAME}', '${HO_HUM}']],
    ['dir/$PA', ['dir/$PATH']],
    ['$', ['$HOME', '$HOSTNAME', '$HO_HUM', '$PATH']],
    ['$HOME/x', []],
    ['plain', []],
  ])('%s', (word, expected) => {
    expect(variables(word, env).map((c) => c.word)).toEqual(expected);
  });

  it('echo $HO: described by their values, on one line', () => {
    expect(variables('$HO', env)).toEqual([
      { word: '$HOME', description: '/home/me' },
      { word: '$HOSTNAME', description: 'box' },
      { word: '$HO_HUM', description: 'a multi-line value' },
    ]);
  });

  it('names alone (shell variables without values)', () => {
    expect(variables('$x', new Set(['xa', 'xb', 'y']))).toEqual([{ word: '$xa' }, { word: '$xb' }]);
  });
});

describe('users', () => {
  it('~ro: root from /etc/passwd, as a directory', async () => {
    expect(await users('~ro')).toContainEqual({ word: '~root/', description: 'root', partial: true });
  });

  it('reads the passwd file it is given; a full name describes', async () => {
    const passwd = join(tempDir(), 'passwd');
    writeFileSync(
      passwd,
      [
        'alice:x:1000:1000:Alice Liddell,,,:/home/alice:/bin/bash',
        'al:x:1001:1001::/home/al:/bin/sh',
        'bob:x:1002:1002::/b:/bin/sh',
        '',
      ].join('\n'),
    );
    expect(await users('~al', { passwd })).toEqual([
      { word: '~al/', description: '/home/al', partial: true },
      { word: '~alice/', description: 'Alice Liddell', partial: true },
    ]);
    expect(await users('~al/x', { passwd })).toEqual([]);
    expect(await users('al', { passwd })).toEqual([]);
  });
});

describe('directories and files', () => {
  const dir = project({ 'src/a.ts': '', 'scripts/run.sh': '', 'setup.txt': '', '.secret/x': '' });

  it('cd s: directories only', () => {
    expect(directories('s', dir)).toEqual([
      { word: 'scripts/', partial: true },
      { word: 'src/', partial: true },
    ]);
  });

  it('dot directories once a dot is typed; ~/ is home', () => {
    expect(directories('', dir).map((c) => c.word)).toEqual(['scripts/', 'src/']);
    expect(directories('.s', dir).map((c) => c.word)).toEqual(['.secret/']);
    expect(directories('~/s', '/', { home: dir }).map((c) => c.word)).toEqual(['~/scripts/', '~/src/']);
  });

  it('CDPATH: the directories under each entry too, described by it', () => {
    const elsewhere = project({ 'sites/x': '' });
    expect(directories('si', dir, { cdpath: elsewhere })).toEqual([{ word: 'sites/', partial: true, description: elsewhere }]);
    expect(directories('./si', dir, { cdpath: elsewhere })).toEqual([]);
  });

  it('files: in a subdirectory, directories partial', () => {
    expect(files('s', dir)).toEqual([{ word: 'scripts/', partial: true }, { word: 'setup.txt' }, { word: 'src/', partial: true }]);
    expect(files('src/', dir)).toEqual([{ word: 'src/a.ts' }]);
    expect(files('nowhere/x', dir)).toEqual([]);
  });
});

describe('jobs', () => {
  const list = [
    { spec: '%1', line: 'sleep 100' },
    { spec: '%2', line: 'vim notes.txt' },
  ];

  it.each([
    ['%', ['%1', '%2']],
    ['%2', ['%2']],
    ['%vi', ['%vim']],
    ['%9', []],
    ['1', []],
  ])('%s', (word, expected) => {
    expect(jobs(word, list).map((c) => c.word)).toEqual(expected);
  });

  it('described by their command lines', () => {
    expect(jobs('%', list)).toEqual([
      { word: '%1', description: 'sleep 100' },
      { word: '%2', description: 'vim notes.txt' },
    ]);
    expect(jobs('%s', list)).toEqual([{ word: '%sleep', description: '%1: sleep 100' }]);
  });
});

describe('programs on PATH', () => {
  it('the executables whose names start so', () => {
    const bin = project({ 'tool-a': '', 'tool-b': '', other: '', 'tool-c.txt': '' });
    for (const name of ['tool-a', 'tool-b', 'other']) chmodSync(join(bin, name), 0o755);
    expect(programs('tool', bin)).toEqual([{ word: 'tool-a' }, { word: 'tool-b' }]);
  });
});
