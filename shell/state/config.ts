import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { readChecked, untrusted } from '../base/files.ts';

/**
 * `$TOSH_HOME`: config, history and cache live here. Absolute, resolved
 * against `start` (the directory the shell started in) when given relative,
 * so that a `cd` cannot move it.
 */
export function toshHome(env: NodeJS.ProcessEnv = process.env, start?: string): string {
  const home = env.TOSH_HOME || (env.XDG_CONFIG_HOME ? join(env.XDG_CONFIG_HOME, 'tosh') : join(env.HOME || homedir(), '.config', 'tosh'));
  return start === undefined || isAbsolute(home) ? home : resolve(start, home);
}

/** Where Tab's candidates come from; each can be turned off in config.json (`"completion": { "disable": ["fish"] }`). */
export const COMPLETION_SOURCES = ['commands', 'specs', 'fish', 'bash', 'files', 'variables', 'users', 'jobs', 'programs'] as const;

/** The schema of config.json, made when a file is there to check (building zod schemas costs start-up time). */
const makeSchema = () =>
  z.strictObject({
    /** The interactive prompt. */
    prompt: z.string().default('tosh> '),
    /** Load plugins whatever their owner and mode. */
    trustAll: z.boolean().default(false),
    /** Lines of history kept in `$TOSH_HOME/history`. */
    historySize: z.number().int().min(0).default(1000),
    /** The most text, in MB, that `$(…)` or a plugin's piped input holds before the line fails (CONTRACT §11). */
    captureLimit: z.number().positive().max(16384).default(256),
    /** Extra plugin directories, after TOSH_PLUGIN_PATH and before `$TOSH_HOME/plugins`. */
    plugins: z.array(z.string()).default([]),
    /** Hot reload where the mode does not say (the flags `--watch` / `--no-watch` win). */
    watch: z.boolean().optional(),
    /** Aliases: name → the words that replace it (`{"ll": "ls -l"}`). */
    aliases: z
      .record(z.string().regex(/^[^\s'"\\|;&<>()$`=]+$/, 'an alias name has no spaces, quotes or operators'), z.string())
      .default({}),
    /** Seconds a plugin may take to load (its top level and `setup`) before it is marked failed. */
    loadTimeout: z.number().positive().max(3600).default(5),
    /** Tab completion: the sources turned off. */
    completion: z.strictObject({ disable: z.array(z.enum(COMPLETION_SOURCES)).default([]) }).default({ disable: [] }),
  });

let schema: ReturnType<typeof makeSchema> | undefined;
/** The schema (made once). */
export const configSchema = () => (schema ??= makeSchema());

export type Config = z.infer<ReturnType<typeof makeSchema>>;

/** What the schema gives for `{}` (test/home.test.ts keeps the two equal), without zod: most starts have no config.json. */
export const defaultConfig = (): Config => ({
  prompt: 'tosh> ',
  trustAll: false,
  historySize: 1000,
  captureLimit: 256,
  plugins: [],
  aliases: {},
  loadTimeout: 5,
  completion: { disable: [] },
});

/**
 * Read `$TOSH_HOME/config.json`. A bad file gives defaults and a one-line
 * error naming the field. Settings are trusted like code (contract §12): a
 * file that group or others can write, or that another user owns (root
 * aside), or that sits in such a `$TOSH_HOME`, is not used; neither is
 * anything but a regular file (a FIFO would hang the start). It is read
 * through the descriptor that was checked.
 */
export function loadConfig(home: string): { config: Config; error?: string } {
  const file = join(home, 'config.json');
  const notUsed = (why: string) => ({ config: defaultConfig(), error: `config ${file} not used: ${why} (using defaults)` });
  let text: string;
  try {
    const read = readChecked(file, untrusted);
    if (read.problem !== undefined) return notUsed(`it is ${read.problem}`);
    text = read.bytes.toString('utf8');
  } catch {
    return { config: defaultConfig() };
  }
  let homeProblem: string | undefined;
  try {
    homeProblem = untrusted(statSync(home));
  } catch {}
  if (homeProblem) return notUsed(`${home} is ${homeProblem}`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // V8's JSON messages quote the text, newlines and all: keep the report on one line.
    const reason = (error as Error).message.replace(/\r?\n/g, '\\n');
    return { config: defaultConfig(), error: `config ${file} does not parse: ${reason} (using defaults)` };
  }
  const result = configSchema().safeParse(data);
  if (result.success) return { config: result.data };
  const issue = result.error.issues[0];
  const field = issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : (issue?.path.join('.') ?? '');
  const message = issue?.code === 'unrecognized_keys' ? 'unknown field' : (issue?.message ?? 'invalid').replace(/^Invalid input: /, '');
  return { config: defaultConfig(), error: `config ${file}: ${field || 'top level'}: ${message} (using defaults)` };
}
