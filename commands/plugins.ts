import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type CommandContext, CommandError, defineCommand, definePlugin, type PluginInfo, z } from 'tosh/plugin-sdk';
import {
  absoluteSpec,
  changed,
  type Installed,
  installedIn,
  localManifest,
  type NotLoaded,
  packagesDir,
  publisher,
  refusal,
  registryName,
  type Stage,
  staged,
} from './_packages.ts';

const PLUGIN_FILE = /\.(ts|tsx|mts|js|mjs)$/;

/** Where a plugin came from: `built-in`, `file`, `folder`, `package NAME@VERSION` or `link`. */
function origin(plugin: PluginInfo, packages: Map<string, Installed>, project: string): { from: string; source: string } {
  const path = resolve(plugin.source);
  const modules = join(project, 'node_modules');
  if (path.startsWith(`${modules}/`)) {
    const pkg = packages.get(path.slice(modules.length + 1));
    if (pkg?.link) return { from: 'link', source: pkg.link };
    return { from: pkg ? `package ${pkg.name}@${pkg.version}` : 'package', source: plugin.source };
  }
  // Built-in plugins are evaluated with __dirname set to the folder of their file.
  if (dirname(path) === resolve(__dirname)) return { from: 'built-in', source: plugin.source };
  return { from: PLUGIN_FILE.test(path) ? 'file' : 'folder', source: plugin.source };
}

/** Shorten the widest cells so that a table of these rows fits `columns` (the source keeps its end). */
function fitWidth(rows: Record<string, string>[], columns: number): Record<string, string>[] {
  if (rows.length === 0) return rows;
  // A column with nothing in it (`reloaded`, early in a session) only takes room.
  for (const key of Object.keys(rows[0] as Record<string, string>))
    if (rows.every((row) => !row[key])) for (const row of rows) delete row[key];
  const keys = Object.keys(rows[0] as Record<string, string>);
  const widthOf = (key: string) => Math.max(key.length, ...rows.map((r) => (r[key] ?? '').length));
  const total = () => keys.reduce((sum, key) => sum + widthOf(key), 0) + 2 * (keys.length - 1);
  for (const key of ['source', 'commands', 'status', 'from']) {
    const over = total() - columns;
    if (over <= 0) break;
    const target = Math.max(key.length, 12, widthOf(key) - over);
    for (const row of rows) {
      const text = row[key] ?? '';
      if (text.length <= target) continue;
      row[key] = key === 'source' ? `…${text.slice(text.length - target + 1)}` : `${text.slice(0, target - 1)}…`;
    }
  }
  return rows;
}

function list(ctx: CommandContext) {
  const project = packagesDir(ctx.env);
  const packages = installedIn(project);
  const rows = ctx.shell.plugins().map((p) => {
    const { from, source } = origin(p, packages, project);
    return {
      name: p.name,
      version: p.version,
      status: p.status === 'failed' ? `failed: ${p.error}` : p.error ? `loaded (last reload failed: ${p.error})` : p.status,
      commands: p.commands.join(' '),
      from,
      source,
      reloaded: p.reloads > 0 && p.loadedAt ? new Date(p.loadedAt).toLocaleTimeString('en-GB') : '',
    };
  });
  return ctx.stdout.isTTY ? fitWidth(rows, ctx.stdout.columns - 1) : rows;
}

const shown = (pkg: Installed) => `${pkg.name} ${pkg.version}`;

/** Refuse (before the swap) any changed package that is no plugin of this shell. */
function check(stage: Stage, verb: string, ctx: CommandContext): { names: string[]; after: Map<string, Installed> } {
  const after = stage.after();
  const names = changed(stage.before, after);
  for (const name of names) {
    const pkg = after.get(name);
    const why = pkg && refusal(pkg, ctx);
    if (why) throw new CommandError(`${verb}: ${why}; nothing was installed`);
  }
  return { names, after };
}

