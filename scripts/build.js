// Bundles the shell: dist/tosh.cjs (the core, loaded by bin/tosh.js), dist/ink.js
// (react + ink + the interactive UI, imported only when needed) and the SDK
// entry points for plugin authors' own tests. Run by `prepare` and `npm run build`.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
rmSync(`${root}dist`, { recursive: true, force: true });

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  alias: { 'tosh/plugin-sdk': './plugin-sdk/index.ts' },
};

// import.meta.url has no meaning in CommonJS: give the core its own file URL.
const metaUrl = { 'import.meta.url': '__tosh_meta_url' };

await Promise.all([
  build({
    ...common,
    entryPoints: { tosh: 'shell/cli.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    external: ['esbuild'],
    define: { ...common.define, ...metaUrl },
    banner: { js: "var __tosh_meta_url = require('node:url').pathToFileURL(__filename).href;" },
    minifySyntax: true,
    minifyWhitespace: true,
  }),
  build({
    ...common,
    entryPoints: { ink: 'shell/ui/world.tsx' },
    outdir: 'dist',
    format: 'esm',
    external: ['react-devtools-core', 'esbuild'],
    // Some bundled CommonJS packages call require(): give the ES module one.
    banner: { js: "import { createRequire as __toshRequire } from 'node:module'; const require = __toshRequire(import.meta.url);" },
    minifySyntax: true,
  }),
  build({
    ...common,
    entryPoints: { 'plugin-sdk': 'plugin-sdk/index.ts', 'plugin-sdk-testing': 'plugin-sdk/testing.ts' },
    outdir: 'dist',
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    external: ['esbuild'],
    banner: { js: "import { createRequire as __toshRequire } from 'node:module'; const require = __toshRequire(import.meta.url);" },
  }),
]);
