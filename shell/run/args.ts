import type { AnyCommand, FieldInfo } from '../../plugin-sdk/types.ts';
import { didYouMean } from '../base/did-you-mean.ts';
import { quote, UsageError } from '../base/errors.ts';
import type { CommandSpec } from '../plugins/schema.ts';

const suggestion = (word: string, candidates: readonly string[]) => {
  const near = didYouMean(word, candidates);
  return near ? ` (did you mean ${quote(near)}?)` : '';
};

const TRUE = new Set(['true', 'yes', 'y', '1', 'on']);
const FALSE = new Set(['false', 'no', 'n', '0', 'off']);
const looksNumeric = (word: string) => /^-(\d|\.\d)/.test(word);

/** Turn the text of one word into the field's type, or say what was expected. */
function coerce(field: FieldInfo, text: string, who: string): unknown {
  switch (field.type) {
    case 'number': {
      const value = text.trim() === '' ? Number.NaN : Number(text);
      if (Number.isNaN(value)) throw new UsageError(`${who} expects a number, got ${quote(text)}`);
      return value;
    }
    case 'bigint':
      try {
        return BigInt(text);
      } catch {
        throw new UsageError(`${who} expects an integer, got ${quote(text)}`);
      }
    case 'boolean': {
      const lower = text.toLowerCase();
      if (TRUE.has(lower)) return true;
      if (FALSE.has(lower)) return false;
      throw new UsageError(`${who} expects true or false, got ${quote(text)}`);
    }
    case 'date': {
      const date = new Date(text);
      if (Number.isNaN(date.getTime())) throw new UsageError(`${who} expects a date, got ${quote(text)}`);
      return date;
    }
    case 'enum':
    case 'literal':
      if (field.values && !field.values.includes(text)) {
        throw new UsageError(`${who} expects one of ${field.values.join(', ')}, got ${quote(text)}${suggestion(text, field.values)}`);
      }
      return text;
    default:
      return text;
  }
}

/** The raw (coerced, not yet validated) args and flags of one call. */
export interface RawInput {
  args: Record<string, unknown>;
  flags: Record<string, unknown>;
}

/**
 * Split the words after a command name into positional arguments and flags
 * according to the command's spec, coercing text to each field's type.
 * Throws `UsageError` naming the argument or flag at fault.
 */
export function parseWords(name: string, spec: CommandSpec, words: readonly string[]): RawInput {
  const flags: Record<string, unknown> = {};
  const positional: string[] = [];
  const byDisplay = new Map(spec.flags.map((f) => [f.display, f]));
  // A command without flags takes every word as an argument, except a first `--`: it still ends the
  // flags every command has (`--json`, `--help`), as the contract says.
  let flagsEnded = !spec.hasFlags;
  let dashesSeen = false;

  const setFlag = (field: FieldInfo, value: unknown) => {
    if (!field.array) flags[field.key] = value;
    else ((flags[field.key] ??= []) as unknown[]).push(value);
  };

  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (word === '--' && !dashesSeen) {
      dashesSeen = true;
      flagsEnded = true;
      continue;
    }
    if (flagsEnded || word === '-' || !word.startsWith('-')) {
      positional.push(word);
      continue;
    }
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      const flagName = eq < 0 ? word : word.slice(0, eq);
      const inline = eq < 0 ? undefined : word.slice(eq + 1);
      const field = byDisplay.get(flagName);
      if (!field && flagName.startsWith('--no-')) {
        const negated = byDisplay.get(`--${flagName.slice(5)}`);
        if (negated?.type === 'boolean' && !negated.array) {
          if (inline !== undefined) throw new UsageError(`${name}: ${flagName} takes no value`);
          setFlag(negated, false);
          continue;
        }
      }
      if (!field) {
        const plain = flagName.startsWith('--no-') ? byDisplay.get(`--${flagName.slice(5)}`) : undefined;
        if (plain) throw new UsageError(`${name}: unknown flag ${quote(flagName)} (${plain.display} is not a true/false flag)`);
        throw new UsageError(`${name}: unknown flag ${quote(flagName)}${suggestion(flagName, [...byDisplay.keys()])}`);
      }
      if (field.type === 'boolean' && inline === undefined) {
        setFlag(field, true);
        continue;
      }
      let text = inline;
      if (text === undefined) {
        if (i + 1 >= words.length) throw new UsageError(`${name}: ${field.display} needs a value (${label(field)})`);
        text = words[++i] as string;
      }
      setFlag(field, coerce(field, text, `${name}: ${field.display}`));
      continue;
    }
    // A short cluster: -l, -abc (booleans), -n 5 or -n5.
    if (looksNumeric(word) && !spec.short[word[1] as string]) {
      positional.push(word);
      continue;
    }
    for (let j = 1; j < word.length; j++) {
      const letter = word[j] as string;
      const key = spec.short[letter];
      const field = key === undefined ? undefined : spec.flags.find((f) => f.key === key);
      if (!field) {
        // Any letter is one edit from any other: a suggestion would be noise, so list them instead.
        const known = Object.keys(spec.short).map((l) => `-${l}`);
        throw new UsageError(`${name}: unknown flag ${quote(`-${letter}`)}${known.length > 0 ? ` (known: ${known.join(', ')})` : ''}`);
      }
      if (field.type === 'boolean') {
        setFlag(field, true);
        continue;
      }
      let text = word.slice(j + 1);
      if (text === '') {
        if (i + 1 >= words.length) throw new UsageError(`${name}: -${letter} (${field.display}) needs a value (${label(field)})`);
        text = words[++i] as string;
      }
      setFlag(field, coerce(field, text, `${name}: ${field.display}`));
      break;
    }
  }

  const args: Record<string, unknown> = {};
  if (!spec.hasArgs && positional.length > 0) {
    throw new UsageError(`${name}: takes no arguments, got ${quote(positional[0] as string)}`);
  }
  let p = 0;
  spec.args.forEach((field, index) => {
    const last = index === spec.args.length - 1;
    if (field.array && last) {
      const rest = positional.slice(p);
      p = positional.length;
      // A required variadic needs at least one word (`.default([])` makes it optional).
      if (rest.length === 0 && field.required) throw new UsageError(`${name}: missing argument <${field.display}>`);
      if (rest.length > 0) {
        // Words taken as they are need no pass (`echo *` over 100,000 names).
        const who = `${name}: <${field.display}>`;
        args[field.key] = field.type === 'string' ? rest : rest.map((w) => coerce(field, w, who));
      }
      return;
    }
    if (p < positional.length) {
      const text = positional[p++] as string;
      args[field.key] = field.array
        ? [coerce(field, text, `${name}: <${field.display}>`)]
        : coerce(field, text, `${name}: <${field.display}>`);
    }
  });
  if (p < positional.length) throw new UsageError(`${name}: unexpected argument ${quote(positional[p] as string)}`);
  return { args, flags };
}

