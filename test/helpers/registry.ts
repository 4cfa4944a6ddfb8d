import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, tempDir } from './tosh.ts';

/** A real npm registry (verdaccio) on the loopback address, with nothing behind it (no uplinks). */
export interface TestRegistry {
  url: string;
  /** npm configuration that points npm at this registry only (temp user config and cache). */
  env: Record<string, string>;
  /** `npm publish` a package folder to it with the real npm (none of the package's scripts run). */
  publish(dir: string): Promise<void>;
  stop(): void;
}

const run = promisify(execFile);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startRegistry(): Promise<TestRegistry> {
  const dir = tempDir('tosh-registry-');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  writeFileSync(
    join(dir, 'config.yaml'),
    `storage: ./storage
auth:
  htpasswd:
    file: ./htpasswd
    max_users: 10
uplinks: {}
packages:
  '**':
    access: $all
    publish: $authenticated
    unpublish: $authenticated
log: { type: stdout, format: json, level: error }
`,
  );
  const child: ChildProcess = spawn(
    process.execPath,
    [join(ROOT, 'node_modules', 'verdaccio', 'bin', 'verdaccio'), '--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    { cwd: dir, stdio: 'ignore' },
  );
  const deadline = Date.now() + 30000;
  for (;;) {
    try {
      if ((await fetch(`${url}-/ping`)).ok) break;
    } catch {}
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error('verdaccio did not start');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const created = await fetch(`${url}-/user/org.couchdb.user:tester`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'tester', password: 'not-a-secret-1' }),
  });
  const { token } = (await created.json()) as { token: string };
  const npmDir = join(dir, 'npm');
  mkdirSync(join(npmDir, 'cache'), { recursive: true });
  writeFileSync(join(npmDir, 'npmrc'), `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
  writeFileSync(join(npmDir, 'globalrc'), '');
  const env = {
    npm_config_registry: url,
    npm_config_userconfig: join(npmDir, 'npmrc'),
    npm_config_globalconfig: join(npmDir, 'globalrc'),
    npm_config_cache: join(npmDir, 'cache'),
    npm_config_update_notifier: 'false',
    npm_config_loglevel: 'warn',
  };
  return {
    url,
    env,
    async publish(pkgDir) {
      await run('npm', ['publish', '--ignore-scripts', '--registry', url], {
        cwd: pkgDir,
        env: { PATH: process.env.PATH, HOME: dir, ...env },
      });
    },
    stop: () => child.kill('SIGKILL'),
  };
}
