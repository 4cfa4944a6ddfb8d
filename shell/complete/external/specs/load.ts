/**
 * Finding and loading completion specs: one module of `@withfig/autocomplete`
 * per program, imported only when that program is completed (never at start-up),
 * with the files its subcommands point to (`loadSpec: 'aws/s3'`) and its
 * versioned forms. A spec that fails to load is no spec, never an exception.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CompletionSpec, ExecuteCommand, LoadSpec, Option, Subcommand } from '../types.ts';

// In the bundle (run through vm.Script with a code cache) import() has no loader of its own: bin/tosh.js lends one.
const importModule = (url: string): Promise<unknown> =>
  ((globalThis as { __toshImport?: (url: string) => Promise<unknown> }).__toshImport ?? ((u: string) => import(u)))(url);

let libraryRoot: string | null | undefined;

/** The `build/` folder of the spec library, or undefined when it is not installed. */
export function specLibrary(): string | undefined {
  if (libraryRoot === undefined) libraryRoot = findLibrary() ?? null;
  return libraryRoot ?? undefined;
}

function findLibrary(): string | undefined {
  // The node_modules folders above this file, as Node would search them (5 ms faster than require.resolve).
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const build = join(dir, 'node_modules', '@withfig', 'autocomplete', 'build');
    if (existsSync(join(build, 'index.js'))) return build;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  try {
    // The package's exports name only its index; the spec files are found beside it.
    return dirname(createRequire(import.meta.url).resolve('@withfig/autocomplete'));
  } catch {
    return undefined;
  }
}

/** A spec name as the library spells them (`git`, `aws/s3`, `@magnolia/cli`), never a way out of it. */
const SPEC_NAME = /^(?:@[\w.-]+\/)?[\w.+-]+(?:\/[\w.+-]+)*$/;

/** The file of the spec called `name`, if the library has one. */
export function specFile(name: string, root = specLibrary()): string | undefined {
  if (!root || !SPEC_NAME.test(name) || name.split('/').some((part) => part === '.' || part === '..')) return undefined;
  for (const file of [join(root, `${name}.js`), join(root, name, 'index.js')]) if (existsSync(file)) return file;
  return undefined;
}

const loaded = new Map<string, Promise<Subcommand | undefined>>();

/** The library's spec for `name` (loaded once, then kept), or undefined. */
export function librarySpec(name: string): Promise<Subcommand | undefined> {
  let spec = loaded.get(name);
  if (!spec) {
    spec = loadFile(name).catch(() => undefined);
    loaded.set(name, spec);
  }
  return spec;
}

async function loadFile(name: string): Promise<Subcommand | undefined> {
  const file = specFile(name);
  if (!file) return undefined;
  silenceLibrary(dirname(file));
  const module = (await importModule(pathToFileURL(file).href)) as { default?: unknown };
  let spec = module.default;
  if (typeof spec === 'function') {
    // A versioned spec: without asking the program its version (slow for most), the newest form.
    const made: unknown = await (spec as (version?: string) => unknown)(undefined);
    const path = isObject(made) && typeof made.versionedSpecPath === 'string' ? made.versionedSpecPath : undefined;
    if (path === undefined) spec = made;
    else {
      const versionedFile = specFile(path);
      if (!versionedFile) return undefined;
      const versioned = (await importModule(pathToFileURL(versionedFile).href)) as { default?: unknown; versions?: unknown };
      spec = withVersions(versioned.default, versioned.versions);
    }
  }
  return isSpec(spec) ? spec : undefined;
}

/** A spec at its newest version: its diffs applied oldest first. */
function withVersions(spec: unknown, versions: unknown): unknown {
  if (!isSpec(spec) || !isObject(versions)) return spec;
  let result: Subcommand = spec;
  for (const version of Object.keys(versions).sort(compareVersions)) {
    const diff = versions[version];
    if (isObject(diff)) result = applyDiff(result, diff);
  }
  return result;
}

