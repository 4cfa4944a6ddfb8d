/**
 * `$((…))`: integer arithmetic as in bash (CONTRACT §14), on 64-bit signed
 * integers. Where bash silently wraps (`2**64` is 0) tosh says so: a result
 * outside 64 bits is an error, as is a division by zero. Expressions are
 * parsed once and kept (a loop evaluates the same text again and again).
 */
import { ExpansionError, quote } from '../base/errors.ts';

/** What arithmetic reads and writes: shell variables by name. */
export interface ArithScope {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
}

type Node =
  | { k: 'num'; v: bigint }
  | { k: 'var'; name: string }
  | { k: 'un'; op: string; a: Node }
  | { k: 'bin'; op: string; a: Node; b: Node }
  | { k: 'assign'; op: string; name: string; b: Node }
  | { k: 'incdec'; op: '++' | '--'; prefix: boolean; name: string }
  | { k: 'cond'; c: Node; a: Node; b: Node }
  | { k: 'comma'; a: Node; b: Node };

const MAX = (1n << 63n) - 1n;
const MIN = -(1n << 63n);

class ArithError extends ExpansionError {}

const TOKEN =
  /\s*(0[xX][0-9a-fA-F]+|[0-9]+#[0-9a-zA-Z@_]+|[0-9]+|[A-Za-z_][A-Za-z0-9_]*|\*\*=?|<<=|>>=|\+\+|--|&&|\|\||==|!=|<=|>=|<<|>>|[-+*/%&|^]=|[-+*/%<>=!~&|^?:,()])/y;

function tokenize(text: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (!m) throw new ArithError(`arithmetic: syntax error in ${quote(text.trim())} (at ${quote(text.slice(at).trim())})`);
    out.push(m[1] as string);
    at = TOKEN.lastIndex;
  }
  return out;
}

/** Precedence climbing for the binary operators, lowest first. */
const LEVELS: string[][] = [
  ['||'],
  ['&&'],
  ['|'],
  ['^'],
  ['&'],
  ['==', '!='],
  ['<', '<=', '>', '>='],
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/', '%'],
];
const ASSIGN = new Set(['=', '+=', '-=', '*=', '/=', '%=', '<<=', '>>=', '&=', '^=', '|=', '**=']);

class ArithParser {
  private i = 0;
  constructor(
    private readonly t: string[],
    private readonly text: string,
  ) {}

  private fail(): never {
    const at = this.t[this.i];
    throw new ArithError(`arithmetic: syntax error in ${quote(this.text.trim())}${at === undefined ? '' : ` (at ${quote(at)})`}`);
  }

  parse(): Node {
    if (this.t.length === 0) return { k: 'num', v: 0n };
    const node = this.comma();
    if (this.i < this.t.length) this.fail();
    return node;
  }

  private comma(): Node {
    let a = this.assign();
    while (this.t[this.i] === ',') {
      this.i++;
      a = { k: 'comma', a, b: this.assign() };
    }
    return a;
  }

  private assign(): Node {
    const name = this.t[this.i];
    const op = this.t[this.i + 1];
    if (name !== undefined && /^[A-Za-z_]/.test(name) && op !== undefined && ASSIGN.has(op)) {
      this.i += 2;
      return { k: 'assign', op, name, b: this.assign() };
    }
    return this.conditional();
  }

  private conditional(): Node {
    const c = this.binary(0);
    if (this.t[this.i] !== '?') return c;
    this.i++;
    const a = this.assign();
    if (this.t[this.i] !== ':') this.fail();
    this.i++;
    return { k: 'cond', c, a, b: this.assign() };
  }

  private binary(level: number): Node {
    if (level >= LEVELS.length) return this.power();
    let a = this.binary(level + 1);
    const ops = LEVELS[level] as string[];
    while (ops.includes(this.t[this.i] as string)) {
      const op = this.t[this.i++] as string;
      a = { k: 'bin', op, a, b: this.binary(level + 1) };
    }
    return a;
  }

  private power(): Node {
    const a = this.unary();
    if (this.t[this.i] !== '**') return a;
    this.i++;
    return { k: 'bin', op: '**', a, b: this.power() };
  }

  private unary(): Node {
    const op = this.t[this.i];
    if (op === '++' || op === '--') {
      const name = this.t[this.i + 1];
      if (name === undefined || !/^[A-Za-z_]/.test(name)) this.fail();
      this.i += 2;
      return { k: 'incdec', op, prefix: true, name };
    }
    if (op === '!' || op === '~' || op === '-' || op === '+') {
      this.i++;
      return { k: 'un', op, a: this.unary() };
    }
    return this.postfix();
  }

  private postfix(): Node {
    const token = this.t[this.i];
    if (token === undefined) this.fail();
    if (token === '(') {
      this.i++;
      const inner = this.comma();
      if (this.t[this.i] !== ')') this.fail();
      this.i++;
      return inner;
    }
    if (/^[A-Za-z_]/.test(token)) {
      this.i++;
      const next = this.t[this.i];
      if (next === '++' || next === '--') {
        this.i++;
        return { k: 'incdec', op: next, prefix: false, name: token };
      }
      return { k: 'var', name: token };
    }
    if (/^[0-9]/.test(token)) {
      this.i++;
      return { k: 'num', v: number(token, this.text) };
    }
    return this.fail();
  }
}

