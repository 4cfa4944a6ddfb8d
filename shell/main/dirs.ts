/** Where plugins come from, highest precedence first (CONTRACT §3), fixed when the shell starts (§12). */
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginDir } from '../plugins/source.ts';
import type { CliOptions } from './argv.ts';

/** The built-in plugins: the project's `commands/` (beside `shell/` in the source and `dist/` in the bundle). */
const builtinDir = () => fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../commands/' : '../../commands/', import.meta.url));

/**
 * The directory the shell starts in. A deleted one cannot be asked for (`getcwd` fails): then `$PWD`,
 * as bash does, so that the shell still starts and `cd ..` finds its way out.
 */
export function startDir(env: NodeJS.ProcessEnv): string {
  try {
    return process.cwd();
  } catch {
    return env.PWD && isAbsolute(env.PWD) ? env.PWD : '/';
  }
}

/**
 * The plugin directories, each resolved once against `start`: a relative
 * entry does not follow `cd` (which would let a `reload` in a cloned
 * repository run its code). A relative entry of `TOSH_PLUGIN_PATH` or of
 * config.json's `plugins` is said once (`warn`); `--plugins DIR` was typed now.
 */
export function pluginDirs(
  options: CliOptions,
  env: NodeJS.ProcessEnv,
  home: string,
  extra: string[],
  start: string,
  warn: (message: string) => void = () => {},
): PluginDir[] {
  const fixed = (dir: string, from?: string): PluginDir => {
    if (from && !isAbsolute(dir)) warn(`${from} entry '${dir}' is relative: using ${resolve(start, dir)} (where tosh started)`);
    return { dir, path: resolve(start, dir), builtin: false };
  };
  const fromEnv = (env.TOSH_PLUGIN_PATH ?? '').split(delimiter).filter(Boolean);
  const builtin = builtinDir().replace(/\/$/, '');
  return [
    ...options.plugins.map((dir) => fixed(dir)),
    ...fromEnv.map((dir) => fixed(dir, 'TOSH_PLUGIN_PATH')),
    ...extra.map((dir) => fixed(dir, 'config.json plugins')),
    fixed(join(home, 'plugins')),
    { ...fixed(join(home, 'packages')), packages: true },
    { dir: builtin, path: builtin, builtin: true },
  ];
}
