#!/usr/bin/env node
// Loads the bundled core with a V8 code cache (start-up is most of a `-c` line's cost).
// CommonJS (bin/package.json) because an ES module entry costs Node's ESM loader on every start.
const { readFileSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const vm = require('node:vm');

const dist = join(__dirname, '..', 'dist');
const file = join(dist, 'tosh.cjs');
const cacheFile = join(dist, `tosh.cjs.${process.versions.v8}.cache`);

let source;
try {
  source = readFileSync(file, 'utf8');
} catch {
  process.stderr.write("tosh: the shell is not built: run 'npm install' (or 'npm run build') in its folder\n");
  process.exit(1);
}
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {}
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: file,
  cachedData,
  importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
// A V8 code cache drops the script's dynamic-import callback (import() then fails with
// ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING): the bundle imports ES modules through this instead.
globalThis.__toshImport = (specifier) => import(specifier);
const bundle = { exports: {} };
script.runInThisContext()(bundle.exports, createRequire(file), bundle, file, dist);

bundle.exports.main(process.argv.slice(2)).then((status) => {
  if (cachedData === undefined || script.cachedDataRejected) {
    // Made after a run, the cache covers the functions that run; an unwritable dist only costs speed.
    try {
      writeFileSync(cacheFile, script.createCachedData());
    } catch {}
  }
  process.exit(status);
});