/** A numeric constant: decimal, `0x` hex, `0` octal, or `base#digits`. */
function number(token: string, text: string): bigint {
  const bad = () => new ArithError(`arithmetic: ${quote(token)} is not a number (in ${quote(text.trim())})`);
  try {
    if (/^0[xX]/.test(token)) return BigInt(token);
    const hash = token.indexOf('#');
    if (hash > 0) {
      const base = Number(token.slice(0, hash));
      if (base < 2 || base > 64) throw bad();
      let value = 0n;
      for (const ch of token.slice(hash + 1)) {
        const d = digit(ch, base);
        if (d < 0 || d >= base) throw bad();
        value = value * BigInt(base) + BigInt(d);
      }
      return value;
    }
    if (token.length > 1 && token.startsWith('0')) {
      if (!/^[0-7]+$/.test(token)) throw bad();
      return BigInt(`0o${token.slice(1)}`);
    }
    return BigInt(token);
  } catch (error) {
    if (error instanceof ArithError) throw error;
    throw bad();
  }
}

function digit(ch: string, base: number): number {
  if (ch >= '0' && ch <= '9') return ch.charCodeAt(0) - 48;
  if (ch >= 'a' && ch <= 'z') return ch.charCodeAt(0) - 97 + 10;
  if (ch >= 'A' && ch <= 'Z') return base <= 36 ? ch.charCodeAt(0) - 65 + 10 : ch.charCodeAt(0) - 65 + 36;
  if (ch === '@') return 62;
  if (ch === '_') return 63;
  return -1;
}

const parsed = new Map<string, Node>();

function compile(text: string): Node {
  let node = parsed.get(text);
  if (!node) {
    node = new ArithParser(tokenize(text), text).parse();
    if (parsed.size > 2000) parsed.clear();
    parsed.set(text, node);
  }
  return node;
}

/** Evaluate an arithmetic expression; its value as text. Throws a one-line `ShellError` (status 1). */
export function evaluate(text: string, scope: ArithScope): string {
  return String(run(compile(text), scope, text, 0));
}

function checked(value: bigint, text: string): bigint {
  if (value > MAX || value < MIN) throw new ArithError(`arithmetic: ${quote(text.trim())} is out of range (more than 64 bits)`);
  return value;
}

/** A variable's value as a number: empty or unset is 0; a non-number is evaluated as an expression (bash), to a depth. */
function variable(name: string, scope: ArithScope, text: string, depth: number): bigint {
  const raw = (scope.get(name) ?? '').trim();
  if (raw === '') return 0n;
  if (/^-?[0-9]+$/.test(raw)) return checked(BigInt(raw), text);
  if (depth > 32) throw new ArithError(`arithmetic: ${quote(name)} refers to itself`);
  return run(compile(raw), scope, raw, depth + 1);
}

function run(node: Node, scope: ArithScope, text: string, depth: number): bigint {
  switch (node.k) {
    case 'num':
      return checked(node.v, text);
    case 'var':
      return variable(node.name, scope, text, depth);
    case 'un': {
      const a = run(node.a, scope, text, depth);
      if (node.op === '!') return a === 0n ? 1n : 0n;
      if (node.op === '~') return ~a;
      return checked(node.op === '-' ? -a : a, text);
    }
    case 'comma':
      run(node.a, scope, text, depth);
      return run(node.b, scope, text, depth);
    case 'cond':
      return run(node.c, scope, text, depth) !== 0n ? run(node.a, scope, text, depth) : run(node.b, scope, text, depth);
    case 'incdec': {
      const old = variable(node.name, scope, text, depth);
      const value = checked(node.op === '++' ? old + 1n : old - 1n, text);
      scope.set(node.name, String(value));
      return node.prefix ? value : old;
    }
    case 'assign': {
      const right = run(node.b, scope, text, depth);
      const value = node.op === '=' ? right : apply(node.op.slice(0, -1), variable(node.name, scope, text, depth), right, text);
      scope.set(node.name, String(value));
      return value;
    }
    case 'bin': {
      if (node.op === '&&') return run(node.a, scope, text, depth) !== 0n && run(node.b, scope, text, depth) !== 0n ? 1n : 0n;
      if (node.op === '||') return run(node.a, scope, text, depth) !== 0n || run(node.b, scope, text, depth) !== 0n ? 1n : 0n;
      return apply(node.op, run(node.a, scope, text, depth), run(node.b, scope, text, depth), text);
    }
  }
}

function apply(op: string, a: bigint, b: bigint, text: string): bigint {
  switch (op) {
    case '+':
      return checked(a + b, text);
    case '-':
      return checked(a - b, text);
    case '*':
      return checked(a * b, text);
    case '/':
    case '%':
      if (b === 0n) throw new ArithError(`arithmetic: division by zero in ${quote(text.trim())}`);
      return checked(op === '/' ? a / b : a % b, text);
    case '**':
      if (b < 0n) throw new ArithError(`arithmetic: negative exponent in ${quote(text.trim())}`);
      if (b > 64n && a !== 0n && a !== 1n && a !== -1n)
        throw new ArithError(`arithmetic: ${quote(text.trim())} is out of range (more than 64 bits)`);
      return checked(a ** b, text);
    case '<<':
      return BigInt.asIntN(64, a << (b & 63n));
    case '>>':
      return a >> (b & 63n);
    case '&':
      return a & b;
    case '|':
      return a | b;
    case '^':
      return a ^ b;
    case '==':
      return a === b ? 1n : 0n;
    case '!=':
      return a !== b ? 1n : 0n;
    case '<':
      return a < b ? 1n : 0n;
    case '<=':
      return a <= b ? 1n : 0n;
    case '>':
      return a > b ? 1n : 0n;
    case '>=':
      return a >= b ? 1n : 0n;
    default:
      throw new ArithError(`arithmetic: unknown operator ${quote(op)}`);
  }
}
