// Type tests of the SDK's inference (run by vitest's typecheck): what an author's editor shows inside `run`.
import {
  type AnyCommand,
  type CommandContext,
  CommandError,
  defineCommand,
  definePlugin,
  type InputOf,
  type OutputOf,
  type OutputSchema,
  type RunInput,
  SDK_VERSION,
  z,
} from 'tosh/plugin-sdk';
import { type CommandOutcome, runCommand } from 'tosh/plugin-sdk/testing';
import { describe, expectTypeOf, it } from 'vitest';

describe('defineCommand', () => {
  it('infers args from the zod object, defaults and optionals included', () => {
    defineCommand({
      args: z.object({ name: z.string().default('Universe'), count: z.number().optional(), rest: z.array(z.string()) }),
      run({ args }) {
        expectTypeOf(args).toEqualTypeOf<{ name: string; count?: number | undefined; rest: string[] }>();
      },
    });
  });

  it('infers flags, enums and transforms', () => {
    defineCommand({
      flags: z.object({
        loud: z.boolean().default(false),
        lang: z.enum(['en', 'zh']).default('en'),
        since: z.date().optional(),
        size: z.string().transform((s) => s.length),
      }),
      run({ flags }) {
        expectTypeOf(flags.loud).toEqualTypeOf<boolean>();
        expectTypeOf(flags.lang).toEqualTypeOf<'en' | 'zh'>();
        expectTypeOf(flags.since).toEqualTypeOf<Date | undefined>();
        expectTypeOf(flags.size).toEqualTypeOf<number>();
        // @ts-expect-error: no such flag
        flags.quiet;
      },
    });
  });

  it('gives {} where there is no schema', () => {
    defineCommand({
      run({ args, flags }) {
        expectTypeOf(args).toEqualTypeOf<Record<string, never>>();
        expectTypeOf(flags).toEqualTypeOf<Record<string, never>>();
      },
    });
  });

  it('types the piped input as unknown, argv as words, and the context', () => {
    defineCommand({
      run(input, ctx) {
        expectTypeOf(input.input).toEqualTypeOf<unknown>();
        expectTypeOf(input.argv).toEqualTypeOf<string[]>();
        expectTypeOf(input).toExtend<RunInput<Record<string, never>, Record<string, never>>>();
        expectTypeOf(ctx).toEqualTypeOf<CommandContext>();
        expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
        expectTypeOf(ctx.run).returns.resolves.toHaveProperty('exitCode').toEqualTypeOf<number>();
        expectTypeOf(ctx.store).toEqualTypeOf<Map<string, unknown>>();
        expectTypeOf(ctx.progress).returns.toHaveProperty('tick');
      },
    });
  });

  it('accepts short letters only for keys of the flags', () => {
    defineCommand({ flags: z.object({ loud: z.boolean() }), short: { l: 'loud' }, run: () => undefined });
    // @ts-expect-error: 'quiet' is not a flag of this command
    defineCommand({ flags: z.object({ loud: z.boolean() }), short: { q: 'quiet' }, run: () => undefined });
    // @ts-expect-error: without flags there is nothing to abbreviate
    defineCommand({ short: { l: 'loud' }, run: () => undefined });
  });

  it('requires run, and zod objects for args and flags', () => {
    // @ts-expect-error: run is missing
    defineCommand({ description: 'no run' });
    // @ts-expect-error: args must be a zod object, not a plain one
    defineCommand({ args: { name: 'x' }, run: () => undefined });
    // @ts-expect-error: flags must be a zod object, not a string schema
    defineCommand({ flags: z.string(), run: () => undefined });
  });

  it('types the piped input by the input schema, and unknown without one', () => {
    defineCommand({
      input: z.array(z.object({ name: z.string(), size: z.number().default(0) })),
      run({ input }) {
        expectTypeOf(input).toEqualTypeOf<{ name: string; size: number }[]>();
      },
    });
    defineCommand({
      input: z.string().transform((s) => s.split('\n')),
      run({ input }) {
        expectTypeOf(input).toEqualTypeOf<string[]>();
      },
    });
    defineCommand({
      run({ input }) {
        expectTypeOf(input).toEqualTypeOf<unknown>();
      },
    });
    defineCommand({
      input: z.string(),
      run({ input }) {
        // @ts-expect-error: a string input has no rows
        input.map((row) => row);
      },
    });
  });

  it('checks what run returns against the output schema', () => {
    defineCommand({ input: z.string(), output: z.number(), run: ({ input }) => input.length });
    defineCommand({ output: z.array(z.string()), run: async () => ['a', 'b'] });
    defineCommand({ output: z.object({ n: z.number().default(1) }), run: () => ({}) });
    // @ts-expect-error: output says a number, run gives a string
    defineCommand({ output: z.number(), run: () => 'three' });
    // @ts-expect-error: output says a list of strings, run gives a promise of numbers
    defineCommand({ output: z.array(z.string()), run: async () => [1, 2] });
  });

  it("takes 'input' as output: gives what it was given, so run may return anything", () => {
    const where = defineCommand({ input: z.array(z.unknown()), output: 'input', run: ({ input }) => input.slice(0, 1) });
    expectTypeOf(where.output).toExtend<'input' | undefined>();
    defineCommand({ output: 'input', run: () => 42 });
    // @ts-expect-error: output is a zod schema or 'input', nothing else
    defineCommand({ output: 'same', run: () => undefined });
    // @ts-expect-error: input must be a zod schema
    defineCommand({ input: 'string', run: () => undefined });
  });

  it('keeps input and output on the command, for the shell to read', () => {
    const count = defineCommand({ input: z.array(z.unknown()), output: z.number(), run: ({ input }) => input.length });
    expectTypeOf(count.input).toExtend<z.ZodArray<z.ZodUnknown> | undefined>();
    expectTypeOf<z.output<NonNullable<typeof count.input>>>().toEqualTypeOf<unknown[]>();
    expectTypeOf(count.output).toExtend<z.ZodNumber | undefined>();
    expectTypeOf(count).toExtend<AnyCommand>();
    expectTypeOf<AnyCommand['input']>().toEqualTypeOf<z.ZodType | undefined>();
    expectTypeOf<AnyCommand['output']>().toEqualTypeOf<OutputSchema | undefined>();
    expectTypeOf<RunInput<{ a: 1 }, { b: 2 }, string>['input']>().toEqualTypeOf<string>();
    expectTypeOf<InputOf<undefined>>().toEqualTypeOf<unknown>();
    expectTypeOf<OutputOf<z.ZodString>>().toEqualTypeOf<string | Promise<string>>();
  });

  it('lets run return anything, sync or async', () => {
    defineCommand({ run: () => [{ a: 1 }] });
    defineCommand({ run: async () => 'later' });
    defineCommand({ run: () => undefined });
  });
});

