// esbuild plugins shared by the shell's build and the benchmarks that bundle parts of the UI.

export const noDevtools = {
  name: 'no-devtools',
  setup(b) {
    b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'tosh-empty' }));
    b.onLoad({ filter: /.*/, namespace: 'tosh-empty' }, () => ({ contents: 'export default undefined;' }));
  },
};

// yoga-layout's wasm is an inline data: URL, yet its loader fetches it when fetch exists, which loads
// Node's whole fetch implementation (undici) at start-up of the interactive shell: decode it directly.
export const yogaNoFetch = {
  name: 'yoga-no-fetch',
  setup(b) {
    b.onLoad({ filter: /yoga-wasm-base64-esm\.js$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      const text = await readFile(args.path, 'utf8');
      const patched = text.replace('"function"!=typeof fetch?Promise.resolve()', 'true?Promise.resolve()');
      if (patched === text) throw new Error('yoga-no-fetch: the loader changed; update scripts/esbuild-plugins.js');
      return { contents: patched, loader: 'js' };
    });
  },
};
