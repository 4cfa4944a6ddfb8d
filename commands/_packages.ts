/**
 * The npm side of `plugins install/update/remove/link`: installed plugin
 * packages live in `$TOSH_HOME/packages`, an npm project of their own. Every
 * change is made by the real `npm` in a staging copy beside it (same depth, so
 * `file:` paths stay right), checked, and only then swapped in: a failure, a
 * refused package or Ctrl-C leaves the previous state as it was.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { type CommandContext, CommandError } from 'tosh/plugin-sdk';

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

/** Why an installed package may not be a plugin of this shell, or undefined. */
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
      child = spawn('npm', [...args, '--prefix', cwd, '--no-audit', '--no-fund', '--color=false'], {
        cwd,
        env: { ...ctx.env, npm_config_update_notifier: 'false' } as NodeJS.ProcessEnv,
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

/** A copy of the packages project beside it where npm does its work. */
export interface Stage {
  dir: string;
  project: string;
  npm(args: string[], quiet?: boolean): Promise<NpmRun>;
  before: Map<string, Installed>;
  after(): Map<string, Installed>;
}

/**
 * Run `work` in a staging copy of the packages project; when it returns, swap
 * the staged project in and return what it returned. A throw or Ctrl-C drops
 * the copy and the project stays as it was.
 */
export async function staged<T>(
  ctx: CommandContext,
  verb: string,
  options: { withModules: boolean },
  work: (stage: Stage) => Promise<T>,
): Promise<T> {
  const home = toshHome(ctx.env);
  const project = join(home, 'packages');
  ensureProject(project);
  // A sibling of the project, at the same depth: relative `file:` specs and link targets mean the same there.
  const dir = join(home, `.packages-staging-${process.pid}-${Date.now().toString(36)}`);
  let child: ChildProcess | undefined;
  const drop = () => {
    if (child && child.exitCode === null) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  ctx.signal.addEventListener('abort', drop, { once: true });
  try {
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
    };
    const result = await work(stage);
    if (ctx.signal.aborted) throw new CommandError(`${verb}: interrupted; nothing was changed`, { exitCode: 130 });
    swapIn(dir, project);
    return result;
  } finally {
    ctx.signal.removeEventListener('abort', drop);
    drop();
  }
}

/** Put the staged project in place of the live one (a few renames, done synchronously). */
function swapIn(stage: string, project: string): void {
  const old = join(project, `.old-node_modules-${process.pid}`);
  rmSync(old, { recursive: true, force: true });
  if (existsSync(join(project, 'node_modules'))) renameSync(join(project, 'node_modules'), old);
  if (existsSync(join(stage, 'node_modules'))) renameSync(join(stage, 'node_modules'), join(project, 'node_modules'));
  for (const file of ['package.json', 'package-lock.json']) {
    if (existsSync(join(stage, file))) renameSync(join(stage, file), join(project, file));
    else rmSync(join(project, file), { force: true });
  }
  rmSync(old, { recursive: true, force: true });
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

/** Load, reload or unload the plugins of these packages in the running shell; failures are reported on stderr. */
export async function reloadPackages(ctx: CommandContext, names: string[]): Promise<void> {
  const project = packagesDir(ctx.env);
  for (const name of names) {
    const report = await ctx.shell.reloadPath(join(project, 'node_modules', name), { force: true });
    if (report && !report.ok) ctx.stderr.write(`tosh: ${report.message}\n`);
  }
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
