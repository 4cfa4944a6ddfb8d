import { defineCommand, definePlugin } from 'tosh/plugin-sdk';

export default definePlugin({
  name: 'clear',
  version: '1.0.0',
  description: 'Clear the screen',
  commands: {
    clear: defineCommand({
      description: 'Clear the screen',
      run(_input, ctx) {
        ctx.shell.clear();
      },
    }),
  },
});
