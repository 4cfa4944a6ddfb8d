import { CommandError, defineCommand, definePlugin, z } from 'tosh/plugin-sdk';

/** `'it''s'` → a form the shell reads back as the same word. */
const quoted = (value: string) => (/^[\w@%+=:,./~^-]*$/.test(value) && value !== '' ? value : `'${value.replace(/'/g, `'\\''`)}'`);

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `NAME=value` → [NAME, value]; `NAME` → [NAME, undefined]. */
function assignment(word: string): [string, string | undefined] {
  const eq = word.indexOf('=');
  return eq < 0 ? [word, undefined] : [word.slice(0, eq), word.slice(eq + 1)];
}

/** Run a change to the shell's state; its error is the command's one-line failure. */
function change<T>(command: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new CommandError(`${command}: ${(error as Error).message}`);
  }
}

export default definePlugin({
  name: 'shell',
  version: '1.0.0',
  description: 'The working directory, variables and aliases',
  commands: {
    cd: defineCommand({
      description: 'Change the working directory (no DIR: home; -: the previous one)',
      args: z.object({ dir: z.string().optional().describe('The directory, relative or absolute, or -') }),
      examples: ['cd src', 'cd', 'cd -'],
      run({ args }, ctx) {
        let dir = args.dir;
        if (dir === undefined) {
          dir = ctx.env.HOME;
          if (!dir) throw new CommandError('cd: HOME is not set');
        } else if (dir === '-') {
          const previous = ctx.shell.variable('OLDPWD');
          if (!previous) throw new CommandError('cd: OLDPWD is not set');
          // As in bash, `cd -` says where it went.
          return change('cd', () => ctx.shell.chdir(previous));
        }
        const target = dir;
        change('cd', () => ctx.shell.chdir(target));
        return undefined;
      },
    }),
    pwd: defineCommand({
      description: 'The working directory',
      run: (_input, ctx) => ctx.shell.cwd,
    }),
    export: defineCommand({
      description: 'Set variables that commands and programs see (no words: list them)',
      args: z.object({ assignments: z.array(z.string()).default([]).describe('NAME=value, or NAME to export a variable') }),
      examples: ['export EDITOR=vim', 'export'],
      run({ args }, ctx) {
        if (args.assignments.length === 0) {
          const vars = ctx.shell.variables();
          return Object.keys(vars)
            .sort()
            .map((name) => `${name}=${quoted(vars[name] ?? '')}`)
            .join('\n');
        }
        for (const word of args.assignments) {
          const [name, value] = assignment(word);
          change('export', () => {
            if (value !== undefined) ctx.shell.setVariable(name, value, { export: true });
            // `export NAME` with NAME unset exports nothing, so a program sees no NAME (not NAME=''), as in
            // bash. bash also marks the name, to export a value given later; tosh has no variable without
            // a value, so that takes `export NAME=value`.
            else if (!ctx.shell.exportVariable(name) && !NAME.test(name)) throw new Error(`'${name}' is not a valid variable name`);
          });
        }
        return undefined;
      },
    }),
    unset: defineCommand({
      description: 'Remove variables (or functions, with -f)',
      args: z.object({ names: z.array(z.string()).min(1).describe('Variable (or function) names') }),
      flags: z.object({
        functions: z.boolean().default(false).describe('The names are functions'),
        variables: z.boolean().default(false).describe('The names are variables (the default)'),
      }),
      short: { f: 'functions', v: 'variables' },
      examples: ['unset EDITOR', 'unset -f greet'],
      run({ args, flags }, ctx) {
        for (const name of args.names) {
          // As in bash, without -v or -f a name that is no variable may be a function.
          if (flags.functions || (!flags.variables && ctx.shell.variable(name) === undefined && ctx.shell.functions()[name] !== undefined))
            ctx.shell.removeFunction(name);
          else change('unset', () => ctx.shell.setVariable(name, undefined));
        }
        return undefined;
      },
    }),
    alias: defineCommand({
      description: 'Define aliases (no words: list them)',
      args: z.object({ definitions: z.array(z.string()).default([]).describe("NAME='words', or NAME to show one") }),
      examples: ["alias ll='ls -l'", 'alias'],
      run({ args }, ctx) {
        const aliases = ctx.shell.aliases();
        const show = (name: string) => `alias ${name}=${quoted(aliases[name] ?? '')}`;
        if (args.definitions.length === 0) return Object.keys(aliases).sort().map(show).join('\n');
        const shown: string[] = [];
        for (const word of args.definitions) {
          const [name, value] = assignment(word);
          if (value === undefined) {
            if (aliases[name] === undefined) throw new CommandError(`alias: ${name}: not found`);
            shown.push(show(name));
          } else change('alias', () => ctx.shell.setAlias(name, value));
        }
        return shown.length > 0 ? shown.join('\n') : undefined;
      },
    }),
    unalias: defineCommand({
      description: 'Remove aliases',
      args: z.object({ names: z.array(z.string()).min(1).describe('Alias names') }),
      run({ args }, ctx) {
        for (const name of args.names) {
          if (ctx.shell.aliases()[name] === undefined) throw new CommandError(`unalias: ${name}: not found`);
          ctx.shell.setAlias(name, undefined);
        }
        return undefined;
      },
    }),
  },
});
