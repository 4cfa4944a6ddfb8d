import { CommandError, defineCommand, definePlugin, z } from 'tosh/plugin-sdk';

/** Piped input as data: text is parsed as JSON, values pass as they are. */
function data(input: unknown): unknown {
  if (input === undefined) throw new CommandError('json: nothing piped in (try: plugins | json get 0.name)', { exitCode: 2 });
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input);
  } catch {
    throw new CommandError('json: the piped text is not JSON');
  }
}

/** Follow a dotted path: `0.name`, `commands.1`. An empty path is the whole value. */
function at(value: unknown, path: string): unknown {
  let here = value;
  for (const key of path === '' ? [] : path.split('.')) {
    if (typeof here !== 'object' || here === null || !Object.hasOwn(here, key)) {
      throw new CommandError(`json: no '${key}' in ${Array.isArray(here) ? 'an array' : typeof here} at '${path}'`);
    }
    here = (here as Record<string, unknown>)[key];
  }
  return here;
}

export default definePlugin({
  name: 'json',
  version: '1.0.0',
  sdk: '^1.0.0',
  description: 'Query piped structured data',
  commands: {
    json: defineCommand({
      description: 'Query the value piped in: get a path, list keys, count, or print it as JSON',
      args: z.object({
        action: z.enum(['get', 'keys', 'length', 'text']).describe('What to do'),
        path: z.string().default('').describe('Dotted path such as 0.name'),
      }),
      examples: ['plugins | json get 0.name', 'plugins | json length', 'echo \'{"a":[1,2]}\' | json get a.1'],
      run({ args, input }) {
        const value = at(data(input), args.path);
        switch (args.action) {
          case 'get':
            return value;
          case 'keys':
            return typeof value === 'object' && value !== null ? Object.keys(value) : [];
          case 'length':
            return Array.isArray(value) || typeof value === 'string' ? value.length : Object.keys(value ?? {}).length;
          case 'text':
            return JSON.stringify(value, null, 2);
        }
      },
    }),
  },
});
