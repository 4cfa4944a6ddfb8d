/**
 * The type of a value that passes through a pipe, as plain data made from a
 * command's `input`/`output` zod schema (cacheable with its spec, CONTRACT
 * §17): whether two stages fit, the type in words (`a list of records`), and
 * the fields a record has (for Tab after `where `).
 */

/** A value's type. `any` is what a command without a schema takes or gives. */
export type ValueType =
  | { t: 'any' }
  | { t: 'nothing' }
  | { t: 'null' }
  | { t: 'text' }
  | { t: 'number' }
  | { t: 'boolean' }
  | { t: 'date' }
  /** Text that is one of `values` (a zod enum or string literals). */
  | { t: 'enum'; values: string[] }
  | { t: 'list'; of: ValueType }
  /** A record: its known `fields` (those in `optional` may be missing), and the type of any other key (`rest`, absent: none). */
  | { t: 'record'; fields: Record<string, ValueType>; optional?: string[]; rest?: ValueType }
  | { t: 'union'; of: ValueType[] };

/** What a command gives: a type, or `input` (what it was given, as `where` and `sort-by`). */
export type OutputType = ValueType | 'input';

export const ANY: ValueType = { t: 'any' };
export const TEXT: ValueType = { t: 'text' };

interface Zod {
  _zod: { def: Record<string, unknown> & { type: string } };
}

const made = new WeakMap<object, ValueType>();

/** The type a zod schema describes (unknown parts are `any`; recursion stops at depth 12). */
export function typeOf(schema: unknown, depth = 0): ValueType {
  if (typeof schema !== 'object' || schema === null || !('_zod' in schema) || depth > 12) return ANY;
  const known = made.get(schema);
  if (known) return known;
  const type = describe(schema as Zod, depth);
  made.set(schema, type);
  return type;
}

function describe(schema: Zod, depth: number): ValueType {
  const def = schema._zod.def;
  const inner = (s: unknown) => typeOf(s, depth + 1);
  switch (def.type) {
    case 'string':
    case 'template_literal':
      return TEXT;
    case 'number':
    case 'int':
    case 'bigint':
      return { t: 'number' };
    case 'boolean':
      return { t: 'boolean' };
    case 'date':
      return { t: 'date' };
    case 'null':
      return { t: 'null' };
    case 'undefined':
    case 'void':
      return { t: 'nothing' };
    case 'enum':
      return { t: 'enum', values: Object.values(def.entries as Record<string, string | number>).map(String) };
    case 'literal': {
      const values = def.values as unknown[];
      if (values.every((v) => typeof v === 'string')) return { t: 'enum', values: values as string[] };
      if (values.every((v) => typeof v === 'number')) return { t: 'number' };
      return ANY;
    }
    case 'array':
      return { t: 'list', of: inner(def.element) };
    case 'set':
      return { t: 'list', of: inner(def.valueType) };
    case 'tuple':
      return { t: 'list', of: union((def.items as unknown[]).map(inner)) };
    case 'object': {
      const fields: Record<string, ValueType> = {};
      const optional: string[] = [];
      for (const [key, field] of Object.entries(def.shape as Record<string, Zod>)) {
        fields[key] = inner(field);
        const kind = field._zod.def.type;
        if (kind === 'optional' || kind === 'default' || kind === 'prefault') optional.push(key);
      }
      const out: ValueType = { t: 'record', fields };
      if (optional.length > 0) out.optional = optional;
      const catchall = def.catchall as Zod | undefined;
      if (catchall && catchall._zod.def.type !== 'never') out.rest = inner(catchall);
      // zod's plain objects strip unknown keys but accept them: a record may hold more than its fields.
      else if (catchall === undefined) out.rest = ANY;
      return out;
    }
    case 'record':
      return { t: 'record', fields: {}, rest: inner(def.valueType) };
    case 'union':
      return union((def.options as unknown[]).map(inner));
    case 'optional':
      return union([inner(def.innerType), { t: 'nothing' }]);
    case 'nullable':
      return union([inner(def.innerType), { t: 'null' }]);
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return inner(def.innerType);
    case 'pipe':
      return inner(def.in);
    case 'lazy':
      return depth > 4 ? ANY : inner((def.getter as () => unknown)());
    default:
      return ANY;
  }
}

function union(types: ValueType[]): ValueType {
  const flat: ValueType[] = [];
  for (const type of types) {
    if (type.t === 'any') return ANY;
    if (type.t === 'union') flat.push(...type.of);
    else flat.push(type);
  }
  return flat.length === 1 ? (flat[0] as ValueType) : { t: 'union', of: flat };
}

