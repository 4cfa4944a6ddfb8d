import { createRequire } from 'node:module';
import type { PluginDefinition } from './types.ts';

let semver: typeof import('semver') | undefined;
/** semver, loaded when first needed: building its tables cost every start of the shell. */
const semverLib = () => (semver ??= createRequire(import.meta.url)('semver') as typeof import('semver'));
/** A plain `x.y.z[-pre][+build]` (numbers of at most 15 digits) is what semver accepts without asking it. */
const PLAIN_VERSION =
  /^(?:0|[1-9]\d{0,14})\.(?:0|[1-9]\d{0,14})\.(?:0|[1-9]\d{0,14})(?:-(?:0|[1-9]\d*|\d*[a-zA-Z-][a-zA-Z0-9-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][a-zA-Z0-9-]*))*)?(?:\+[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*)?$/;
/** `semver.valid(version) !== null`, without semver for the usual versions. */
const validVersion = (version: string) => (version.length <= 256 && PLAIN_VERSION.test(version)) || semverLib().valid(version) !== null;

/** A plugin definition that cannot be used, with the field at fault. */
export class PluginDefinitionError extends Error {
  /** The path of the offending field, such as `commands.hello.run`. */
  readonly field: string;
  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.name = 'PluginDefinitionError';
    this.field = field;
  }
}

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
// A command name is one word that the lexer keeps whole and that is not a flag.
const COMMAND_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isZodObject = (v: unknown): boolean =>
  isObject(v) && isObject(v._zod) && isObject((v._zod as Record<string, unknown>).def) && (v as { type?: unknown }).type === 'object';
const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/**
 * Check a plugin definition; throws `PluginDefinitionError` on the first bad
 * field. The shell calls this on every loaded export, whether or not the
 * author used `definePlugin`.
 */
export function validatePlugin(value: unknown): asserts value is PluginDefinition {
  if (!isObject(value))
    throw new PluginDefinitionError('default export', `expected a plugin object from definePlugin(), got ${describe(value)}`);
  const { name, version, sdk, description, commands, setup, dispose, completions } = value;
  if (typeof name !== 'string' || !KEBAB.test(name))
    throw new PluginDefinitionError('name', `must be a kebab-case string, got ${JSON.stringify(name) ?? 'nothing'}`);
  if (typeof version !== 'string' || !validVersion(version))
    throw new PluginDefinitionError('version', `must be a semantic version such as '1.0.0', got ${JSON.stringify(version) ?? 'nothing'}`);
  if (
    sdk !== undefined &&
    (typeof sdk !== 'string' || !(/^\^\d{1,9}\.\d{1,9}\.\d{1,9}$/.test(sdk) || semverLib().validRange(sdk) !== null))
  )
    throw new PluginDefinitionError('sdk', `must be a semver range such as '^1.0.0', got ${JSON.stringify(sdk)}`);
  if (description !== undefined && typeof description !== 'string')
    throw new PluginDefinitionError('description', `must be a string, got ${describe(description)}`);
  if (setup !== undefined && typeof setup !== 'function')
    throw new PluginDefinitionError('setup', `must be a function, got ${describe(setup)}`);
  if (dispose !== undefined && typeof dispose !== 'function')
    throw new PluginDefinitionError('dispose', `must be a function, got ${describe(dispose)}`);
  if (completions !== undefined && (!isObject(completions) || Array.isArray(completions)))
    throw new PluginDefinitionError('completions', `must map program names to completion specs, got ${describe(completions)}`);
  for (const [program, spec] of Object.entries(completions ?? {})) {
    if (!isObject(spec) || Array.isArray(spec))
      throw new PluginDefinitionError(`completions.${program}`, 'must be a completion spec object');
  }
  if (!isObject(commands) || Array.isArray(commands))
    throw new PluginDefinitionError('commands', `must be an object mapping command names to defineCommand(), got ${describe(commands)}`);
  for (const [key, command] of Object.entries(commands)) {
    const at = `commands.${key}`;
    if (!COMMAND_NAME.test(key)) throw new PluginDefinitionError(at, 'is not a valid command name (one word of letters, digits, _ . + -)');
    if (!isObject(command)) throw new PluginDefinitionError(at, `must be a command from defineCommand(), got ${describe(command)}`);
    if (typeof command.run !== 'function') throw new PluginDefinitionError(`${at}.run`, `must be a function, got ${describe(command.run)}`);
    for (const part of ['args', 'flags'] as const) {
      if (command[part] !== undefined && !isZodObject(command[part]))
        throw new PluginDefinitionError(`${at}.${part}`, 'must be a zod object schema, z.object({...})');
    }
    for (const part of ['description'] as const) {
      if (command[part] !== undefined && typeof command[part] !== 'string')
        throw new PluginDefinitionError(`${at}.${part}`, `must be a string, got ${describe(command[part])}`);
    }
    if (command.examples !== undefined && (!Array.isArray(command.examples) || command.examples.some((e) => typeof e !== 'string')))
      throw new PluginDefinitionError(`${at}.examples`, 'must be an array of strings');
    if (command.complete !== undefined && typeof command.complete !== 'function')
      throw new PluginDefinitionError(`${at}.complete`, `must be a function, got ${describe(command.complete)}`);
    if (command.short !== undefined) {
      if (!isObject(command.short)) throw new PluginDefinitionError(`${at}.short`, 'must map single letters to flag names');
      const flagShape = isZodObject(command.flags) ? ((command.flags as { shape: Record<string, unknown> }).shape ?? {}) : {};
      for (const [letter, flag] of Object.entries(command.short)) {
        if (!/^[A-Za-z0-9]$/.test(letter)) throw new PluginDefinitionError(`${at}.short.${letter}`, 'must be a single letter or digit');
        if (typeof flag !== 'string' || !(flag in flagShape))
          throw new PluginDefinitionError(`${at}.short.${letter}`, `names no flag of this command: ${JSON.stringify(flag)}`);
      }
    }
  }
}
