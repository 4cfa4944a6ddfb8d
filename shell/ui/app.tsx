import type { Session } from '../session.ts';

/** The interactive shell. Resolves to the exit status. */
export async function runInteractive(session: Session, _options: { watch: boolean }): Promise<number> {
  await session.start();
  process.stderr.write('tosh: the interactive shell is not built yet; use -c, a script or stdin\n');
  return 1;
}
