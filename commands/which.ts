import { CommandError, defineCommand, definePlugin, z } from 'tosh/plugin-sdk';

export default definePlugin({
  name: 'which',
  version: '1.0.0',
  description: 'Who owns a command',
  commands: {
    which: defineCommand({
      description: 'Show the plugin and file that own a command',
      args: z.object({ command: z.string().describe('A command name or plugin:command') }),
      examples: ['which echo'],
      complete: (_request, ctx) => ctx.shell.commands().map((c) => c.name),
      run({ args }, ctx) {
        const found = ctx.shell.resolve(args.command);
        if (!found) throw new CommandError(`which: unknown command '${args.command}'`);
        const version = ctx.shell.plugins().find((p) => p.name === found.plugin && p.source === found.source)?.version;
        return `${found.name}: ${found.plugin}${version ? ` ${version}` : ''} (${found.source})`;
      },
    }),
  },
});
