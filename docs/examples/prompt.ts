import { defineCommand, definePlugin, z } from 'tosh/plugin-sdk';

export default definePlugin({
  name: 'prompt',
  version: '1.0.0',
  sdk: '^1.0.0',
  description: 'Change the prompt',
  commands: {
    prompt: defineCommand({
      description: 'Change the prompt of the interactive shell for this session',
      args: z.object({ text: z.string().describe('The new prompt (quote it to keep a trailing space)') }),
      flags: z.object({ space: z.boolean().default(true).describe('Add a space after the prompt') }),
      examples: ["prompt 'λ'", "prompt '$(tosh) ' --no-space"],
      run({ args, flags }, ctx) {
        const prompt = flags.space && !args.text.endsWith(' ') ? `${args.text} ` : args.text;
        ctx.shell.setPrompt(prompt);
        // Remembered in the plugin's store, which survives hot reloads of this file.
        ctx.store.set('prompt', prompt);
        if (!ctx.interactive) ctx.stderr.write(`prompt: set to ${JSON.stringify(prompt)} (seen in the interactive shell)\n`);
      },
    }),
  },
});
