/**
 * The npm side of `plugins install/update/remove/link`: installed plugin
 * packages live in `$TOSH_HOME/packages`, an npm project of their own. Every
 * change is made by the real `npm` in a staging copy beside it (same depth, so
 * `file:` paths stay right), checked, and only then swapped in: a failure, a
 * refused package or Ctrl-C leaves the previous state as it was. One change
 * at a time: a lock file beside the project (contract §13: two shells
 * installing at once both succeed). npm never runs a package's scripts.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  closeSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type CommandContext, CommandError, type ReloadReport } from 'tosh/plugin-sdk';

const run = promisify(execFile);

/** `$TOSH_HOME`, found as the shell finds it. */
export function toshHome(env: CommandContext['env']): string {
  if (env.TOSH_HOME) return resolve(env.TOSH_HOME);
  if (env.XDG_CONFIG_HOME) return resolve(env.XDG_CONFIG_HOME, 'tosh');
  return resolve(env.HOME || homedir(), '.config', 'tosh');
}

export const packagesDir = (env: CommandContext['env']) => join(toshHome(env), 'packages');

/** One direct dependency of the packages project, as installed. */
export interface Installed {
  name: string;
  version: string;
  /** What package.json asks for (`^1.2.0`, `file:../dev/x`…). */
  spec: string;
  /** The real folder of a linked package. */
  link?: string;
  /** The package's `"tosh"` field. */
  tosh?: unknown;
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The direct dependencies of a packages project and what is installed for each. */
export function installedIn(project: string): Map<string, Installed> {
  const deps = (readJson(join(project, 'package.json'))?.dependencies ?? {}) as Record<string, string>;
  const found = new Map<string, Installed>();
  for (const [name, spec] of Object.entries(deps).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const folder = join(project, 'node_modules', name);
    const pkg = readJson(join(folder, 'package.json'));
    const entry: Installed = { name, spec: String(spec), version: typeof pkg?.version === 'string' ? pkg.version : '' };
    if (pkg && 'tosh' in pkg) entry.tosh = pkg.tosh;
    try {
      if (lstatSync(folder).isSymbolicLink()) entry.link = realpathSync(folder);
    } catch {}
    found.set(name, entry);
  }
  return found;
}

/** Why a package (installed, or read before installing) may not be a plugin of this shell, or undefined. */
export function refusal(pkg: Installed, ctx: CommandContext): string | undefined {
  const shown = `${pkg.name}${pkg.version ? ` ${pkg.version}` : ''}`;
  if (typeof pkg.tosh !== 'object' || pkg.tosh === null) return `${shown} is not a tosh plugin: its package.json has no "tosh" field`;
  const sdk = (pkg.tosh as { sdk?: unknown }).sdk;
  if (sdk === undefined) return undefined;
  if (typeof sdk !== 'string' || !ctx.shell.sdkAccepts(sdk))
    return `${shown} needs SDK ${String(sdk)} but this shell provides SDK ${ctx.shell.sdkVersion}`;
  return undefined;
}

/** Create the packages project when there is none yet. */
function ensureProject(project: string): void {
  mkdirSync(project, { recursive: true, mode: 0o700 });
  const pkg = join(project, 'package.json');
  if (!existsSync(pkg)) {
    const text = { name: 'tosh-packages', private: true, description: 'Plugins installed by `tosh plugins install`', dependencies: {} };
    writeFileSync(pkg, `${JSON.stringify(text, null, 2)}\n`, { mode: 0o600 });
  }
}

/** Lines of npm's error output that say what went wrong, without the boilerplate around them. */
export function npmErrorLines(stderr: string): string[] {
  const lines = stderr
    .split('\n')
    .map((line) =>
      /^npm (?:error|ERR!)\s?(.*)$/
        .exec(line)?.[1]
        ?.trim()
        .replace(/^notarget\s+/, ''),
    )
    .filter((line): line is string => line !== undefined && line !== '');
  const code = lines.find((line) => line.startsWith('code '))?.slice(5);
  const boring =
    /^(code |syscall |errno |path |dest |404$|A complete log|Log files were not written|If you are behind a proxy|'proxy' config|In most cases|a package version that doesn't exist|Note that you can also|tarball, folder, http url|command |signal |\s*at )/;
  // Node's dumps of error objects (`code: 'ECONNREFUSED',`, braces) are not sentences.
  const dump = /^([{}[\]],?|\w+: (['"\d[{]|undefined|null|true|false).*)$/;
  const said = lines
    .filter((line) => !dump.test(line))
    .filter((line) => !boring.test(line.replace(/^404\s+/, '404 ')) && !/^404\s+(Note that|tarball, folder)/.test(line));
  const text = said.map((line, i) => (i > 0 ? line.replace(/^404\s+/, '') : line).replace(/\s+/g, ' '));
  const first = text[0] ?? code ?? 'npm failed';
  const out = [code && !first.includes(code) ? `${code}: ${first}` : first];
  if (text[1]) out.push(text[1]);
  return out;
}

interface NpmRun {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Run the real npm (as the user configured it) in `cwd`; rejects with a CommandError saying what npm said. */
export function npm(
  args: string[],
  cwd: string,
  ctx: CommandContext,
  verb: string,
  track?: (child: ChildProcess) => void,
  quiet = false,
): Promise<NpmRun> {
  return new Promise((done, fail) => {
    let child: ChildProcess;
    try {
      // No package's scripts, whatever the user's npm config says: the flag and the variable outrank every npmrc.
      child = spawn('npm', [...args, '--prefix', cwd, '--ignore-scripts', '--no-audit', '--no-fund', '--color=false'], {
        cwd,
        env: { ...ctx.env, npm_config_update_notifier: 'false', npm_config_ignore_scripts: 'true' } as NodeJS.ProcessEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      fail(new CommandError(`${verb}: cannot run npm: ${(error as Error).message}`));
      return;
    }
    track?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (error) => fail(new CommandError(`${verb}: cannot run npm: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) return done({ stdout, stderr, code });
      const [first, second] = npmErrorLines(stderr);
      if (!ctx.signal.aborted && !quiet) ctx.stderr.write(`tosh: ${verb}: npm failed: ${first}\n`);
      fail(new CommandError(`${verb}: ${second ? `${second.replace(/\.$/, '')}; ` : ''}nothing was changed`));
    });
  });
}

/** How long a change waits for another shell's change to finish. */
const LOCK_WAIT_MS = 60_000;
/** A lock (or `.break`) file with no pid in it is being written; one this old never will be. */
const UNWRITTEN_MS = 5_000;

/** Whether process `pid` runs (another user's does too: EPERM). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A file's text, or undefined when it is not there (any other error is the user's to see). */
function readIfThere(file: string, verb: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CommandError(`${verb}: cannot read ${file}: ${(error as Error).message}`);
  }
}

const ageOf = (file: string) => {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
};

/** Create `file` holding `text` if it does not exist yet (O_EXCL); false when it does. */
function createOnly(file: string, text: string, verb: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new CommandError(`${verb}: cannot create ${file}: ${(error as Error).message}`);
  }
  try {
    writeSync(fd, text);
  } catch (error) {
    rmSync(file, { force: true });
    throw new CommandError(`${verb}: cannot write ${file}: ${(error as Error).message}`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Remove the stale lock whose text was `seen`, unless another shell took the
 * lock meanwhile. Done under `.break`, so that two shells breaking one stale
 * lock at once cannot remove the fresh lock of a third. True: try again now.
 */
function breakStale(file: string, seen: string, verb: string): boolean {
  const breaker = `${file}.break`;
  if (!createOnly(breaker, `${process.pid}\n`, verb)) {
    // Another shell is breaking it, or died in those few calls (then its `.break` grows old).
    if (ageOf(breaker) > UNWRITTEN_MS) rmSync(breaker, { force: true });
    return false;
  }
  try {
    if (readIfThere(file, verb) === seen) rmSync(file, { force: true });
    return true;
  } finally {
    rmSync(breaker, { force: true });
  }
}

/** The lock files this shell holds (another change in this same shell waits for it). */
const heldHere = new Set<string>();

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((done) => {
    const finish = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      done();
    };
    const timer = setTimeout(finish, ms);
    signal.addEventListener('abort', finish, { once: true });
  });

/**
 * Take the lock on `$TOSH_HOME/packages`: `$TOSH_HOME/.packages.lock`, created
 * with O_EXCL and holding the pid of its shell. A lock whose shell is gone is
 * broken; a live one is waited for (`onWait` is called once) up to `waitMs`.
 * Resolves to the function that releases it (also run if the shell exits).
 * @example const release = await lockPackages(home, 'plugins install', { signal, onWait })
 */
export async function lockPackages(
  home: string,
  verb: string,
  options: { signal: AbortSignal; onWait: () => void; waitMs?: number },
): Promise<() => void> {
  const file = join(home, '.packages.lock');
  const waitMs = options.waitMs ?? LOCK_WAIT_MS;
  const deadline = Date.now() + waitMs;
  const mine = `${process.pid}\n`;
  mkdirSync(home, { recursive: true, mode: 0o700 });
  let waiting = false;
  for (;;) {
    if (options.signal.aborted) throw new CommandError(`${verb}: interrupted; nothing was changed`, { exitCode: 130 });
    if (createOnly(file, mine, verb)) break;
    const seen = readIfThere(file, verb);
    if (seen === undefined) continue; // Released just now.
    const pid = /^\d+\n$/.test(seen) ? Number(seen) : undefined;
    // Our own pid is live only if this shell holds the lock (else a shell before a reboot had our pid).
    const stale = pid === undefined ? ageOf(file) > UNWRITTEN_MS : pid === process.pid ? !heldHere.has(file) : !running(pid);
    if (stale && breakStale(file, seen, verb)) continue;
    if (Date.now() >= deadline)
      throw new CommandError(
        `${verb}: another install${pid === undefined ? '' : ` (pid ${pid})`} still holds ${file} after ${waitMs / 1000} s; nothing was changed`,
      );
    if (!waiting) options.onWait();
    waiting = true;
    await pause(100, options.signal);
  }
  heldHere.add(file);
  const release = () => {
    process.off('exit', release);
    heldHere.delete(file);
    try {
      if (readFileSync(file, 'utf8') === mine) rmSync(file, { force: true });
    } catch {} // Already gone; and this may run as the shell exits, where a throw helps no one.
  };
  process.on('exit', release);
  return release;
}

/** A copy of the packages project beside it where npm does its work. */
export interface Stage {
  dir: string;
  project: string;
  npm(args: string[], quiet?: boolean): Promise<NpmRun>;
  before: Map<string, Installed>;
  after(): Map<string, Installed>;
  /** End the progress shown while npm works (before asking the user something). */
  progressDone(): void;
}

/** What a change did: the value for the caller, and the packages to load, reload or unload once it is in place. */
export interface StagedResult<T> {
  value: T;
  names: string[];
}

/** A package whose plugin did not load once installed. */
export interface NotLoaded {
  name: string;
  report: ReloadReport;
}

/**
 * Run `work` in a staging copy of the packages project, holding the lock, with
 * a progress labelled `label`; when it returns, swap the staged project in
 * and load the plugins of the packages it names.
 * `refuse` may turn down packages whose plugins did not load: the previous
 * project is put back and this throws its reason. A throw or Ctrl-C before
 * the swap drops the copy and the project stays as it was.
 */
export async function staged<T>(
  ctx: CommandContext,
  verb: string,
  options: { label: string; withModules: boolean; refuse?: (failed: NotLoaded[]) => string | undefined },
  work: (stage: Stage) => Promise<StagedResult<T>>,
): Promise<T> {
  const spin = ctx.progress({ label: options.label });
  let spinning = true;
  const progressDone = () => {
    if (spinning) spin.done();
    spinning = false;
  };
  const home = toshHome(ctx.env);
  const project = join(home, 'packages');
  let release: (() => void) | undefined;
  // A sibling of the project, at the same depth: relative `file:` specs and link targets mean the same there.
  const dir = join(home, `.packages-staging-${process.pid}-${Date.now().toString(36)}`);
  let child: ChildProcess | undefined;
  const drop = () => {
    if (child && child.exitCode === null) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  ctx.signal.addEventListener('abort', drop, { once: true });
  try {
    release = await lockPackages(home, verb, {
      signal: ctx.signal,
      onWait: () => ctx.stderr.write('tosh: waiting for another install to finish…\n'),
    });
    ensureProject(project);
    mkdirSync(dir, { mode: 0o700 });
    for (const file of ['package.json', 'package-lock.json', '.npmrc'])
      if (existsSync(join(project, file))) cpSync(join(project, file), join(dir, file));
    if (options.withModules && existsSync(join(project, 'node_modules')))
      cpSync(join(project, 'node_modules'), join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    const stage: Stage = {
      dir,
      project,
      npm: (args, quiet) =>
        npm(
          args,
          dir,
          ctx,
          verb,
          (c) => {
            child = c;
          },
          quiet,
        ),
      before: installedIn(project),
      after: () => installedIn(dir),
      progressDone,
    };
    const { value, names } = await work(stage);
    if (ctx.signal.aborted) throw new CommandError(`${verb}: interrupted; nothing was changed`, { exitCode: 130 });
    progressDone();
    const previous = join(dir, 'previous');
    swap(dir, project, previous);
    const failed = await reloadPackages(ctx, names);
    const reason = failed.length > 0 ? options.refuse?.(failed) : undefined;
    if (reason) {
      swap(previous, project, join(dir, 'refused'));
      await reloadPackages(ctx, names);
      throw new CommandError(`${verb}: ${reason}; nothing was installed`);
    }
    for (const { report } of failed) ctx.stderr.write(`tosh: ${report.message}\n`);
    return value;
  } finally {
    progressDone();
    ctx.signal.removeEventListener('abort', drop);
    drop();
    release?.();
  }
}

/**
 * Put the project in `from` in place of the live one, and the live one in
 * `keep` (same file system: renames, done synchronously, so a swap back is as quick).
 */
function swap(from: string, project: string, keep: string): void {
  mkdirSync(keep, { mode: 0o700 });
  for (const name of ['node_modules', 'package.json', 'package-lock.json']) {
    if (existsSync(join(project, name))) renameSync(join(project, name), join(keep, name));
    if (existsSync(join(from, name))) renameSync(join(from, name), join(project, name));
  }
}

/** The names whose installed version, link or presence differ between two states. */
export function changed(before: Map<string, Installed>, after: Map<string, Installed>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((name) => {
    const a = before.get(name);
    const b = after.get(name);
    return !a || !b || a.version !== b.version || a.link !== b.link || a.spec !== b.spec;
  });
}

/** Load, reload or unload the plugins of these packages in the running shell; returns those that failed. */
async function reloadPackages(ctx: CommandContext, names: string[]): Promise<NotLoaded[]> {
  const project = packagesDir(ctx.env);
  const failed: NotLoaded[] = [];
  for (const name of names) {
    const report = await ctx.shell.reloadPath(join(project, 'node_modules', name), { force: true });
    if (report && !report.ok) failed.push({ name, report });
  }
  return failed;
}

/** A SPEC as npm should see it from the staging folder: paths made absolute against the shell's directory. */
export function absoluteSpec(spec: string, cwd: string): string {
  const file = spec.startsWith('file:') ? spec.slice(5) : undefined;
  const path = file ?? spec;
  const looksLikePath =
    file !== undefined || /^(\.{1,2}|~)?\//.test(path) || path === '.' || path === '..' || /\.(tgz|tar\.gz|tar)$/.test(path);
  if (!looksLikePath || /^[a-z+]+:\/\//i.test(path)) return spec;
  const home = process.env.HOME || homedir();
  return resolve(cwd, path.startsWith('~/') ? join(home, path.slice(2)) : path);
}

/**
 * The package.json of a folder or tarball SPEC (an absolute path, as
 * `absoluteSpec` leaves it), read without running anything of the package:
 * the folder's file, or `package/package.json` out of the tarball. Undefined
 * for other specs, or when it cannot be read (npm then says what is wrong).
 */
export async function localManifest(spec: string): Promise<Installed | undefined> {
  if (!spec.startsWith('/')) return undefined;
  let text: string | undefined;
  try {
    if (statSync(spec).isDirectory()) text = readFileSync(join(spec, 'package.json'), 'utf8');
    else text = (await run('tar', ['-xOf', spec, 'package/package.json'], { maxBuffer: 1 << 20 })).stdout;
  } catch {
    return undefined;
  }
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof pkg?.name !== 'string') return undefined;
  const found: Installed = { name: pkg.name, version: typeof pkg.version === 'string' ? pkg.version : '', spec };
  if ('tosh' in pkg) found.tosh = pkg.tosh;
  return found;
}

/** The dependency name npm gives a registry SPEC (`name`, `name@range`, `@scope/name@tag`, `alias@npm:…`); undefined for other specs. */
export function registryName(spec: string): string | undefined {
  return /^((?:@[a-z0-9][\w.~-]*\/)?[a-z0-9][\w.~-]*)(?:@.*)?$/i.exec(spec)?.[1];
}

/**
 * Who a package comes from, for the confirmation question: the registry's
 * publisher (`npm view`), else the package's author, else where it lies.
 */
export async function publisher(stage: Stage, pkg: Installed): Promise<string> {
  if (pkg.link) return `from the folder ${pkg.link}`;
  const person = (p: unknown): string => {
    if (typeof p === 'string') return p;
    if (typeof p !== 'object' || p === null) return '';
    const { name, email } = p as { name?: unknown; email?: unknown };
    return typeof name === 'string' ? (typeof email === 'string' ? `${name} <${email}>` : name) : '';
  };
  const author = person(readJson(join(stage.dir, 'node_modules', pkg.name, 'package.json'))?.author);
  const byAuthor = author ? `by ${author}` : 'by an unknown author';
  if (/^(file:|\.|\/)/.test(pkg.spec)) return `${byAuthor}, from ${pkg.spec.replace(/^file:/, '')}`;
  if (/^(git|github:|https?:)/.test(pkg.spec)) return `${byAuthor}, from ${pkg.spec}`;
  try {
    const { stdout } = await stage.npm(['view', `${pkg.name}@${pkg.version}`, '_npmUser', '--json'], true);
    const who = person(JSON.parse(stdout || '""'));
    if (who) return `published by ${who}`;
  } catch {}
  return byAuthor;
}
