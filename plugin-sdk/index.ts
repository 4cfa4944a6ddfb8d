/**
 * `tosh/plugin-sdk`: the only module plugin authors import.
 *
 * ```ts
 * import { definePlugin, defineCommand, z } from 'tosh/plugin-sdk';
 * export default definePlugin({ name: 'greet', version: '1.0.0', commands: {
 *   hello: defineCommand({ args: z.object({ name: z.string() }), run: ({ args }) => `Hello ${args.name}` }),
 * } });
 * ```
 */
import type { z } from 'zod';
import type { AnyCommand, CommandDefinition, ObjectSchema, OutputSchema, PluginDefinition } from './types.ts';
import { validatePlugin } from './validate.ts';

export { z } from 'zod';
export type * from './types.ts';
export { PluginDefinitionError, validatePlugin } from './validate.ts';

/** The version of this SDK; plugins state the range they accept in `sdk`. */
export const SDK_VERSION = '1.0.0';

/**
 * Define a plugin. Returns its argument, after checking it: a malformed plugin
 * throws a `PluginDefinitionError` naming the offending field, which the shell
 * reports with the plugin's file.
 * @example export default definePlugin({ name: 'greet', version: '1.0.0', commands: { hello } })
 */
export function definePlugin<const C extends Record<string, AnyCommand>>(plugin: PluginDefinition<C>): PluginDefinition<C> {
  validatePlugin(plugin);
  return plugin;
}

/**
 * Define a command. Returns its argument; it exists so that TypeScript infers
 * the types of `args`, `flags` and the piped `input` inside `run` from the zod
 * schemas (and checks what `run` returns against `output`).
 * @example defineCommand({ args: z.object({ n: z.number() }), run: ({ args }) => args.n * 2 })
 * @example defineCommand({ input: z.string(), output: z.number(), run: ({ input }) => input.length })
 */
export function defineCommand<
  A extends ObjectSchema | undefined = undefined,
  F extends ObjectSchema | undefined = undefined,
  I extends z.ZodType | undefined = undefined,
  O extends OutputSchema | undefined = undefined,
>(command: CommandDefinition<A, F, I, O>): CommandDefinition<A, F, I, O> & AnyCommand {
  return command as CommandDefinition<A, F, I, O> & AnyCommand;
}

/** Options of a `CommandError`. */
export interface CommandErrorOptions {
  /**
   * The exit status of the failed command, 1–255: a failure is never status 0,
   * and a status must fit the byte a process leaves with. An integer above 255
   * becomes 255 (not 300 % 256 = 44, which would read as another error, nor
   * 256 % 256 = 0, a success); 0, a negative number and anything that is not
   * an integer (1.5, NaN) become 1, the plain failure: rounding would make up
   * a status with a meaning of its own (1.5 → 2, a usage error).
   * @default 1
   * @example new CommandError('no such file', { exitCode: 2 })
   */
  exitCode?: number;
  /** The underlying error, kept for `--debug`. */
  cause?: unknown;
}

/**
 * A failure the user should read as it is: the shell prints `tosh: <message>`
 * (no stack, no plugin prefix) and the command's status is `exitCode`.
 * @example throw new CommandError(`no such file: ${path}`, { exitCode: 2 })
 */
export class CommandError extends Error {
  /** The exit status, 1–255 (see `CommandErrorOptions.exitCode`). @default 1 */
  readonly exitCode: number;
  constructor(message: string, options: CommandErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CommandError';
    this.exitCode = exitStatus(options.exitCode);
  }
}

/** A failure's exit status as `CommandErrorOptions.exitCode` describes it. */
function exitStatus(code: number | undefined): number {
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 1) return 1;
  return Math.min(code, 255);
}
