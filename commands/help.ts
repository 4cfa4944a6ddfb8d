import { CommandError, type CommandInfo, defineCommand, definePlugin, type FieldInfo, z } from 'tosh/plugin-sdk';

const typeOf = (f: FieldInfo) => {
  const base = f.values && f.type !== 'number' ? f.values.join('|') : f.type === 'unknown' ? 'value' : f.type;
  return f.array ? `${base}...` : base;
};

const defaultOf = (f: FieldInfo) =>
  'default' in f && !(Array.isArray(f.default) && f.default.length === 0) ? ` (default: ${JSON.stringify(f.default)})` : '';

/** `hello [name] [--loud]`: the one-line synopsis of a command. */
function synopsis(c: CommandInfo): string {
  const args = c.args.map((a) => {
    const word = a.array ? `${a.display}...` : a.display;
    return a.required ? `<${word}>` : `[${word}]`;
  });
  const flags = c.flags.length > 0 ? ['[flags]'] : [];
  return [c.name, ...args, ...flags].join(' ');
}

function columns(rows: [string, string][]): string[] {
  const width = Math.max(...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => (b ? `  ${a.padEnd(width)}  ${b}` : `  ${a}`).trimEnd());
}

function usage(c: CommandInfo): string {
  const lines = [`Usage: ${synopsis(c)}`];
  if (c.description) lines.push('', c.description);
  if (c.args.length > 0) {
    lines.push('', 'Arguments:');
    lines.push(
      ...columns(
        c.args.map((a) => [
          a.display,
          `${typeOf(a)}${a.required ? '' : defaultOf(a) || ' (optional)'}${a.description ? `  ${a.description}` : ''}`,
        ]),
      ),
    );
  }
  if (c.flags.length > 0) {
    const shortOf = new Map(Object.entries(c.short).map(([letter, key]) => [key, letter]));
    lines.push('', 'Flags:');
    lines.push(
      ...columns(
        c.flags.map((f) => {
          const letter = shortOf.get(f.key);
          const name = `${letter ? `-${letter}, ` : '    '}${f.display}${f.type === 'boolean' ? '' : ` <${typeOf(f)}>`}`;
          const kind = f.type === 'boolean' ? 'boolean' : typeOf(f);
          return [name, `${kind}${f.required ? ' (required)' : defaultOf(f)}${f.description ? `  ${f.description}` : ''}`];
        }),
      ),
    );
  }
  if (c.examples.length > 0) lines.push('', 'Examples:', ...c.examples.map((e) => `  ${e}`));
  lines.push('', `From plugin ${c.plugin} (${c.source}); also reachable as ${c.qualified}.`);
  return lines.join('\n');
}

export default definePlugin({
  name: 'help',
  version: '1.0.0',
  description: 'Built-in help',
  commands: {
    help: defineCommand({
      description: 'List commands, or show how to use one',
      args: z.object({ command: z.string().optional().describe('A command name or plugin:command') }),
      examples: ['help', 'help echo'],
      complete: (_request, ctx) => ctx.shell.commands().map((c) => c.name),
      run({ args }, ctx) {
        if (args.command !== undefined) {
          const found = ctx.shell.resolve(args.command);
          if (!found) throw new CommandError(`help: unknown command '${args.command}'`);
          return usage(found);
        }
        const byPlugin = new Map<string, CommandInfo[]>();
        for (const c of ctx.shell.commands()) {
          const list = byPlugin.get(c.plugin) ?? [];
          list.push(c);
          byPlugin.set(c.plugin, list);
        }
        const plugins = new Map(ctx.shell.plugins().map((p) => [p.name, p]));
        const out: string[] = [];
        for (const [plugin, commands] of byPlugin) {
          const info = plugins.get(plugin);
          out.push(`${plugin}${info?.version ? ` ${info.version}` : ''}${info?.description ? ` - ${info.description}` : ''}`);
          out.push(...columns(commands.map((c) => [c.shadowed ? c.qualified : c.name, c.description])));
          out.push('');
        }
        out.push("Type 'help COMMAND' for its arguments and flags.");
        return out.join('\n');
      },
    }),
  },
});
