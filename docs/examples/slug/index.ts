import slugify from 'tiny-slugify';
import { defineCommand, definePlugin, z } from 'tosh/plugin-sdk';
import { SEPARATORS } from './separators.ts';

export default definePlugin({
  name: 'slug',
  version: '1.0.0',
  sdk: '^1.0.0',
  description: 'URL slugs (a folder plugin with its own npm dependency)',
  commands: {
    slug: defineCommand({
      description: 'Turn words into a URL slug',
      args: z.object({ words: z.array(z.string()).min(1).describe('The text to slugify') }),
      flags: z.object({ separator: z.enum(SEPARATORS).default('-').describe('What joins the words') }),
      short: { s: 'separator' },
      examples: ['slug Hello World', 'slug "Crème brûlée" -s _'],
      run: ({ args, flags }) => slugify(args.words.join(' '), flags.separator),
    }),
  },
});
