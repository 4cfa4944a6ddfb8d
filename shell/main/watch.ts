/** Hot reload: the plugin watcher started, bounded, for a session (CONTRACT §7). */
import { timers } from '../base/faults.ts';
import type { Session } from './session.ts';

/** How long the shell waits for the plugin directories to be watched before it goes on without hot reload. */
const WATCH_START_MS = 5000;

/** Start watching the session's plugin directories; resolves to what stops it. */
export async function startWatching(session: Session): Promise<() => Promise<void>> {
  const { watchPlugins } = await import('../plugins/watcher.ts');
  const started = watchPlugins(session.plugins, (report) => session.notice(report.message));
  // A watcher that never gets ready (a plugin broke a global it relies on) must not hold up the lines.
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = timers.setTimeout(() => resolve(undefined), WATCH_START_MS);
  });
  const stop = await Promise.race([started, late]);
  timers.clearTimeout(timer);
  if (stop) return stop;
  session.notice(`hot reload is off: watching the plugin directories did not start within ${WATCH_START_MS / 1000} s`);
  void started.then((close) => close()).catch(() => {});
  return async () => {};
}