/**
 * Whether some value of type `given` is accepted by `takes`: a pipeline is
 * refused only when nothing the stage before can give fits (gradual, as an
 * unknown part fits anything), so `flatten | where` is not refused for what
 * a list of unknown items may hold.
 */
export function fits(given: ValueType, takes: ValueType): boolean {
  if (given.t === 'any' || takes.t === 'any') return true;
  if (given.t === 'union') return given.of.some((g) => fits(g, takes));
  if (takes.t === 'union') return takes.of.some((t) => fits(given, t));
  switch (takes.t) {
    case 'text':
      return given.t === 'text' || given.t === 'enum';
    case 'enum':
      return given.t === 'text' || (given.t === 'enum' && given.values.some((v) => takes.values.includes(v)));
    case 'list':
      return given.t === 'list' && fits(given.of, takes.of);
    case 'record': {
      if (given.t !== 'record') return false;
      for (const [key, type] of Object.entries(takes.fields)) {
        if (takes.optional?.includes(key)) continue;
        const there = given.fields[key] ?? given.rest;
        if (there === undefined || !fits(there, type)) return false;
      }
      if (takes.rest === undefined) return Object.keys(given.fields).every((key) => key in takes.fields);
      return Object.entries(given.fields).every(([key, type]) => key in takes.fields || fits(type, takes.rest as ValueType));
    }
    default:
      return given.t === takes.t;
  }
}

/** The type in words, as messages and `help` say it: `a string`, `a list of records`, `a number or nothing`. */
export function typeWords(type: ValueType): string {
  switch (type.t) {
    case 'any':
      return 'any value';
    case 'nothing':
      return 'nothing';
    case 'null':
      return 'null';
    case 'text':
      return 'a string';
    case 'enum':
      return type.values.length <= 4 ? `one of ${type.values.map((v) => `'${v}'`).join(', ')}` : 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'date':
      return 'a date';
    case 'list':
      return listWords(type.of);
    case 'record':
      return 'a record';
    case 'union': {
      // `a string or nothing` says less than `a string`: what may also be left out is not a kind of value.
      const some = type.of.filter((option) => option.t !== 'nothing');
      return (some.length > 0 ? some : type.of).map(typeWords).join(' or ');
    }
  }
}

function listWords(of: ValueType): string {
  switch (of.t) {
    case 'any':
      return 'a list';
    case 'record':
      return 'a list of records';
    case 'text':
    case 'enum':
      return 'a list of strings';
    case 'number':
      return 'a list of numbers';
    case 'boolean':
      return 'a list of booleans';
    case 'date':
      return 'a list of dates';
    case 'list':
      return 'a list of lists';
    default:
      return 'a list';
  }
}

/** True when the type takes nothing as well (a command whose input may be left out). */
export const acceptsNothing = (type: ValueType): boolean => fits({ t: 'nothing' }, type);

/** The record type inside a type: a record's own, or the items' of a list of records (the columns `where` sees). */
export function rowType(type: ValueType): Extract<ValueType, { t: 'record' }> | undefined {
  if (type.t === 'record') return type;
  if (type.t === 'list') return rowType(type.of);
  if (type.t === 'union') {
    for (const option of type.of) {
      const row = rowType(option);
      if (row) return row;
    }
  }
  return undefined;
}

/** The fields of the records a type holds, nested records as dotted paths (`owner.team`), enum fields with their values. */
export function fieldsOf(type: ValueType): { path: string; values?: string[] }[] {
  const out: { path: string; values?: string[] }[] = [];
  const walk = (row: Extract<ValueType, { t: 'record' }>, prefix: string, depth: number) => {
    for (const [key, field] of Object.entries(row.fields)) {
      const path = `${prefix}${key}`;
      const values = enumValues(field);
      out.push(values ? { path, values } : { path });
      const inner = field.t === 'record' ? field : undefined;
      if (inner && depth < 4) walk(inner, `${path}.`, depth + 1);
    }
  };
  const row = rowType(type);
  if (row) walk(row, '', 0);
  return out;
}

function enumValues(type: ValueType): string[] | undefined {
  if (type.t === 'enum') return type.values;
  if (type.t !== 'union') return undefined;
  const values: string[] = [];
  for (const option of type.of) {
    if (option.t === 'enum') values.push(...option.values);
    else if (option.t !== 'nothing' && option.t !== 'null') return undefined;
  }
  return values;
}
