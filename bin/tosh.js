#!/usr/bin/env node
// Loads the bundled core with a V8 code cache (start-up is most of a `-c` line's cost).
// CommonJS (bin/package.json) because an ES module entry costs Node's ESM loader on every start.
const { readFileSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const vm = require('node:vm');

// Kept before any plugin runs: the shell replaces process.exit so that a plugin cannot end it.
const exitProcess = process.exit.bind(process);

/**
 * The interactive shell's hint and first prompt, drawn before the core loads (zsh's "instant
 * prompt"): a plain `tosh` on a terminal shows its prompt at Node's start-up speed, and the core
 * takes the line over (shell/ui/prompt.ts draws the same text; test/startup.test.ts keeps them equal).
 */
function drawEarlyPrompt() {
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--plugins') i++;
    else if (!/^(--plugins=.*|--watch|--no-watch|--trust|--debug|--no-init|--json|-e|--errexit)$/.test(args[i])) return undefined;
  }
  if (!process.stdin.isTTY || !process.stdout.isTTY) return undefined;
  const env = process.env;
  const color =
    env.NO_COLOR !== undefined && env.NO_COLOR !== ''
      ? false
      : env.FORCE_COLOR !== undefined
        ? env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false'
        : true;
  const home = env.HOME || require('node:os').homedir();
  const cwd = process.cwd();
  const where = home && (cwd === home || cwd.startsWith(home.endsWith('/') ? home : `${home}/`)) ? `~${cwd.slice(home.length)}` : cwd;
  let prompt = 'tosh> ';
  try {
    // Only a private, regular config.json may set the prompt (the core checks it again).
    const { statSync } = require('node:fs');
    const toshHome = env.TOSH_HOME || (env.XDG_CONFIG_HOME ? join(env.XDG_CONFIG_HOME, 'tosh') : join(home, '.config', 'tosh'));
    const file = join(toshHome, 'config.json');
    const stats = statSync(file);
    if (stats.isFile() && (stats.mode & 0o022) === 0 && (stats.uid === process.getuid() || stats.uid === 0)) {
      const config = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof config.prompt === 'string') prompt = config.prompt;
    }
  } catch {}
  const line = color ? `\u001b[32m${where}\u001b[39m ${prompt}` : `${where} ${prompt}`;
  const hint = "Type 'help' for commands, Tab to complete, Ctrl-D to leave.";
  try {
    process.stdin.setRawMode(true);
  } catch {}
  // Bracketed paste on: pasted text goes into the line, not run line by line.
  process.stdout.write(`\u001b[?2004h${color ? `\u001b[2m${hint}\u001b[22m` : hint}\n${line}`);
  return { hint, line };
}
globalThis.__toshEarlyPrompt = drawEarlyPrompt();

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
  exitProcess(status);
});
