import type { AnyCommand, FieldInfo, ObjectSchema } from '../../plugin-sdk/types.ts';
import { type OutputType, typeOf, type ValueType } from './value-type.ts';

/** What the argument parser and `help` need to know of one command, as plain data (cacheable). */
export interface CommandSpec {
  description: string;
  args: FieldInfo[];
  flags: FieldInfo[];
  /** False when the command declares no `flags`: then every word is positional. */
  hasFlags: boolean;
  hasArgs: boolean;
  short: Record<string, string>;
  examples: string[];
  hidden: boolean;
  hasComplete: boolean;
  /** Its words are an expression where `<` and `>` are text (`where size > 10kb`). */
  comparisons?: boolean;
  /** What it takes through a pipe (from its `input` schema; absent: anything). */
  input?: ValueType;
  /** What it gives (from its `output` schema; absent: anything). */
  output?: OutputType;
}

interface ZodInternals {
  _zod: { def: Record<string, unknown> & { type: string } };
  description?: string;
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Describe a command's schemas as data. */
export function specOf(command: AnyCommand): CommandSpec {
  return {
    description: command.description ?? '',
    args: command.args ? fieldsOf(command.args, false) : [],
    flags: command.flags ? fieldsOf(command.flags, true) : [],
    hasFlags: command.flags !== undefined,
    hasArgs: command.args !== undefined,
    short: { ...(command.short ?? {}) },
    examples: [...(command.examples ?? [])],
    hidden: command.hidden === true,
    hasComplete: typeof command.complete === 'function',
    ...(command.comparisons === true ? { comparisons: true } : {}),
    ...(command.input ? { input: typeOf(command.input) } : {}),
    ...(command.output ? { output: command.output === 'input' ? 'input' : typeOf(command.output) } : {}),
  };
}

function fieldsOf(schema: ObjectSchema, flags: boolean): FieldInfo[] {
  return Object.entries(schema.shape as Record<string, unknown>).map(([key, field]) => {
    const info = describeField(field as ZodInternals);
    const out: FieldInfo = { key, display: flags ? `--${kebab(key)}` : key, type: info.type, array: info.array, required: info.required };
    if (info.hasDefault) out.default = info.default;
    if (info.values) out.values = info.values;
    if (info.description !== undefined) out.description = info.description;
    return out;
  });
}

interface Described {
  type: string;
  array: boolean;
  required: boolean;
  hasDefault: boolean;
  default?: unknown;
  values?: string[];
  description?: string;
}

function describeField(schema: ZodInternals): Described {
  const out: Described = { type: 'unknown', array: false, required: true, hasDefault: false };
  let s: ZodInternals | undefined = schema;
  for (let depth = 0; s && depth < 20; depth++) {
    if (out.description === undefined && typeof s.description === 'string') out.description = s.description;
    const def: ZodInternals['_zod']['def'] = s._zod.def;
    switch (def.type) {
      case 'default':
      case 'prefault':
        out.required = false;
        if (!out.hasDefault) {
          out.hasDefault = true;
          out.default = jsonSafe(def.defaultValue);
        }
        s = def.innerType as ZodInternals;
        continue;
      case 'optional':
      case 'nullable':
        out.required = false;
        s = def.innerType as ZodInternals;
        continue;
      case 'catch':
      case 'readonly':
      case 'nonoptional':
        s = def.innerType as ZodInternals;
        continue;
      case 'pipe':
        s = def.in as ZodInternals;
        continue;
      case 'lazy':
        s = (def.getter as () => ZodInternals)();
        continue;
      case 'array':
        if (out.array) break;
        out.array = true;
        s = def.element as ZodInternals;
        continue;
      case 'enum':
        out.type = 'enum';
        out.values = Object.values(def.entries as Record<string, string | number>).map(String);
        break;
      case 'literal':
        out.type = 'literal';
        out.values = (def.values as unknown[]).map(String);
        if ((def.values as unknown[]).every((v) => typeof v === 'number')) out.type = 'number';
        break;
      case 'union': {
        const options = (def.options as ZodInternals[]).map(describeField);
        if (options.every((o) => o.values && (o.type === 'literal' || o.type === 'enum'))) {
          out.type = 'enum';
          out.values = options.flatMap((o) => o.values ?? []);
        } else {
          const types = new Set(options.map((o) => o.type));
          out.type = types.size === 1 ? ([...types][0] ?? 'unknown') : 'unknown';
        }
        break;
      }
      case 'string':
      case 'number':
      case 'boolean':
      case 'bigint':
      case 'date':
        out.type = def.type;
        break;
      default:
        out.type = 'unknown';
    }
    break;
  }
  return out;
}

function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'function') return undefined;
  return value;
}
