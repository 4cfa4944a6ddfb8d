/**
 * The ink world (react, ink, @inkjs/ui and the interactive UI) is loaded
 * lazily: `-c`, scripts and stdin never pay for it unless a plugin returns or
 * imports something of React. Bundled, it is one script (dist/ink.cjs) run
 * with a V8 code cache beside it, as bin/tosh.js runs the core; from source
 * (tests), the TypeScript module is imported.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
/** What the ink world module (shell/ui/world.tsx, or dist/ink.cjs) exports. */
export interface InkWorld {
  ink: typeof import('ink');
  inkUi: typeof import('@inkjs/ui');
  jsxRuntime: typeof import('react/jsx-runtime');
  React: typeof import('react');
  /** Render an element once to text (outside the interactive shell). Throws what the element throws. */
  renderToString(element: unknown, options: { color: boolean; columns: number }): string;
  /** The interactive shell (`runInteractive` of shell/ui/app.tsx): typed by the one caller, shell/main/cli.ts. */
  runInteractive: unknown;
}

let world: Promise<InkWorld> | undefined;

// In the bundle this file is dist/tosh.cjs and the world dist/ink.cjs; from source, ../ui/world.tsx.
const bundled = import.meta.url.includes('/dist/');
const worldUrl = new URL(bundled ? './ink.cjs' : '../ui/world.tsx', import.meta.url).href;

let loaded: InkWorld | undefined;

// bin/tosh.js provides an importer: the bundle runs from a V8 code cache, which loses `import()`'s callback.
const importer = (globalThis as { __toshImport?: (url: string) => Promise<unknown> }).__toshImport ?? ((url: string) => import(url));

/** Run the bundled world with a code cache (made once the UI has drawn, so that it covers the first frames). */
function runBundled(file: string): InkWorld {
  const cacheFile = `${file}.${process.versions.v8}.cache`;
  const source = readFileSync(file, 'utf8');
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {}
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  if (cachedData === undefined || script.cachedDataRejected) {
    // Once the UI has drawn (or at exit, if sooner), so that the cache covers the first frames.
    // An unwritable dist only costs speed.
    let written = false;
    const save = () => {
      if (written) return;
      written = true;
      process.off('exit', save);
      try {
        writeFileSync(cacheFile, script.createCachedData());
      } catch {}
    };
    setTimeout(save, 2000).unref();
    process.on('exit', save);
  }
  return module.exports as InkWorld;
}

export function loadInkWorld(): Promise<InkWorld> {
  world ??= (bundled ? Promise.resolve().then(() => runBundled(fileURLToPath(worldUrl))) : (importer(worldUrl) as Promise<InkWorld>)).then(
    (w) => (loaded = w),
  );
  return world;
}

/** The world if it is loaded: any React element can only exist once it is (plugins get React from it). */
export function loadedInkWorld(): InkWorld | undefined {
  return loaded;
}
