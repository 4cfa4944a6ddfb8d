import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CommandError, defineCommand, definePlugin, z } from 'tosh/plugin-sdk';
import { COMPILER_OPTIONS, packageScaffold } from './_new-package.ts';

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const PLUGIN_EXTENSIONS = ['.ts', '.tsx', '.mts', '.js', '.mjs'];

/**
 * The shell's own folder. Built-in plugins are evaluated with `__dirname` set to
 * the folder of their file (the project's `commands/`), bundled or not.
 */
const shellRoot = () => resolve(__dirname, '..');

/** `$TOSH_HOME/plugins`, with TOSH_HOME found as the shell finds it. */
function defaultDir(env: Readonly<Record<string, string | undefined>>): string {
  if (env.TOSH_HOME) return join(env.TOSH_HOME, 'plugins');
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'tosh', 'plugins');
  return join(env.HOME || homedir(), '.config', 'tosh', 'plugins');
}

function pluginSource(name: string, sdkRange: string): string {
  return `import { defineCommand, definePlugin, z } from 'tosh/plugin-sdk';

export default definePlugin({
  name: '${name}',
  version: '0.1.0',
  sdk: '${sdkRange}',
  description: 'What ${name} does, in one line',
  commands: {
    '${name}': defineCommand({
      description: 'Say hello (change me)',
      args: z.object({ name: z.string().default('world').describe('Who to greet') }),
      flags: z.object({ loud: z.boolean().default(false).describe('Shout it') }),
      short: { l: 'loud' },
      examples: ['${name} Ada', '${name} Ada --loud'],
      run({ args, flags }) {
        const text = \`Hello, \${args.name}!\`;
        return flags.loud ? text.toUpperCase() : text;
      },
    }),
  },
});
`;
}

function testSource(name: string, from: string): string {
  return `import { runCommand } from 'tosh/plugin-sdk/testing';
import { describe, expect, it } from 'vitest';
import plugin from '${from}';

describe('${name}', () => {
  it('says hello', async () => {
    expect(await runCommand(plugin, '${name} Ada')).toMatchObject({ stdout: 'Hello, Ada!\\n', exitCode: 0 });
  });

  it('shouts with --loud', async () => {
    const { stdout } = await runCommand(plugin, '${name} Ada -l');
    expect(stdout).toBe('HELLO, ADA!\\n');
  });

  it('refuses an unknown flag with a usage error', async () => {
    const { stderr, exitCode } = await runCommand(plugin, '${name} --quiet');
    expect(stderr).toBe("tosh: ${name}: unknown flag '--quiet'\\n");
    expect(exitCode).toBe(2);
  });
});
`;
}

/** The type declarations of an installed package (path mapping does not read `exports`, so name the file). */
function typesOf(pkgDir: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { types?: string; exports?: unknown };
    const root = (pkg.exports as Record<string, unknown> | undefined)?.['.'] ?? pkg.exports;
    const conditions = typeof root === 'object' && root !== null ? (root as Record<string, unknown>) : {};
    const imported = conditions.import as Record<string, unknown> | undefined;
    const types = pkg.types ?? conditions.types ?? imported?.types;
    return typeof types === 'string' ? join(pkgDir, types) : pkgDir;
  } catch {
    return pkgDir;
  }
}

