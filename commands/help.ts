import { Chalk } from 'chalk';
import { CommandError, type CommandInfo, defineCommand, definePlugin, type FieldInfo, type PluginInfo, z } from 'tosh/plugin-sdk';

/** How help is drawn: colours (or none) and the width to wrap to. */
interface Look {
  columns: number;
  name(text: string): string;
  type(text: string): string;
  fallback(text: string): string;
  title(text: string): string;
}

function look(color: boolean, columns: number): Look {
  const chalk = new Chalk({ level: color ? 1 : 0 });
  return { columns, name: chalk.cyan, type: chalk.yellow, fallback: chalk.dim, title: chalk.bold };
}

const typeOf = (f: FieldInfo) => {
  const base = f.values && f.type !== 'number' ? f.values.join('|') : f.type === 'unknown' ? 'value' : f.type;
  return f.array ? `${base}...` : base;
};

const defaultOf = (f: FieldInfo) =>
  'default' in f && !(Array.isArray(f.default) && f.default.length === 0) ? `(default: ${JSON.stringify(f.default)})` : '';

/** `hello [name] [--loud]`: the one-line synopsis of a command. */
function synopsis(c: CommandInfo): string {
  const args = c.args.map((a) => {
    const word = a.array ? `${a.display}...` : a.display;
    return a.required ? `<${word}>` : `[${word}]`;
  });
  const flags = c.flags.length > 0 ? ['[flags]'] : [];
  return [c.name, ...args, ...flags].join(' ');
}

const visible = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '').length;

/** Words of `text` in lines of at most `width` characters (a longer word stands alone). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/ +/)) {
    if (line !== '' && visible(line) + 1 + visible(word) > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/**
 * Two columns: a left part (name, flag, type) and a description that wraps
 * under itself (a hanging indent). When the left column would leave too
 * little room, each description goes under its name instead.
 */
function columns(rows: [string, string][], l: Look): string[] {
  const left = Math.max(...rows.map(([a]) => visible(a)));
  const room = l.columns - left - 4;
  const below = room < Math.min(30, l.columns / 3);
  const out: string[] = [];
  for (const [a, b] of rows) {
    if (!b) {
      out.push(`  ${a}`);
      continue;
    }
    if (below) {
      out.push(`  ${a}`);
      for (const line of wrap(b, Math.max(10, l.columns - 6))) out.push(`      ${line}`);
      continue;
    }
    const lines = wrap(b, Math.max(10, room));
    out.push(`  ${a}${' '.repeat(left - visible(a))}  ${lines[0] ?? ''}`);
    for (const line of lines.slice(1)) out.push(`${' '.repeat(left + 4)}${line}`);
  }
  return out.map((line) => line.trimEnd());
}

/** What a field is for, then its default (or `optional`, `required`), once: its type is in the left column. */
function about(f: FieldInfo, l: Look, positional: boolean): string {
  const notes = [f.description ?? ''];
  if (f.required) notes.push(positional ? '' : l.fallback('(required)'));
  else if (f.type === 'boolean' && f.default === false) notes.push('');
  else notes.push(l.fallback(defaultOf(f) || '(optional)'));
  return notes.filter((n) => n !== '').join(' ');
}

function usage(c: CommandInfo, l: Look): string {
  const lines = [`${l.title('Usage:')} ${l.name(synopsis(c))}`];
  if (c.description) lines.push('', ...wrap(c.description, l.columns));
  if (c.args.length > 0) {
    lines.push('', l.title('Arguments:'));
    lines.push(
      ...columns(
        c.args.map((a) => [`${l.name(a.display)} ${l.type(`<${typeOf(a)}>`)}`, about(a, l, true)]),
        l,
      ),
    );
  }
  if (c.flags.length > 0) {
    const shortOf = new Map(Object.entries(c.short).map(([letter, key]) => [key, letter]));
    lines.push('', l.title('Flags:'));
    lines.push(
      ...columns(
        c.flags.map((f) => {
          const letter = shortOf.get(f.key);
          const name = `${letter ? `${l.name(`-${letter}`)}, ` : '    '}${l.name(f.display)}${f.type === 'boolean' ? '' : ` ${l.type(`<${typeOf(f)}>`)}`}`;
          return [name, about(f, l, false)];
        }),
        l,
      ),
    );
  }
  // Typed pipelines: what it takes and gives through a pipe, when its schemas say.
  if (c.input || c.output) lines.push('');
  if (c.input) lines.push(`${l.title('Input:')}  ${c.input}`);
  if (c.output) lines.push(`${l.title('Output:')} ${c.output}`);
  if (c.examples.length > 0) lines.push('', l.title('Examples:'), ...c.examples.map((e) => `  ${e}`));
  // One line, however long: a path is copied, not read across a break.
  lines.push('', `From plugin ${c.plugin} (${c.source}); also reachable as ${c.qualified}.`);
  return lines.join('\n');
}

/** Every command: one-command plugins in one list, then each plugin of several commands under its own heading. */
function overview(commands: CommandInfo[], plugins: PluginInfo[], l: Look): string {
  const byPlugin = new Map<string, CommandInfo[]>();
  for (const c of commands) {
    const list = byPlugin.get(c.plugin) ?? [];
    list.push(c);
    byPlugin.set(c.plugin, list);
  }
  const info = new Map(plugins.map((p) => [p.name, p]));
  const named = (c: CommandInfo) => l.name(c.shadowed ? c.qualified : c.name);
  const singles: [string, string][] = [];
  const out: string[] = [];
  for (const [plugin, list] of byPlugin) {
    const p = info.get(plugin);
    if (list.length === 1) {
      const c = list[0] as CommandInfo;
      singles.push([named(c), c.description || p?.description || '']);
      continue;
    }
    out.push(
      ...wrap(`${l.title(plugin)}${p?.version ? ` ${p.version}` : ''}${p?.description ? ` - ${p.description}` : ''}`, l.columns),
      ...columns(
        list.map((c) => [named(c), c.description]),
        l,
      ),
      '',
    );
  }
  const first = singles.length > 0 ? [l.title('Commands:'), ...columns(singles, l), ''] : [];
  return [...first, ...out, "Type 'help COMMAND' for its arguments and flags."].join('\n');
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
        const l = look(ctx.color, ctx.stdout.columns || 80);
        if (args.command !== undefined) {
          const found = ctx.shell.resolve(args.command);
          if (!found) {
            // The shell language's own built-ins and the user's functions are no plugin commands: say what they are.
            const where = ctx.shell.locate(args.command);
            if (where?.kind === 'builtin' && where.plugin === '')
              return `${args.command}: a built-in of the shell language (see docs/shell.md, "The language")`;
            if (where?.kind === 'function') return `${args.command}: a function\n${where.source}`;
            throw new CommandError(`help: unknown command '${args.command}'`);
          }
          return usage(found, l);
        }
        return overview(ctx.shell.commands(), ctx.shell.plugins(), l);
      },
    }),
  },
});
