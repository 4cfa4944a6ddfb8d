import { defineCommand, definePlugin, z } from 'tosh/plugin-sdk';

export default definePlugin({
  name: 'echo',
  version: '1.0.0',
  description: 'Print words',
  commands: {
    echo: defineCommand({
      description: 'Return the words joined by single spaces',
      args: z.object({ words: z.array(z.string()).default([]).describe('Words to print') }),
      examples: ['echo hello world', 'echo "two  spaces" | upper'],
      run: ({ args }) => args.words.join(' '),
    }),
  },
});
