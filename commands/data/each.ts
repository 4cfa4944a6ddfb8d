/** `each 'LINE'`: a tosh line run once per item, with `$it` set to the item. */
import { CommandError, defineCommand, z } from 'tosh/plugin-sdk';
import { listOf, preview, scalarText, schemas } from './values.ts';

export const each = defineCommand({
  description: 'Run a tosh line for each item, with $it set to it (records and lists as JSON); gives the list of what each run gave',
  args: z.object({ line: z.string().describe("The line to run, in single quotes so that $it is not expanded before: 'echo $it'") }),
  flags: z.object({ keepEmpty: z.boolean().default(false).describe('Keep a null for runs that give nothing') }),
  short: { k: 'keepEmpty' },
  input: schemas.list,
  output: schemas.list,
  examples: ["open people.csv | get name | each 'echo Hello $it'", "files | where type == file | get name | each '^wc -l $it'"],
  async run({ args, flags, input }, ctx) {
    const list = listOf('each', input);
    const saved = ctx.shell.variable('it');
    const out: unknown[] = [];
    try {
      for (let i = 0; i < list.length; i++) {
        const item = list[i];
        ctx.shell.setVariable('it', scalarText(item));
        const result = await ctx.run(args.line);
        if (ctx.signal.aborted) return out; // The shell reports the interruption (130).
        // As nushell does: the first failing item ends it, named, and nothing is given.
        if (result.exitCode !== 0) {
          const why = (result.stderr.split('\n')[0] ?? '').replace(/^tosh: /, '') || `status ${result.exitCode}`;
          throw new CommandError(`each: item ${i} (${preview(item)}) failed: ${why}`);
        }
        if (result.stderr !== '') ctx.stderr.write(result.stderr);
        const value = result.value !== undefined ? result.value : result.stdout !== '' ? result.stdout.replace(/\n$/, '') : undefined;
        if (value !== undefined) out.push(value);
        else if (flags.keepEmpty) out.push(null);
      }
    } finally {
      ctx.shell.setVariable('it', saved);
    }
    return out;
  },
});
