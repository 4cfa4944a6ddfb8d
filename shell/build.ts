import { createRequire } from 'node:module';
import { dirname, extname, join, relative, resolve } from 'node:path';
import type * as Esbuild from 'esbuild';
import type { PluginSource } from './discover.ts';
import { SHARED_IDS } from './shared-modules.ts';
import { checkDirs, inPackages, readChecked, realDir, refusalText, shownPath, TrustRefusal, untrusted } from './trust.ts';

/** A plugin that cannot be used, with where (`plugins/x.ts:3:7`) and why. */
export class PluginLoadError extends Error {
  readonly location: string | undefined;
  readonly reason: string;
  constructor(reason: string, location?: string) {
    super(location ? `${location} ${reason}` : reason);
    this.name = 'PluginLoadError';
    this.reason = reason;
    this.location = location;
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
  esbuild ??= createRequire(import.meta.url)('esbuild') as typeof Esbuild;
  return esbuild;
};

/** Where a file is, as the user sees it: under the plugin directory as they gave it. */
export function displayPath(source: PluginSource, file: string): string {
  const rel = relative(resolve(source.dir.dir), file);
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
 * outside `node_modules`, is opened once, checked on that descriptor with the
 * directories that guard it, and its bytes are what esbuild compiles. A file
 * swapped by a rename after the check is never built.
 */
function trustLoader(source: PluginSource, refused: { reason?: string }): Esbuild.Plugin {
  const pluginDir = realDir(source.dir.dir);
  const refuse = (path: string, problem: string) => {
    const shown = shownPath(source, path);
    refused.reason ??= refusalText(shown, shown === source.display, problem);
    return { errors: [{ text: refused.reason }] };
  };
  return {
    name: 'tosh-trust',
    setup(build) {
      build.onLoad({ filter: /.*/, namespace: 'file' }, (args) => {
        if (inPackages(pluginDir, args.path)) return undefined;
        let read: ReturnType<typeof readChecked>;
        try {
          read = readChecked(args.path, untrusted);
        } catch {
          return undefined; // Missing or unreadable: esbuild reports it in its words.
        }
        if (read.problem !== undefined) return refuse(args.path, read.problem);
        const dir = checkDirs(pluginDir, args.path);
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
  try {
    result = await loadEsbuild().build({
      entryPoints: [source.entry],
      absWorkingDir: cwd,
      outfile: join(cwd, '__tosh_plugin__.cjs'),
      bundle: true,
      write: false,
      metafile: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
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
  } catch (error) {
    if (refused.reason) throw new TrustRefusal(refused.reason);
    const failure = error as Esbuild.BuildFailure;
    const first = failure.errors?.[0];
    if (!first) throw new PluginLoadError((error as Error).message.split('\n')[0] ?? 'build failed');
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
  return { code, map, inputs, shared: [...shared] };
}
