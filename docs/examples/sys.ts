import os from 'node:os';
import { CommandError, defineCommand, definePlugin, z } from 'tosh/plugin-sdk';

/** Each field `sys` knows, and how to read it. */
const FIELDS = {
  host: () => os.hostname(),
  os: () => `${os.type()} ${os.release()}`,
  arch: () => os.arch(),
  cpus: () => os.cpus().length,
  memory: () => `${Math.round(os.totalmem() / 2 ** 20)} MiB`,
  uptime: () => `${Math.round(os.uptime() / 60)} min`,
  node: () => process.version,
} satisfies Record<string, () => string | number>;

type Field = keyof typeof FIELDS;
const NAMES = Object.keys(FIELDS) as Field[];

export default definePlugin({
  name: 'sys',
  version: '1.0.0',
  sdk: '^1.0.0',
  description: 'System information',
  commands: {
    sys: defineCommand({
      description: 'Show system information, or one field of it',
      args: z.object({
        field: z
          .string()
          .optional()
          .describe(`One of ${NAMES.join(', ')}`),
      }),
      examples: ['sys', 'sys node', 'sys --json'],
      // Tab after `sys ` offers the field names.
      complete: ({ current }) => NAMES.filter((name) => name.startsWith(current)),
      run({ args }, ctx) {
        if (args.field === undefined) {
          const info: Record<string, string | number> = {};
          for (const name of NAMES) info[name] = FIELDS[name]();
          info.tosh = `${ctx.shell.version} (SDK ${ctx.shell.sdkVersion})`;
          return info;
        }
        if (!(args.field in FIELDS)) throw new CommandError(`sys: no field '${args.field}' (try: ${NAMES.join(', ')})`, { exitCode: 2 });
        return FIELDS[args.field as Field]();
      },
    }),
  },
});
