/** Where plugins come from, highest precedence first (CONTRACT §3). */
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginDir } from '../plugins/source.ts';
import type { CliOptions } from './argv.ts';

/** The built-in plugins: the project's `commands/` (beside `shell/` in the source and `dist/` in the bundle). */
const builtinDir = () => fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../commands/' : '../../commands/', import.meta.url));

export function pluginDirs(options: CliOptions, env: NodeJS.ProcessEnv, home: string, extra: string[]): PluginDir[] {
  const fromEnv = (env.TOSH_PLUGIN_PATH ?? '').split(delimiter).filter(Boolean);
  return [
    ...options.plugins.map((dir) => ({ dir, builtin: false })),
    ...fromEnv.map((dir) => ({ dir, builtin: false })),
    ...extra.map((dir) => ({ dir, builtin: false })),
    { dir: join(home, 'plugins'), builtin: false },
    { dir: join(home, 'packages'), builtin: false, packages: true },
    { dir: builtinDir().replace(/\/$/, ''), builtin: true },
  ];
}
