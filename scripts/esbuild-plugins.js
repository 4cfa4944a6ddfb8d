// esbuild plugins shared by the shell's build and the benchmarks that bundle parts of the UI.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// ink connects to React devtools only when DEV=true, with two top-level awaits (which keep a bundle out of
// CommonJS); react-devtools-core is not installed: stub it out, and drop the awaits.
export const noDevtools = {
  name: 'no-devtools',
  setup(b) {
    b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'tosh-empty' }));
    b.onLoad({ filter: /.*/, namespace: 'tosh-empty' }, () => ({ contents: 'export default undefined;' }));
    b.onLoad({ filter: /ink[\\/]build[\\/]reconciler\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const patched = text
        .replace("await import('./devtools.js');", 'void 0;')
        .replace('? await loadPackageJson()', '? { name: undefined, version: undefined }');
      if (patched.includes("await import('./devtools.js')") || patched.includes('? await loadPackageJson()') || patched === text) {
        throw new Error("no-devtools: ink's reconciler changed; update scripts/esbuild-plugins.js");
      }
      return { contents: patched, loader: 'js' };
    });
  },
};

const DATA_URL = /"data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)"/;

/**
 * yoga-layout's entry awaits its WebAssembly at the top level, and its loader fetches the inline
 * `data:` URL, which loads Node's whole fetch (undici) when the interactive shell starts. This
 * replaces the entry with one that compiles the same bytes synchronously (`instantiateWasm`): no
 * fetch, no top-level await, so the ink world can be a plain script that a V8 code cache covers.
 */
export const yogaSync = {
  name: 'yoga-sync',
  setup(b) {
    const entry = createRequire(import.meta.url).resolve('yoga-layout');
    const dist = dirname(dirname(entry));
    const loader = join(dist, 'binaries', 'yoga-wasm-base64-esm.js');
    const wasm = DATA_URL.exec(readFileSync(loader, 'utf8'))?.[1];
    if (!wasm) throw new Error('yoga-sync: the yoga-layout loader changed; update scripts/esbuild-plugins.js');
    b.onResolve({ filter: /^yoga-layout$/ }, () => ({ path: 'yoga-layout', namespace: 'tosh-yoga' }));
    b.onLoad({ filter: /.*/, namespace: 'tosh-yoga' }, () => ({
      resolveDir: dist,
      loader: 'js',
      contents: `
import loadYoga from ${JSON.stringify(loader)};
import wrapAssembly from ${JSON.stringify(join(dist, 'src', 'wrapAssembly.js'))};
export * from ${JSON.stringify(join(dist, 'src', 'generated', 'YGEnums.js'))};
const bytes = Buffer.from(${JSON.stringify(wasm)}, 'base64');
const yoga = {
  instantiateWasm(imports, done) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports);
    done(instance);
    return instance.exports;
  },
};
loadYoga(yoga);
export default wrapAssembly(yoga);
`,
    }));
    // The loader keeps its own copy of the bytes only for the path not taken: drop it.
    b.onLoad({ filter: /yoga-wasm-base64-esm\.js$/ }, () => ({
      loader: 'js',
      contents: readFileSync(loader, 'utf8').replace(DATA_URL, '"data:application/octet-stream;base64,"'),
    }));
  },
};

/**
 * zod's 63 locales are a third of the core bundle, and every start paid to load them. Only `en`
 * (zod's default) is bundled; a plugin that asks for another (`z.config(z.locales.fr())`) gets it
 * from the installed zod package's own files the first time it calls it.
 */
export const lazyZodLocales = {
  name: 'lazy-zod-locales',
  setup(b) {
    b.onLoad({ filter: /zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const names = [...text.matchAll(/^export \{ default as (\w+) \} from "\.\/([\w-]+)\.js";$/gm)];
      const exports = text.split('\n').filter((line) => line.startsWith('export')).length;
      if (names.length < 10 || names.length !== exports || !names.some(([, name]) => name === 'en')) {
        throw new Error("lazy-zod-locales: zod's locales index changed; update scripts/esbuild-plugins.js");
      }
      const lines = [
        "import { createRequire } from 'node:module';",
        "import en from './en.js';",
        'export { en };',
        'let load;',
        // __filename is the bundle's own path (a CommonJS bundle), beside the shell's node_modules.
        "const locale = (file) => (...args) => (load ??= createRequire(__filename))('zod/v4/locales/' + file + '.cjs')(...args);",
      ];
      for (const [, name, file] of names) if (name !== 'en') lines.push(`export const ${name} = locale(${JSON.stringify(file)});`);
      return { contents: lines.join('\n'), loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};