/** Why installing these packages is refused when their plugins did not load (a built-in's name, a load failure). */
function notLoaded(failed: NotLoaded[], after: Map<string, Installed>, ctx: CommandContext): string | undefined {
  const first = failed[0];
  if (!first) return undefined;
  const pkg = after.get(first.name);
  const shown = pkg ? `${pkg.name} ${pkg.version}` : first.name;
  const project = packagesDir(ctx.env);
  const packages = installedIn(project);
  const builtin = ctx.shell.plugins().some((p) => p.name === first.report.plugin && origin(p, packages, project).from === 'built-in');
  if (builtin) return `${shown} is refused: its plugin name '${first.report.plugin}' is the name of a built-in plugin`;
  // `refused plugin PATH: why`: the path is gone with the package.
  const refused = /^refused plugin \S+: (.*)$/.exec(first.report.message)?.[1];
  return refused ? `${shown} is refused: ${refused}` : `${shown} does not load: ${first.report.message}`;
}

async function install(specs: string[], yes: boolean, ctx: CommandContext): Promise<string> {
  const verb = 'plugins install';
  if (specs.length === 0) {
    const after = await staged(ctx, verb, { label: 'npm ci', withModules: false }, async (stage) => {
      if (!existsSync(join(stage.dir, 'package-lock.json')))
        throw new CommandError(`${verb}: nothing to install: there is no package-lock.json in ${stage.project}`);
      await stage.npm(['ci']);
      const result = check(stage, verb, ctx);
      return { value: result.after, names: result.names };
    });
    const all = [...after.values()];
    return all.length === 0 ? 'no packages to install' : `installed from the lockfile: ${all.map(shown).join(', ')}`;
  }
  if (!yes && !ctx.interactive)
    throw new CommandError(`${verb}: add --yes to install without being asked (there is no terminal to ask on)`, { exitCode: 2 });
  const absolute = specs.map((spec) => absoluteSpec(spec, ctx.cwd));
  // A folder's or tarball's package.json is vetted before npm sees the package at all.
  const local = await Promise.all(absolute.map(localManifest));
  for (const pkg of local) {
    const why = pkg && refusal(pkg, ctx);
    if (why) throw new CommandError(`${verb}: ${why}; nothing was installed`);
  }
  const expected = absolute.map((spec, i) => local[i]?.name ?? registryName(spec));
  let after = new Map<string, Installed>();
  const names = await staged(
    ctx,
    verb,
    { label: `npm install ${specs.join(' ')}`, withModules: true, refuse: (failed) => notLoaded(failed, after, ctx) },
    async (stage) => {
      await stage.npm(['install', ...absolute]);
      const result = check(stage, verb, ctx);
      after = result.after;
      // npm's success is not taken on trust: each package named must be in package.json and node_modules.
      for (const name of expected)
        if (name !== undefined && !(after.has(name) && existsSync(join(stage.dir, 'node_modules', name, 'package.json'))))
          throw new CommandError(`${verb}: npm finished but ${name} is not in package.json and node_modules; nothing was installed`);
      const fresh = result.names.filter((name) => !stage.before.has(name) && after.has(name));
      if (!yes && fresh.length > 0) {
        const who = await Promise.all(fresh.map((name) => publisher(stage, after.get(name) as Installed)));
        stage.progressDone();
        for (const [i, name] of fresh.entries()) {
          const answer = await ctx.prompt(`Install ${shown(after.get(name) as Installed)} ${who[i]}? [y/N]`, { default: 'n' });
          if (!/^y(es)?$/i.test(answer.trim())) throw new CommandError(`${verb}: not installed: ${name} was not confirmed`);
        }
      }
      return { value: result.names, names: result.names };
    },
  );
  const lines = names.flatMap((name) => {
    const pkg = after.get(name);
    return pkg ? [`installed ${shown(pkg)}${pkg.link ? ` (linked to ${pkg.link})` : ''}`] : [];
  });
  return lines.length > 0 ? lines.join('\n') : 'nothing changed: already installed';
}

async function update(names: string[], ctx: CommandContext): Promise<string> {
  const verb = 'plugins update';
  const label = `npm update${names.length ? ` ${names.join(' ')}` : ''}`;
  const { moved, before, after } = await staged(ctx, verb, { label, withModules: true }, async (stage) => {
    for (const name of names) if (!stage.before.has(name)) throw new CommandError(`${verb}: no installed package '${name}'`);
    await stage.npm(['update', ...names]);
    const result = check(stage, verb, ctx);
    return { value: { moved: result.names, before: stage.before, after: result.after }, names: result.names };
  });
  if (moved.length === 0) return 'everything is up to date';
  return moved.map((name) => `${name} ${before.get(name)?.version || '(none)'} → ${after.get(name)?.version || '(removed)'}`).join('\n');
}

