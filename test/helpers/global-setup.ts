/**
 * Before any test: the tests run the built shell (dist/), so a source newer
 * than the build would be tested stale. Build it when anything it is made
 * from changed since; fail if the build fails.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** What dist/ is built from. */
const SOURCES = ['shell', 'commands', 'plugin-sdk', 'scripts', 'package.json'];

/** The newest modification time under `path` (files and folders: a deleted file changes its folder). */
function newest(path: string): number {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  let time = stat.mtimeMs;
  if (stat.isDirectory()) for (const name of readdirSync(path)) time = Math.max(time, newest(join(path, name)));
  return time;
}

/** Why dist/ must be rebuilt, or undefined when it is newer than every source. */
export function staleBuild(root = ROOT): string | undefined {
  const built = newest(join(root, 'dist', 'tosh.cjs'));
  if (built === 0) return 'dist/tosh.cjs is missing';
  const changed = SOURCES.find((source) => newest(join(root, source)) > built);
  return changed && `${changed} changed after dist/tosh.cjs was built`;
}

export default function setup(): void {
  const why = staleBuild();
  if (!why) return;
  process.stderr.write(`tests: building the shell (${why})\n`);
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.js')], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed: the tests would run a stale dist/');
  const still = staleBuild();
  if (still) throw new Error(`dist/ is still older than the sources after building (${still})`);
}
