/**
 * The fault machinery adds its process listeners once per process, not once
 * per session (the SDK's tests and test/ui-shell make dozens of sessions),
 * and a SIGINT listener it sets aside while a line runs is put back once,
 * even when its owner took it off and added it again meanwhile (ink's
 * signal-exit does that at every render).
 */
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { Faults } from '../shell/base/faults.ts';

it('twenty sessions: one newListener listener, and the owner’s SIGINT listener once', async () => {
  const before = process.listenerCount('newListener');
  const owner = () => {};
  process.on('SIGINT', owner);
  try {
    for (let i = 0; i < 20; i++) {
      const faults = new Faults(() => {});
      faults.sigint.enter();
      // Set aside by the watch; its owner takes it off (a no-op now) and adds it again, as signal-exit does.
      process.removeListener('SIGINT', owner);
      process.on('SIGINT', owner);
      await tick();
      faults.sigint.leave();
      for (let n = 0; n < 100 && faults.sigint.active; n++) await sleep(10);
      expect(faults.sigint.active).toBe(false);
    }
    expect(process.listenerCount('newListener') - before).toBeLessThanOrEqual(1);
    expect(process.listeners('SIGINT').filter((l) => l === owner)).toHaveLength(1);
  } finally {
    process.removeListener('SIGINT', owner);
  }
});