const label = (f: FieldInfo) => (f.values ? `one of ${f.values.join(', ')}` : f.type === 'unknown' ? 'a value' : `a ${f.type}`);

/** Validate raw input with the command's zod schemas; usage errors name the field. */
export function validate(name: string, command: AnyCommand, spec: CommandSpec, raw: RawInput): { args: unknown; flags: unknown } {
  return {
    args: check(name, command.args, raw.args, spec.args),
    flags: check(name, command.flags, raw.flags, spec.flags),
  };
}

function check(name: string, schema: AnyCommand['args'], raw: Record<string, unknown>, fields: FieldInfo[]): unknown {
  if (!schema) return {};
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0] as ZodIssue | undefined;
  const key = String(issue?.path[0] ?? '');
  const f = fields.find((x) => x.key === key);
  const who = f ? (f.display.startsWith('--') ? f.display : `<${f.display}>`) : key || 'input';
  // A missing enum or literal is reported by zod as invalid_value, not invalid_type.
  if (f && raw[key] === undefined && (issue?.code === 'invalid_type' || issue?.code === 'invalid_value')) {
    throw new UsageError(
      f.display.startsWith('--') ? `${name}: missing required flag ${f.display}` : `${name}: missing argument <${f.display}>`,
    );
  }
  const index = issue?.path[1];
  const value = typeof index === 'number' && Array.isArray(raw[key]) ? (raw[key] as unknown[])[index] : raw[key];
  const got = value === undefined || typeof value === 'object' ? '' : `, got ${quote(String(value))}`;
  // An author's own message (z.string().regex(re, 'must be kebab-case')) is theirs to word.
  if (issue && !ZOD_DEFAULT_MESSAGE.test(issue.message)) throw new UsageError(`${name}: ${who}: ${issue.message}${got}`);
  throw new UsageError(`${name}: ${who} ${issue ? expectation(issue) : 'is invalid'}${got}`);
}

/** How zod's own messages begin; anything else was written by the plugin's author. */
const ZOD_DEFAULT_MESSAGE = /^(Invalid|Too (big|small)|Unrecognized key|Expected|Number must|String must)/;

/** The parts of a zod issue that say what was expected. */
interface ZodIssue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  divisor?: number;
  format?: string;
  pattern?: string;
}

/** What a zod issue expected, as the rest of a sentence: `must be at most 255`. */
function expectation(issue: ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'int' ? 'expects an integer' : `expects ${article(issue.expected ?? 'value')}`;
    case 'too_big':
    case 'too_small': {
      const big = issue.code === 'too_big';
      const bound = String(big ? issue.maximum : issue.minimum);
      if (issue.origin === 'string') return `must have ${big ? 'at most' : 'at least'} ${bound} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `takes ${big ? 'at most' : 'at least'} ${bound} values`;
      if (issue.inclusive === false) return `must be ${big ? 'less' : 'greater'} than ${bound}`;
      return `must be ${big ? 'at most' : 'at least'} ${bound}`;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_format':
      return issue.format === 'regex' ? `must match ${issue.pattern}` : `must be a valid ${issue.format}`;
    default: {
      const message = issue.message.replace(/^Invalid input: /, '');
      return `is invalid: ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
    }
  }
}

const article = (word: string) => `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`;
