import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir, tosh } from './helpers/tosh.ts';

const VITEST = join(ROOT, 'node_modules', '.bin', 'vitest');

/** `tsc --noEmit -p <tsconfig>` with the shell's TypeScript, as an editor would check the plugin. */
function typecheck(project: string): { code: number | null; output: string } {
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', project], {
    encoding: 'utf8',
  });
  return { code: result.status, output: result.stdout + result.stderr };
}

describe('tosh new', () => {
  // tsc and vitest runs take several seconds on a busy machine.
  it('writes a file plugin, its test and an editor set-up into --dir', { timeout: 90_000 }, async () => {
    const dir = join(tempDir(), 'plugins');
    expect(await tosh(['-c', `new weather --dir ${dir}`])).toEqual({
      stdout: [
        "Created plugin 'weather':",
        `  ${dir}/weather.ts`,
        `  ${dir}/weather.test.ts`,
        `  ${dir}/tsconfig.json`,
        `  ${dir}/vitest.config.cjs`,
        '',
        `Try it:  tosh --plugins ${dir} -c 'weather Ada'`,
        `Test it: cd ${dir} && ${VITEST} run`,
        '',
      ].join('\n'),
      stderr: '',
      code: 0,
    });
    expect(readdirSync(dir).sort()).toEqual(['tsconfig.json', 'vitest.config.cjs', 'weather.test.ts', 'weather.ts']);

    // The plugin works in the shell as written…
    expect(await tosh(['--plugins', dir, '-c', 'weather Ada ; weather -l ; help weather'])).toEqual({
      stdout: [
        'Hello, Ada!',
        'HELLO, WORLD!',
        'Usage: weather [name] [flags]',
        '',
        'Say hello (change me)',
        '',
        'Arguments:',
        '  name <string>  Who to greet (default: "world")',
        '',
        'Flags:',
        '  -l, --loud  Shout it',
        '',
        'Examples:',
        '  weather Ada',
        '  weather Ada --loud',
        '',
        `From plugin weather (${dir}/weather.ts); also reachable as weather:weather.`,
        '',
      ].join('\n'),
      stderr: '',
      code: 0,
    });

    // …type-checks against the shell's SDK with no npm install…
    expect(typecheck(join(dir, 'tsconfig.json'))).toEqual({ code: 0, output: '' });
    // (and the check is real: a typo in `run` is caught)
    const source = readFileSync(join(dir, 'weather.ts'), 'utf8');
    writeFileSync(join(dir, 'weather.ts'), source.replace('args.name', 'args.nmae'));
    const broken = typecheck(join(dir, 'tsconfig.json'));
    expect(broken.code).toBe(2);
    expect(broken.output).toMatch(/weather\.ts\(\d+,\d+\): error TS2339: Property 'nmae' does not exist on type '\{ name: string; \}'/);
    writeFileSync(join(dir, 'weather.ts'), source);

    // …and its test passes with vitest, run from the plugin directory.
    const test = spawnSync(VITEST, ['run'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined } });
    expect(test.stdout).toContain('Tests  3 passed (3)');
    expect(test.status).toBe(0);
  });

  it('writes a folder plugin with --folder', { timeout: 60_000 }, async () => {
    const dir = join(tempDir(), 'plugins');
    const { stdout, code } = await tosh(['-c', `new box --folder --dir ${dir}`]);
    expect(code).toBe(0);
    expect(stdout.split('\n').slice(0, 6)).toEqual([
      "Created plugin 'box':",
      `  ${dir}/box/package.json`,
      `  ${dir}/box/index.ts`,
      `  ${dir}/box/index.test.ts`,
      `  ${dir}/box/tsconfig.json`,
      `  ${dir}/box/vitest.config.cjs`,
    ]);
    expect(JSON.parse(readFileSync(join(dir, 'box', 'package.json'), 'utf8'))).toEqual({
      name: 'tosh-plugin-box',
      version: '0.1.0',
      private: true,
      type: 'module',
      exports: './index.ts',
    });
    expect(await tosh(['--plugins', dir, '-c', 'box Ada'])).toEqual({ stdout: 'Hello, Ada!\n', stderr: '', code: 0 });
    expect(typecheck(join(dir, 'box', 'tsconfig.json'))).toEqual({ code: 0, output: '' });
  });

  it('writes to $TOSH_HOME/plugins by default, and keeps a tsconfig.json that is already there', async () => {
    const home = tempDir('tosh-home-');
    expect((await tosh(['-c', 'new primo'], { home })).code).toBe(0);
    // The helper's HOME is TOSH_HOME: paths under it are shown with ~.
    expect(await tosh(['-c', 'new second'], { home })).toEqual({
      stdout: [
        "Created plugin 'second':",
        '  ~/plugins/second.ts',
        '  ~/plugins/second.test.ts',
        '  ~/plugins/tsconfig.json (kept as it was)',
        '  ~/plugins/vitest.config.cjs (kept as it was)',
        '',
        "Try it:  tosh -c 'second Ada'",
        `Test it: cd ~/plugins && ${VITEST} run`,
        '',
      ].join('\n'),
      stderr: '',
      code: 0,
    });
    expect(await tosh(['-c', 'primo Ada ; second Bob'], { home })).toEqual({ stdout: 'Hello, Ada!\nHello, Bob!\n', stderr: '', code: 0 });
  });

  it('finds the plugin directory from XDG_CONFIG_HOME, then HOME, shown with ~', async () => {
    const home = tempDir('tosh-home-');
    const xdg = join(home, 'xdg');
    const viaXdg = await tosh(['-c', 'new via-xdg'], { env: { TOSH_HOME: undefined, HOME: home, XDG_CONFIG_HOME: xdg } });
    expect(viaXdg.stdout.split('\n')[1]).toBe('  ~/xdg/tosh/plugins/via-xdg.ts');
    const viaHome = await tosh(['-c', 'new via-home'], { env: { TOSH_HOME: undefined, HOME: home } });
    expect(viaHome.stdout.split('\n')[1]).toBe('  ~/.config/tosh/plugins/via-home.ts');
  });

  it('resolves a relative --dir against the working directory', async () => {
    const cwd = tempDir();
    const { code } = await tosh(['-c', 'new here --dir plugins'], { cwd });
    expect(code).toBe(0);
    expect(readdirSync(join(cwd, 'plugins')).sort()).toEqual(['here.test.ts', 'here.ts', 'tsconfig.json', 'vitest.config.cjs']);
  });

  it('refuses to overwrite, to take a command name, or a name that is not kebab-case', async () => {
    const dir = join(tempDir(), 'plugins');
    expect((await tosh(['-c', `new weather --dir ${dir}`])).code).toBe(0);
    const before = readFileSync(join(dir, 'weather.ts'), 'utf8');
    writeFileSync(join(dir, 'weather.ts'), `${before}// mine\n`);
    expect(await tosh(['-c', `new weather --dir ${dir}`])).toEqual({
      stdout: '',
      stderr: `tosh: new: ${dir}/weather.ts already exists; choose another name or remove it first\n`,
      code: 1,
    });
    expect(readFileSync(join(dir, 'weather.ts'), 'utf8')).toBe(`${before}// mine\n`);
    expect(await tosh(['-c', `new weather --folder --dir ${dir}`])).toMatchObject({ code: 1 });
    expect(await tosh(['-c', `new echo --dir ${dir}`])).toEqual({
      stdout: '',
      stderr: `tosh: new: there is already a command 'echo' (plugin echo, ${ROOT}commands/echo.ts); choose another name\n`,
      code: 1,
    });
    expect(await tosh(['-c', 'new MyPlugin'])).toEqual({
      stdout: '',
      stderr: "tosh: new: the name must be kebab-case, such as my-plugin; got 'MyPlugin'\n",
      code: 2,
    });
  });
});