describe('definePlugin', () => {
  const greet = definePlugin({
    name: 'greet',
    version: '1.0.0',
    sdk: '^1.0.0',
    commands: {
      hello: defineCommand({ args: z.object({ name: z.string() }), run: ({ args }) => `Hello ${args.name}` }),
    },
    setup(ctx) {
      expectTypeOf(ctx.store).toEqualTypeOf<Map<string, unknown>>();
    },
  });

  it('keeps the names of the command map', () => {
    expectTypeOf<keyof typeof greet.commands>().toEqualTypeOf<'hello'>();
    expectTypeOf(greet.name).toEqualTypeOf<string>();
  });

  it('requires a name, a version and commands', () => {
    // @ts-expect-error: version is missing
    definePlugin({ name: 'x', commands: {} });
    // @ts-expect-error: commands is missing
    definePlugin({ name: 'x', version: '1.0.0' });
    // @ts-expect-error: a command must have run
    definePlugin({ name: 'x', version: '1.0.0', commands: { a: { description: 'no run' } } });
  });

  it('types runCommand and the other exports', async () => {
    expectTypeOf(runCommand(greet, 'hello Ada')).resolves.toEqualTypeOf<CommandOutcome>();
    const outcome = await runCommand(greet, 'hello Ada', { input: [1], columns: 40 });
    expectTypeOf(outcome.exitCode).toEqualTypeOf<number>();
    expectTypeOf(outcome.value).toEqualTypeOf<unknown>();
    expectTypeOf(SDK_VERSION).toEqualTypeOf<string>();
    expectTypeOf(new CommandError('x', { exitCode: 2 }).exitCode).toEqualTypeOf<number>();
  });
});
