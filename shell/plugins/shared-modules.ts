/**
 * The single copies of the libraries every plugin shares with the shell
 * (`tosh/plugin-sdk`, zod, chalk, react, ink…). Plugin bundles leave these
 * imports external; the `require` given to plugin code answers them here.
 */
import * as zod from 'zod';
import * as sdk from '../../plugin-sdk/index.ts';
import { type InkWorld, loadInkWorld } from '../render/ink-world.ts';

/** Module ids plugin bundles keep external (exact ids; subpaths listed). */
export const SHARED_IDS = [
  'tosh/plugin-sdk',
  'tosh',
  'zod',
  'zod/v4',
  'chalk',
  'react',
  'react/jsx-runtime',
  'react/jsx-dev-runtime',
  'ink',
  '@inkjs/ui',
] as const;

const NEEDS_INK = new Set(['react', 'react/jsx-runtime', 'react/jsx-dev-runtime', 'ink', '@inkjs/ui']);

/** True when a plugin that imports `ids` needs the ink world loaded first. */
export const needsInk = (ids: readonly string[]) => ids.some((id) => NEEDS_INK.has(id));

let world: InkWorld | undefined;

type ChalkModule = typeof import('chalk');
/** chalk, loaded for the first plugin that imports it (at the top of the shell it cost 7 ms of every start). */
let chalkModule: ChalkModule | undefined;
/** Set when the shell's output has no colour (NO_COLOR, not a terminal): plugins' chalk has none either. */
let plain = false;

/** Whether plugins' chalk prints colour (the shell's own choice, CONTRACT §6). */
export function pluginColor(on: boolean): void {
  plain = !on;
  if (chalkModule && plain) chalkModule.default.level = 0;
}

/** Load the ink world (and chalk) now, so that synchronous `require('react')` can answer. */
export async function prepareShared(ids: readonly string[]): Promise<void> {
  if (needsInk(ids)) world ??= await loadInkWorld();
  if (ids.includes('chalk') && !chalkModule) {
    chalkModule = await import('chalk');
    if (plain) chalkModule.default.level = 0;
  }
}

const asCjs = (ns: object) => ({ __esModule: true, ...ns });

/**
 * chalk's default export, carrying the named exports too. A plugin inside a
 * `"type": "module"` package is bundled in esbuild's Node interop mode, where
 * `import chalk from 'chalk'` takes what `require` returns as the default
 * (elsewhere it takes `.default`): this one object is right both ways.
 */
const selfDefault = (ns: { default: object }) => Object.assign(ns.default, { ...ns, __esModule: true });

const eager: Record<string, () => unknown> = {
  'tosh/plugin-sdk': () => asCjs(sdk),
  tosh: () => asCjs(sdk),
  zod: () => asCjs(zod),
  'zod/v4': () => asCjs(zod),
  chalk: () => {
    if (!chalkModule) throw new Error('chalk is not ready: the shell failed to prepare it');
    return selfDefault(chalkModule);
  },
};

const cache = new Map<string, unknown>();

/** The shared module for `id`, or undefined when it is not a shared one. */
export function sharedModule(id: string): unknown {
  if (cache.has(id)) return cache.get(id);
  let value: unknown;
  if (eager[id]) value = eager[id]();
  else if (NEEDS_INK.has(id)) {
    if (!world) throw new Error(`${id} is not ready: the shell failed to prepare it`);
    value =
      id === 'ink' ? asCjs(world.ink) : id === '@inkjs/ui' ? asCjs(world.inkUi) : id === 'react' ? world.React : asCjs(world.jsxRuntime);
  } else return undefined;
  cache.set(id, value);
  return value;
}
