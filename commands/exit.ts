import { defineCommand, definePlugin, z } from 'tosh/plugin-sdk';

const exit = defineCommand({
  description: "Leave the shell (with the previous line's status by default)",
  args: z.object({ status: z.number().int().min(0).max(255).optional().describe('Exit status') }),
  examples: ['exit', 'exit 3'],
  run({ args }, ctx) {
    ctx.shell.exit(args.status);
  },
});

export default definePlugin({
  name: 'exit',
  version: '1.0.0',
  description: 'Leave the shell',
  commands: { exit, quit: exit },
});