function compareVersions(a: string, b: string): number {
  const x = a.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const y = b.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** Apply a spec diff: subcommands and options merged by name (`remove: true` drops one), other fields replaced. */
function applyDiff(spec: Subcommand, diff: Record<string, unknown>): Subcommand {
  const result: Record<string, unknown> = { ...spec };
  for (const [key, value] of Object.entries(diff)) {
    if ((key === 'subcommands' || key === 'options') && Array.isArray(value)) {
      result[key] = mergeNamed(asArray(spec[key]), value, key === 'subcommands');
    } else result[key] = value;
  }
  return result as unknown as Subcommand;
}

function mergeNamed<T extends Subcommand | Option>(list: T[], diffs: unknown[], nested: boolean): T[] {
  const merged = [...list];
  for (const diff of diffs) {
    if (!isObject(diff)) continue;
    const wanted = names(diff.name);
    const at = merged.findIndex((item) => names(item.name).some((n) => wanted.includes(n)));
    const { remove, ...rest } = diff;
    if (remove === true) {
      if (at >= 0) merged.splice(at, 1);
    } else if (at < 0) merged.push(rest as unknown as T);
    else {
      const old = merged[at] as T;
      merged[at] = (nested ? applyDiff(old as Subcommand, rest) : { ...old, ...rest }) as T;
    }
  }
  return merged;
}

/**
 * Merge what `generateSpec` made into a spec: it adds subcommands and options
 * the spec does not name (git's external commands); the spec's own stay as written.
 */
export function mergeGenerated(spec: Subcommand, generated: unknown): Subcommand {
  if (!isObject(generated)) return spec;
  const result: Subcommand = { ...spec };
  for (const key of ['subcommands', 'options'] as const) {
    const extra = asArray(generated[key]).filter(isSpecLike);
    if (extra.length === 0) continue;
    const own = asArray(spec[key]) as (Subcommand | Option)[];
    const taken = new Set(own.flatMap((item) => names(item.name)));
    const added = extra.filter((item) => !names(item.name).some((n) => taken.has(n)));
    (result as unknown as Record<string, unknown>)[key] = [...own, ...added];
  }
  if (result.args === undefined && generated.args !== undefined) result.args = generated.args as NonNullable<Subcommand['args']>;
  return result;
}

const resolved = new WeakMap<Subcommand, Promise<Subcommand>>();

/**
 * A subcommand with its `loadSpec` followed (once per subcommand object): the
 * loaded spec's parts with the subcommand's own name and description.
 */
export function followLoadSpec(
  sub: Subcommand,
  token: string,
  execute: ExecuteCommand,
  specFor?: (name: string) => CompletionSpec | undefined,
): Promise<Subcommand> {
  if (sub.loadSpec === undefined) return Promise.resolve(sub);
  let done = resolved.get(sub);
  if (!done) {
    done = loadSpecTarget(sub.loadSpec, token, execute, specFor)
      .catch(() => undefined)
      .then((target) => {
        const { loadSpec: _, ...own } = sub;
        if (!target) return own as Subcommand;
        return { ...own, ...target, name: sub.name, description: sub.description ?? target.description } as Subcommand;
      });
    resolved.set(sub, done);
  }
  return done;
}

/** What a `loadSpec` (or an argument's) points to. */
export async function loadSpecTarget(
  target: LoadSpec,
  token: string,
  execute: ExecuteCommand,
  specFor?: (name: string) => CompletionSpec | undefined,
): Promise<Subcommand | undefined> {
  if (typeof target === 'string') return specByName(target, specFor);
  if (typeof target === 'function') {
    const found: unknown = await target(token, execute);
    for (const location of Array.isArray(found) ? found : [found]) {
      // `local` specs live in a project's `.fig/` folder, which tosh does not read.
      if (isObject(location) && location.type === 'global' && typeof location.name === 'string') return specByName(location.name, specFor);
      if (isSpec(location)) return location;
    }
    return undefined;
  }
  return isSpec(target) ? target : undefined;
}

/** The program a spec is looked up by: the command's last path part (`/usr/bin/git` → `git`). */
export function programOf(word: string): string {
  return basename(word);
}

/** A spec by program name: a plugin's first, then the library's. */
export async function specByName(name: string, specFor?: (name: string) => CompletionSpec | undefined): Promise<Subcommand | undefined> {
  let contributed: CompletionSpec | undefined;
  try {
    contributed = specFor?.(name);
  } catch {}
  if (contributed !== undefined) return isSpec(contributed) ? contributed : undefined;
  return librarySpec(name);
}

let silenced = false;

/**
 * Some library specs print to the console (npm's logs a package.json that is
 * not JSON): on a shell's screen that is noise over the prompt. Calls whose
 * caller is a library file are dropped; everyone else's go through.
 */
function silenceLibrary(dir: string): void {
  if (silenced) return;
  silenced = true;
  const root = specLibrary() ?? dir;
  for (const method of ['log', 'error', 'warn', 'info', 'debug'] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      // Frame 0 is this wrapper; the caller is next.
      const caller = new Error().stack?.split('\n')[2] ?? '';
      if (!caller.includes(root)) original(...args);
    };
  }
}

// ---- reading untrusted spec data --------------------------------------------------------------------------

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** A typed spec entry that really is an object (spec files are code: a list may hold anything). */
export function isEntry<T>(value: T): value is T & object {
  return typeof value === 'object' && value !== null;
}

/** A spec root: an object (its `name` may be left out by a plugin). */
export function isSpec(value: unknown): value is Subcommand {
  return isObject(value) && !Array.isArray(value);
}

function isSpecLike(value: unknown): value is Subcommand {
  return isSpec(value) && names(value.name).length > 0;
}

/** The names of a spec entry (one, several, or none when malformed). */
export function names(name: unknown): string[] {
  if (typeof name === 'string') return [name];
  return Array.isArray(name) ? name.filter((n): n is string => typeof n === 'string') : [];
}

/** A field that may be one thing, several, or missing, as a list. */
export function asArray<T>(value: T | T[] | undefined | null): T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}
