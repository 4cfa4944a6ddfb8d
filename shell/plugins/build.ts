import type { Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, resolve } from 'node:path';
import type * as Esbuild from 'esbuild';
import { readChecked, statOrUndefined, untrusted } from '../base/files.ts';
import type { PluginSource } from './discover.ts';
import { SHARED_IDS } from './shared-modules.ts';
import { dirPath } from './source.ts';
import { checkDirs, realDir, refusalText, shownPath, TrustRefusal } from './trust.ts';

/** A plugin that cannot be used, with where (`plugins/x.ts:3:7`) and why. */
export class PluginLoadError extends Error {
  readonly location: string | undefined;
  readonly reason: string;
  /**
   * False when the failure is not the plugin's (esbuild itself could not be loaded or run): it is not
   * remembered for the plugin's files, and the next start tries again.
   */
  readonly lasting: boolean;
  constructor(reason: string, location?: string, lasting = true) {
    super(location ? `${location} ${reason}` : reason);
    this.name = 'PluginLoadError';
    this.reason = reason;
    this.location = location;
    this.lasting = lasting;
  }
}

/** One plugin compiled to a single CommonJS chunk. */
export interface Built {
  code: string;
  map: string;
  /** Absolute paths of every file the bundle was made from (what to watch and fingerprint). */
  inputs: string[];
  /** Shared modules it imports (react, ink… need preparing before evaluation). */
  shared: string[];
}

let esbuild: typeof Esbuild | undefined;
// esbuild is only loaded when something must be compiled: a warm cache never pays its start-up.
const loadEsbuild = () => {
  esbuild ??= withWorkingDir(() => createRequire(import.meta.url)('esbuild') as typeof Esbuild);
  return esbuild;
};

/**
 * esbuild asks for the working directory as it loads (its service process starts there); in one that
 * was deleted that throws. Every build gives its own directory, so `/` does as well then.
 */
function withWorkingDir<T>(load: () => T): T {
  try {
    process.cwd();
  } catch {
    const cwd = process.cwd;
    process.cwd = () => '/';
    try {
      return load();
    } finally {
      process.cwd = cwd;
    }
  }
  return load();
}

/** Where a file is, as the user sees it: under the plugin directory as they gave it. */
export function displayPath(source: PluginSource, file: string): string {
  const rel = relative(dirPath(source.dir), file);
  return join(source.dir.dir, rel);
}

// esbuild's own loaders for the files a plugin may import, so checked bytes can be handed to it.
const LOADERS: Record<string, Esbuild.Loader> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
  '.jsx': 'jsx',
  '.json': 'json',
  '.txt': 'text',
  '.css': 'css',
};

/**
 * Trust as esbuild reads (contract §12): every file the plugin is built from,
 * its own `node_modules` included, is opened once, checked on that descriptor
 * with the directories that guard it, and its bytes are what esbuild
 * compiles. A file swapped by a rename after the check is never built.
 */
function trustLoader(source: PluginSource, refused: { reason?: string }): Esbuild.Plugin {
  const pluginDir = realDir(dirPath(source.dir));
  // The files of one package share their directories: each is asked once per build.
  const seen = new Map<string, Stats | undefined>();
  const stat = (path: string) => {
    if (!seen.has(path)) seen.set(path, statOrUndefined(path));
    return seen.get(path);
  };
  const refuse = (path: string, problem: string) => {
    const shown = shownPath(source, path);
    refused.reason ??= refusalText(shown, shown === source.display, problem);
    return { errors: [{ text: refused.reason }] };
  };
  return {
    name: 'tosh-trust',
    setup(build) {
      build.onLoad({ filter: /.*/, namespace: 'file' }, (args) => {
        let read: ReturnType<typeof readChecked>;
        try {
          read = readChecked(args.path, untrusted);
        } catch {
          return undefined; // Missing or unreadable: esbuild reports it in its words.
        }
        if (read.problem !== undefined) return refuse(args.path, read.problem);
        const dir = checkDirs(pluginDir, args.path, stat);
        if (dir) return refuse(dir[0], dir[1]);
        const loader = LOADERS[extname(args.path)];
        // No loader of ours: esbuild decides (an `empty` .node, or an error); checked all the same.
        return loader ? { contents: read.bytes, loader } : undefined;
      });
    },
  };
}

/**
 * Bundle a plugin with esbuild; shared modules stay external. Throws
 * PluginLoadError with file:line:col, or TrustRefusal when `checkTrust` and a
 * file or directory it is built from may be changed by someone else.
 */