/** The installed package a word names: its package name, a linked folder, or the plugin name it provides. */
function findInstalled(word: string, packages: Map<string, Installed>, ctx: CommandContext): Installed | undefined {
  const direct = packages.get(word);
  if (direct) return direct;
  let real: string | undefined;
  try {
    real = realpathSync(resolve(ctx.cwd, word));
  } catch {}
  const linked = [...packages.values()].find((p) => p.link !== undefined && p.link === real);
  if (linked) return linked;
  const modules = join(packagesDir(ctx.env), 'node_modules');
  const plugin = ctx.shell.plugins().find((p) => p.name === word && resolve(p.source).startsWith(`${modules}/`));
  return plugin ? packages.get(resolve(plugin.source).slice(modules.length + 1)) : undefined;
}

async function remove(words: string[], ctx: CommandContext, verb: string): Promise<string> {
  if (words.length === 0)
    throw new CommandError(`${verb}: name the package to ${verb.endsWith('unlink') ? 'unlink' : 'remove'}`, { exitCode: 2 });
  const packages = installedIn(packagesDir(ctx.env));
  const targets = words.map((word) => {
    const pkg = findInstalled(word, packages, ctx);
    if (!pkg) throw new CommandError(`${verb}: no installed package '${word}'`);
    return pkg;
  });
  const label = `npm uninstall ${targets.map((t) => t.name).join(' ')}`;
  await staged(ctx, verb, { label, withModules: true }, async (stage) => {
    // Another shell may have removed it since it was looked up.
    for (const [i, target] of targets.entries())
      if (!stage.before.has(target.name)) throw new CommandError(`${verb}: no installed package '${words[i]}'`);
    await stage.npm(['uninstall', ...targets.map((t) => t.name)]);
    return { value: undefined, names: changed(stage.before, stage.after()) };
  });
  return targets.map((t) => `${verb.endsWith('unlink') ? 'unlinked' : 'removed'} ${shown(t)}${t.link ? ` (${t.link})` : ''}`).join('\n');
}

async function link(dirs: string[], ctx: CommandContext): Promise<string> {
  const verb = 'plugins link';
  if (dirs.length === 0) throw new CommandError(`${verb}: name the folder to link`, { exitCode: 2 });
  const folders = dirs.map((dir) => resolve(ctx.cwd, dir));
  const { names, after } = await staged(ctx, verb, { label: `npm install ${folders.join(' ')}`, withModules: true }, async (stage) => {
    // A link, whatever the user's npm config says for folders: the folder itself is loaded, edits and all.
    await stage.npm(['install', '--install-links=false', ...folders]);
    const result = check(stage, verb, ctx);
    return { value: result, names: result.names };
  });
  return names
    .flatMap((name) => {
      const pkg = after.get(name);
      return pkg?.link ? [`linked ${shown(pkg)} (${pkg.link})`] : [];
    })
    .join('\n');
}

export default definePlugin({
  name: 'plugins',
  version: '1.0.0',
  description: 'What is loaded; install, update and remove plugin packages',
  commands: {
    plugins: defineCommand({
      description: 'List plugins, or install, update, remove, link or unlink plugin packages',
      args: z.object({
        action: z.enum(['list', 'install', 'update', 'remove', 'link', 'unlink']).optional().describe('What to do (default: list)'),
        names: z.array(z.string()).default([]).describe('Packages (any npm install spec), names or folders'),
      }),
      flags: z.object({
        yes: z.boolean().default(false).describe('Install without asking for confirmation (needed outside the interactive shell)'),
      }),
      short: { y: 'yes' },
      examples: [
        'plugins',
        'plugins install tosh-plugin-weather',
        'plugins install --yes ./my-plugin-1.0.0.tgz',
        'plugins install',
        'plugins update',
        'plugins remove tosh-plugin-weather',
        'plugins link ~/src/my-plugin',
      ],
      run: ({ args, flags }, ctx) => {
        switch (args.action) {
          case undefined:
          case 'list':
            return list(ctx);
          case 'install':
            return install(args.names, flags.yes, ctx);
          case 'update':
            return update(args.names, ctx);
          case 'remove':
            return remove(args.names, ctx, 'plugins remove');
          case 'unlink':
            return remove(args.names, ctx, 'plugins unlink');
          case 'link':
            return link(args.names, ctx);
        }
      },
    }),
  },
});
