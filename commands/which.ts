import { CommandError, defineCommand, definePlugin, z } from 'tosh/plugin-sdk';

export default definePlugin({
  name: 'which',
  version: '1.0.0',
  description: 'Who owns a command',
  commands: {
    which: defineCommand({
      description: 'Show what a command runs: an alias, a plugin command or a program',
      args: z.object({ command: z.string().describe('A command name or plugin:command') }),
      examples: ['which echo', 'which ls'],
      complete: (_request, ctx) => ctx.shell.commands().map((c) => c.name),
      run({ args }, ctx) {
        // In the order the shell tries: alias, function, built-in or plugin command, program on PATH.
        const where = ctx.shell.locate(args.command);
        if (where?.kind === 'alias') return `${where.name}: alias for ${where.value}`;
        if (where?.kind === 'function') return `${where.name}: function`;
        if (where?.kind === 'builtin' && where.plugin === '') return `${where.name}: built-in of the shell language`;
        if (where?.kind === 'external') return `${where.name}: external ${where.path}`;
        const found = ctx.shell.resolve(args.command);
        if (!found) throw new CommandError(`which: unknown command '${args.command}'`);
        const version = ctx.shell.plugins().find((p) => p.name === found.plugin && p.source === found.source)?.version;
        return `${found.name}: ${found.plugin}${version ? ` ${version}` : ''} (${found.source})`;
      },
    }),
  },
});
