import { setTimeout as delay } from 'node:timers/promises';
import { defineCommand, definePlugin, z } from 'tosh/plugin-sdk';

export default definePlugin({
  name: 'sleep',
  version: '1.0.0',
  sdk: '^1.0.0',
  description: 'Wait a while',
  commands: {
    sleep: defineCommand({
      description: 'Wait SECONDS seconds (Ctrl-C stops it)',
      args: z.object({ seconds: z.number().min(0).describe('How long to wait') }),
      examples: ['sleep 2', 'sleep 0.5 && echo done'],
      async run({ args }, ctx) {
        const whole = Math.floor(args.seconds);
        const bar = ctx.progress({ total: whole, label: `sleeping ${args.seconds}s` });
        // Each wait is given ctx.signal: Ctrl-C rejects it at once, and the shell reports status 130.
        for (let i = 0; i < whole; i++) {
          await delay(1000, undefined, { signal: ctx.signal });
          bar.tick();
        }
        await delay((args.seconds - whole) * 1000, undefined, { signal: ctx.signal });
        bar.done();
      },
    }),
  },
});