export async function buildPlugin(source: PluginSource, options: { checkTrust: boolean }): Promise<Built> {
  const cwd = dirname(source.entry);
  let result: Esbuild.BuildResult<{ write: false; metafile: true }>;
  const refused: { reason?: string } = {};
  let async = false;
  const build = (format: 'cjs' | 'esm') =>
    loadEsbuild().build({
      entryPoints: [source.entry],
      absWorkingDir: cwd,
      outfile: join(cwd, '__tosh_plugin__.cjs'),
      bundle: true,
      write: false,
      metafile: true,
      format,
      // In the ES module build (top-level await), import.meta.url is the entry file's URL.
      ...(format === 'esm' ? { define: { 'import.meta.url': '__tosh_import_meta_url' } } : {}),
      platform: 'node',
      target: 'node20',
      // Async functions become generators resumed through esbuild's helpers, which `guardTurnsIn` points
      // at the shell's guard: every turn after an await is then stoppable by Ctrl-C (base/faults.ts).
      // esbuild cannot do this where there is top-level await: such a plugin keeps native async functions.
      ...(format === 'cjs' ? { supported: { 'async-await': false, 'async-generator': false } } : {}),
      sourcemap: 'external',
      sourcesContent: false,
      jsx: 'automatic',
      external: [...SHARED_IDS],
      logLevel: 'silent',
      mainFields: ['module', 'main'],
      conditions: ['tosh'],
      loader: { '.node': 'empty' },
      plugins: options.checkTrust ? [trustLoader(source, refused)] : [],
    });
  try {
    try {
      result = await build('cjs');
    } catch (error) {
      // CommonJS has no top-level await: such a plugin is built as an ES module and run as an async function.
      if (!(error as Esbuild.BuildFailure).errors?.some((e) => TOP_LEVEL_AWAIT.test(e.text))) throw error;
      result = await build('esm');
      async = true;
    }
  } catch (error) {
    if (refused.reason) throw new TrustRefusal(refused.reason);
    const failure = error as Esbuild.BuildFailure;
    const first = failure.errors?.[0];
    if (!first) throw new PluginLoadError((error as Error).message.split('\n')[0] ?? 'build failed', undefined, false);
    const loc = first.location;
    const at = loc ? `${displayPath(source, resolve(cwd, loc.file))}:${loc.line}:${loc.column + 1}` : undefined;
    throw new PluginLoadError(first.text, at);
  }
  let code = '';
  let map = '';
  for (const file of result.outputFiles) {
    if (file.path.endsWith('.map')) map = file.text;
    else code = file.text;
  }
  const inputs = Object.keys(result.metafile.inputs)
    .filter((p) => !p.includes(':'))
    .map((p) => resolve(cwd, p));
  const shared = new Set<string>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imp of output.imports) if (imp.external && (SHARED_IDS as readonly string[]).includes(imp.path)) shared.add(imp.path);
  }
  if (async) ({ code, map } = await lowerAsyncBody(asyncBody(code), map));
  else code = guardTurnsIn(code);
  return { code, map, inputs, shared: [...shared] };
}

/** The parameter of a plugin's bundle through which its async functions' turns are guarded (plugins/loader.ts). */
export const TURNS_PARAM = '__tosh_turns';

/**
 * esbuild's `__async` and `__asyncGenerator` helpers start the generator with
 * `generator.apply(__this, __arguments)` and resume it from then on: wrapped
 * there, each resumption goes through the shell's guard. The edit stays on the
 * helper's own line, so the source map holds. (Should esbuild ever word its
 * helpers differently, nothing is wrapped: test/faults-after-await.test.ts says so.)
 */
function guardTurnsIn(code: string): string {
  return code.replaceAll('generator.apply(__this, __arguments)', `${TURNS_PARAM}(generator.apply(__this, __arguments))`);
}

// The first when async functions are kept, the second when they are lowered (as they are for the CommonJS build).
const TOP_LEVEL_AWAIT =
  /^Top-level await is (currently not supported with the "cjs" output format|not available in the configured target environment)/;

/** The first line of a plugin bundle that must be run as an async function body (see `asyncBody`). */
export const ASYNC_MARK = '/*tosh:async*/';
const BODY_START = `${ASYNC_MARK}return (async () => {`;

/**
 * esbuild lowers no async function in a build with top-level await: the body
 * made of it is lowered on its own, the top level included, so that its turns
 * are guarded as any plugin's. Its map is kept with the build's, to be
 * followed one after the other (plugins/loader.ts `lookupIn`).
 */
async function lowerAsyncBody(body: string, map: string): Promise<{ code: string; map: string }> {
  const lowered = await loadEsbuild().transform(body, {
    loader: 'js',
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    supported: { 'async-await': false, 'async-generator': false },
    sourcemap: 'external',
  });
  const code = `${ASYNC_MARK}${guardTurnsIn(lowered.code)}`;
  return {
    code,
    map: JSON.stringify({ x_tosh_outer: JSON.parse(lowered.map), x_tosh_inner: JSON.parse(map), x_tosh_offset: BODY_START.length }),
  };
}

/**
 * esbuild's ES module output (only the shared modules left as imports) as the
 * body of an async function taking CommonJS's parameters: imports become
 * `require` calls and the export list assignments to `module.exports`. Each
 * statement stays on its line, so the source map still holds line for line.
 */
function asyncBody(code: string): string {
  let n = 0;
  const body = code
    .replace(/^import\s+(.+?)\s+from\s+("[^"]+"|'[^']+');?$/gm, (_all, clause: string, id: string) => {
      const m = `__tosh_m${n++}`;
      const parts: string[] = [`const ${m} = require(${id});`];
      const named = /\{([^}]*)\}/.exec(clause);
      const star = /\*\s+as\s+([\w$]+)/.exec(clause);
      const def = /^([\w$]+)\s*(,|$)/.exec(clause.trim());
      if (def) parts.push(`const ${def[1]} = ${m} && ${m}.__esModule ? ${m}.default : ${m};`);
      if (star) parts.push(`const ${star[1]} = ${m};`);
      if (named)
        parts.push(
          `const { ${(named[1] ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
            .map((s) => s.replace(/\s+as\s+/, ': '))
            .join(', ')} } = ${m};`,
        );
      return parts.join(' ');
    })
    .replace(/^import\s+("[^"]+"|'[^']+');?$/gm, (_all, id: string) => `require(${id});`)
    .replace(/^export\s*\{([^}]*)\};?/gm, (_all, list: string) =>
      list
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => {
          const [local = s, exported = local] = s.split(/\s+as\s+/);
          return `module.exports[${JSON.stringify(exported)}] = ${local};`;
        })
        .join(' ')
        .concat(' Object.defineProperty(module.exports, "__esModule", { value: true });'),
    )
    .replace(/^export\s+default\s+/m, 'module.exports.default = ');
  return `${BODY_START}${body}\n})();`;
}
