#!/usr/bin/env node
// Loads the bundled core with a V8 code cache (start-up is most of a `-c` line's cost).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
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
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(file), module, file, dist);

const status = await module.exports.main(process.argv.slice(2));
if (cachedData === undefined || script.cachedDataRejected) {
  // Made after a run, the cache covers the functions that run; an unwritable dist only costs speed.
  try {
    writeFileSync(cacheFile, script.createCachedData());
  } catch {}
}
process.exit(status);
