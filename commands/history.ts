import { defineCommand, definePlugin, z } from 'tosh/plugin-sdk';

export default definePlugin({
  name: 'history',
  version: '1.0.0',
  description: 'Command history',
  commands: {
    history: defineCommand({
      description: 'Show the command history, oldest first',
      args: z.object({ count: z.number().int().positive().optional().describe('Show only the last COUNT entries') }),
      run({ args }, ctx) {
        const all = ctx.shell.history();
        if (all.length === 0) return undefined;
        const from = args.count === undefined ? 0 : Math.max(0, all.length - args.count);
        const width = String(all.length).length;
        return all
          .slice(from)
          .map((line, i) => `${String(from + i + 1).padStart(width)}  ${line}`)
          .join('\n');
      },
    }),
  },
});
