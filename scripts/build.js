// Bundles the shell: dist/tosh.cjs (the core, loaded by bin/tosh.js), dist/ink.cjs
// (react + ink + the interactive UI, imported only when needed) and the SDK
// entry points for plugin authors' own tests. Run by `prepare` and `npm run build`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { lazyZodLocales, noDevtools, yogaSync } from './esbuild-plugins.js';

const root = new URL('..', import.meta.url).pathname;
// Build beside dist/ and swap it in whole, so a shell (or test) running meanwhile never sees half a build.
const out = `dist.build-${process.pid}`;

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

/**
 * The SDK's type declarations (dist/types), so that a plugin package with tosh as a dev dependency
 * type-checks against them alone, not the shell's sources. tsc reports the imports it was told not
 * to follow (zod, the shell); the declarations are written all the same.
 */
function declarations() {
  const dir = `${root}${out}/types`;
  if (!existsSync(`${root}node_modules/typescript/bin/tsc`)) {
    console.warn('build: typescript is not installed; dist/types (the SDK declarations) not written');
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const tsc = spawn(
      process.execPath,
      [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}scripts/tsconfig.types.json`, '--outDir', dir],
      {
        stdio: 'ignore',
      },
    );
    tsc.on('error', reject);
    tsc.on('close', () => {
      try {
        for (const file of readdirSync(dir)) {
          // `./types.ts` in a declaration file means nothing to an author's tsc: `./types.js` finds types.d.ts.
          const text = readFileSync(join(dir, file), 'utf8').replace(/^((?:import|export) .* from '\.\/[\w-]+)\.ts';$/gm, "$1.js';");
          writeFileSync(join(dir, file), text);
        }
        resolve();
      } catch (error) {
        reject(new Error(`no SDK declarations were written: ${error.message}`));
      }
    });
  });
}

await Promise.all([
  declarations(),
  build({
    ...common,
    entryPoints: { tosh: 'shell/main/cli.ts' },
    outdir: out,
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    external: ['esbuild'],
    define: { ...common.define, ...metaUrl },
    // A file URL made by hand (node:url's pathToFileURL costs a millisecond of every start).
    banner: {
      js: "var __tosh_meta_url = process.platform === 'win32' ? require('node:url').pathToFileURL(__filename).href : 'file://' + __filename.split('/').map(encodeURIComponent).join('/');",
    },
    plugins: [lazyZodLocales],
    minifySyntax: true,
    minifyWhitespace: true,
    minifyIdentifiers: true,
  }),
  build({
    ...common,
    entryPoints: { ink: 'shell/ui/world.tsx' },
    outdir: out,
    // A plain script (no top-level await once yoga loads synchronously and ink's devtools awaits are gone):
    // shell/ink-world.ts runs it with a V8 code cache, as bin/tosh.js does the core.
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    external: ['esbuild'],
    define: { ...common.define, 'import.meta.url': '__tosh_ink_url' },
    banner: { js: "var __tosh_ink_url = require('node:url').pathToFileURL(__filename).href;" },
    // ink imports react-devtools-core (only used when DEV=true); it is not installed, so stub it out.
    plugins: [noDevtools, yogaSync],
    minifySyntax: true,
    minifyWhitespace: true,
    minifyIdentifiers: true,
  }),
  build({
    ...common,
    entryPoints: { 'plugin-sdk': 'plugin-sdk/index.ts', 'plugin-sdk-testing': 'plugin-sdk/testing.ts' },
    outdir: out,
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    external: ['esbuild'],
    banner: { js: "import { createRequire as __toshRequire } from 'node:module'; const require = __toshRequire(import.meta.url);" },
  }),
]);

const old = `${root}dist.old-${process.pid}`;
try {
  renameSync(`${root}dist`, old);
} catch {}
renameSync(`${root}${out}`, `${root}dist`);
rmSync(old, { recursive: true, force: true });

// Run the shell once so bin/tosh.js leaves a V8 code cache in dist/ that covers the `-c` path (a cache
// made by whatever runs first, say `--version`, would leave the rest of the core to compile on every start).
const warmHome = mkdtempSync(join(tmpdir(), 'tosh-build-'));
spawnSync(process.execPath, [`${root}bin/tosh.js`, '-c', 'echo warm'], {
  env: { ...process.env, TOSH_HOME: warmHome, TOSH_PLUGIN_PATH: '' },
  stdio: 'ignore',
});
rmSync(warmHome, { recursive: true, force: true });
