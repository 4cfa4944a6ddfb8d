import { defineCommand, definePlugin } from 'tosh/plugin-sdk';

export default definePlugin({
  name: 'plugins',
  version: '1.0.0',
  description: 'What is loaded',
  commands: {
    plugins: defineCommand({
      description: 'List plugins: name, version, status, commands and source',
      run: (_input, ctx) =>
        ctx.shell.plugins().map((p) => ({
          name: p.name,
          version: p.version,
          status: p.status === 'failed' ? `failed: ${p.error}` : p.error ? `loaded (last reload failed: ${p.error})` : p.status,
          commands: p.commands.join(' '),
          source: p.source,
          reloaded: p.reloads > 0 && p.loadedAt ? new Date(p.loadedAt).toLocaleTimeString('en-GB') : '',
        })),
    }),
  },
});