/** The shared libraries a plugin may import without installing them, and where their types are. */
function tsconfig(root: string): string {
  const modules = join(root, 'node_modules');
  const paths: Record<string, string[]> = {
    'tosh/plugin-sdk': [join(root, 'plugin-sdk', 'index.ts')],
    'tosh/plugin-sdk/testing': [join(root, 'plugin-sdk', 'testing.ts')],
    react: [join(modules, '@types', 'react')],
    'react/*': [join(modules, '@types', 'react', '*')],
  };
  for (const id of ['zod', 'ink', 'chalk', '@inkjs/ui', 'vitest']) {
    paths[id] = [typesOf(join(modules, id))];
    paths[`${id}/*`] = [join(modules, id, '*')];
  }
  const config = {
    // Written by `tosh new`: type-checks these plugins against the shell at ${root}, no npm install needed.
    compilerOptions: {
      ...COMPILER_OPTIONS,
      resolveJsonModule: true,
      types: ['node'],
      typeRoots: [join(modules, '@types')],
      paths,
    },
    include: ['**/*.ts', '**/*.tsx', '**/*.mts'],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

function vitestConfig(root: string): string {
  const at = (path: string) => JSON.stringify(join(root, path));
  return `// Written by \`tosh new\`: lets vitest find tosh/plugin-sdk and the libraries the shell shares with plugins.
module.exports = {
  resolve: {
    alias: [
      { find: /^tosh\\/plugin-sdk$/, replacement: ${at('plugin-sdk/index.ts')} },
      { find: /^tosh\\/plugin-sdk\\/testing$/, replacement: ${at('plugin-sdk/testing.ts')} },
      { find: /^(zod|react|ink|chalk|@inkjs\\/ui)(\\/.*)?$/, replacement: ${at('node_modules')} + '/$1$2' },
    ],
  },
};
`;
}

/** `new NAME --package`: a publishable plugin package in DIR/NAME. */
function newPackage(
  name: string,
  dir: string,
  root: string,
  shell: { sdkVersion: string; version: string },
  shown: (path: string) => string,
): string {
  const base = join(dir, name);
  if (existsSync(base)) throw new CommandError(`new: ${shown(base)} already exists; choose another name or remove it first`);
  const sdkRange = `^${shell.sdkVersion.split('.')[0]}.0.0`;
  const files = packageScaffold(name, {
    sdkRange,
    shellVersion: shell.version,
    shellRoot: root,
    plugin: pluginSource(name, sdkRange),
    test: testSource(name, './index.ts'),
  });
  mkdirSync(base, { recursive: true });
  for (const [file, text] of files) writeFileSync(join(base, file), text, { flag: 'wx', mode: 0o644 });
  return [
    `Created plugin package 'tosh-plugin-${name}':`,
    ...files.map(([file]) => `  ${shown(join(base, file))}`),
    '',
    `Set it up:  cd ${shown(base)} && npm install && npm test`,
    `Try it:     plugins link ${shown(base)}   (reloaded on every save)`,
    `Publish it: npm publish   (then anyone can: plugins install tosh-plugin-${name})`,
  ].join('\n');
}

export default definePlugin({
  name: 'new',
  version: '1.0.0',
  description: 'Start a new plugin',
  commands: {
    new: defineCommand({
      description: 'Write a new plugin with a test and an editor set-up',
      args: z.object({
        name: z.string().describe('Name of the plugin and its command (kebab-case)'),
      }),
      flags: z.object({
        dir: z.string().optional().describe('Plugin directory to write to (default: $TOSH_HOME/plugins)'),
        folder: z.boolean().default(false).describe('Write a folder plugin (package.json, index.ts) that may have npm dependencies'),
        package: z.boolean().default(false).describe('Write a publishable npm package (in ./NAME, or under --dir)'),
      }),
      short: { d: 'dir', f: 'folder' },
      examples: ['new weather', 'new weather --folder', 'new weather --dir ./plugins'],
      run({ args, flags }, ctx) {
        const { name } = args;
        if (!KEBAB.test(name))
          throw new CommandError(`new: the name must be kebab-case, such as my-plugin; got '${name}'`, { exitCode: 2 });
        const home = ctx.env.HOME || homedir();
        const shown = (path: string) => (path === home || path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path);
        const taken = ctx.shell.resolve(name);
        if (taken) {
          throw new CommandError(
            `new: there is already a command '${name}' (plugin ${taken.plugin}, ${taken.source}); choose another name`,
          );
        }
        const root = shellRoot();
        if (!existsSync(join(root, 'plugin-sdk', 'index.ts'))) {
          throw new CommandError(`new: cannot find the plugin SDK of this shell in ${root}`);
        }
        if (flags.package) return newPackage(name, resolve(ctx.cwd, flags.dir ?? '.'), root, ctx.shell, shown);
        const dir = resolve(ctx.cwd, flags.dir ?? defaultDir(ctx.env));
        const base = flags.folder ? join(dir, name) : dir;
        const entry = flags.folder ? 'index.ts' : `${name}.ts`;
        const clash = [join(dir, name), ...PLUGIN_EXTENSIONS.map((ext) => join(dir, name + ext)), join(dir, `${name}.test.ts`)].find((p) =>
          existsSync(p),
        );
        if (clash) throw new CommandError(`new: ${shown(clash)} already exists; choose another name or remove it first`);

        const major = ctx.shell.sdkVersion.split('.')[0];
        const files: [string, string][] = [
          [join(base, entry), pluginSource(name, `^${major}.0.0`)],
          [join(base, entry.replace(/\.ts$/, '.test.ts')), testSource(name, `./${entry}`)],
        ];
        if (flags.folder) {
          const pkg = { name: `tosh-plugin-${name}`, version: '0.1.0', private: true, type: 'module', exports: './index.ts' };
          files.unshift([join(base, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`]);
        }
        const kept: string[] = [];
        for (const [file, text] of [
          [join(base, 'tsconfig.json'), tsconfig(root)],
          [join(base, 'vitest.config.cjs'), vitestConfig(root)],
        ] as const) {
          if (existsSync(file)) kept.push(file);
          else files.push([file, text]);
        }
        for (const [file, text] of files) {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, text, { flag: 'wx', mode: 0o644 });
        }

        const vitest = join(root, 'node_modules', '.bin', 'vitest');
        const lines = [`Created plugin '${name}':`, ...files.map(([file]) => `  ${shown(file)}`)];
        if (kept.length > 0) lines.push(...kept.map((file) => `  ${shown(file)} (kept as it was)`));
        const runner = existsSync(vitest) ? vitest : 'npx vitest';
        if (ctx.interactive) {
          // Inside the shell: the command is one line away (the shell watches its plugin folders).
          lines.push(
            '',
            flags.dir === undefined
              ? `Try it:  ${name} Ada`
              : `Try it:  ${name} Ada  (if ${shown(dir)} is not one of this shell's plugin folders: tosh --plugins ${shown(dir)})`,
            `Test it: ${runner} run --root ${shown(base)}`,
          );
        } else {
          lines.push(
            '',
            `Try it:  tosh ${flags.dir === undefined ? '' : `--plugins ${shown(dir)} `}-c '${name} Ada'`,
            `Test it: cd ${shown(base)} && ${runner} run`,
          );
        }
        return lines.join('\n');
      },
    }),
  },
});
