/**
 * The ink world (react, ink, @inkjs/ui and the interactive UI) is one lazily
 * imported ES module: `-c`, scripts and stdin never pay for it unless a
 * plugin returns or imports something of React. ink cannot be `require`d
 * (yoga-layout uses top-level await), hence the dynamic import.
 */
import type * as World from './ui/world.tsx';

export type InkWorld = typeof World;

let world: Promise<InkWorld> | undefined;

// In the bundle this file is dist/tosh.cjs and the world dist/ink.js; from source, ./ui/world.tsx.
const bundled = import.meta.url.includes('/dist/');
const worldUrl = new URL(bundled ? './ink.js' : './ui/world.tsx', import.meta.url).href;

let loaded: InkWorld | undefined;

// bin/tosh.js provides an importer: the bundle runs from a V8 code cache, which loses `import()`'s callback.
const importer = (globalThis as { __toshImport?: (url: string) => Promise<unknown> }).__toshImport ?? ((url: string) => import(url));

export function loadInkWorld(): Promise<InkWorld> {
  world ??= (importer(worldUrl) as Promise<InkWorld>).then((w) => (loaded = w));
  return world;
}

/** The world if it is loaded: any React element can only exist once it is (plugins get React from it). */
export function loadedInkWorld(): InkWorld | undefined {
  return loaded;
}
