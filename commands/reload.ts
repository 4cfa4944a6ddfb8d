import { CommandError, defineCommand, definePlugin, z } from 'tosh/plugin-sdk';

export default definePlugin({
  name: 'reload',
  version: '1.0.0',
  description: 'Reload plugins from disk',
  commands: {
    reload: defineCommand({
      description: 'Reload every plugin, or the one named',
      args: z.object({ plugin: z.string().optional().describe('A plugin name') }),
      complete: (_request, ctx) => ctx.shell.plugins().map((p) => p.name),
      async run({ args }, ctx) {
        let reports: Awaited<ReturnType<typeof ctx.shell.reload>>;
        try {
          reports = await ctx.shell.reload(args.plugin);
        } catch (error) {
          throw new CommandError((error as Error).message);
        }
        const failed = reports.filter((r) => !r.ok);
        for (const r of reports) if (r.ok) ctx.print(r.message);
        if (failed.length > 0) throw new CommandError(failed.map((r) => r.message).join('; '));
        return undefined;
      },
    }),
  },
});
