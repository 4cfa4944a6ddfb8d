/** `test` and `[` as bash has them (POSIX's rules by argument count, bash's operators). */
import { accessSync, constants, lstatSync, type Stats, statSync } from 'node:fs';
import { resolve } from 'node:path';

/** A usage mistake in the expression: status 2, as bash. */
class TestError extends Error {}

const UNARY = new Set([
  '-e',
  '-f',
  '-d',
  '-s',
  '-r',
  '-w',
  '-x',
  '-L',
  '-h',
  '-p',
  '-S',
  '-b',
  '-c',
  '-g',
  '-u',
  '-k',
  '-O',
  '-G',
  '-N',
  '-t',
  '-z',
  '-n',
  '-a',
]);
const BINARY = new Set(['=', '==', '!=', '<', '>', '-eq', '-ne', '-lt', '-le', '-gt', '-ge', '-nt', '-ot', '-ef']);

const stat = (path: string, cwd: string, follow = true): Stats | undefined => {
  try {
    return follow ? statSync(resolve(cwd, path)) : lstatSync(resolve(cwd, path));
  } catch {
    return undefined;
  }
};

const can = (path: string, cwd: string, mode: number): boolean => {
  try {
    accessSync(resolve(cwd, path), mode);
    return true;
  } catch {
    return false;
  }
};

function integer(text: string, op: string): bigint {
  const trimmed = text.trim();
  if (!/^[-+]?[0-9]+$/.test(trimmed)) throw new TestError(`${text}: integer expression expected${op ? '' : ''}`);
  return BigInt(trimmed);
}

function unary(op: string, arg: string, cwd: string): boolean {
  switch (op) {
    case '-z':
      return arg === '';
    case '-n':
      return arg !== '';
    case '-e':
    case '-a':
      return stat(arg, cwd) !== undefined;
    case '-f':
      return stat(arg, cwd)?.isFile() ?? false;
    case '-d':
      return stat(arg, cwd)?.isDirectory() ?? false;
    case '-s':
      return (stat(arg, cwd)?.size ?? 0) > 0;
    case '-r':
      return can(arg, cwd, constants.R_OK);
    case '-w':
      return can(arg, cwd, constants.W_OK);
    case '-x':
      return can(arg, cwd, constants.X_OK);
    case '-L':
    case '-h':
      return stat(arg, cwd, false)?.isSymbolicLink() ?? false;
    case '-p':
      return stat(arg, cwd)?.isFIFO() ?? false;
    case '-S':
      return stat(arg, cwd)?.isSocket() ?? false;
    case '-b':
      return stat(arg, cwd)?.isBlockDevice() ?? false;
    case '-c':
      return stat(arg, cwd)?.isCharacterDevice() ?? false;
    case '-g':
      return ((stat(arg, cwd)?.mode ?? 0) & 0o2000) !== 0;
    case '-u':
      return ((stat(arg, cwd)?.mode ?? 0) & 0o4000) !== 0;
    case '-k':
      return ((stat(arg, cwd)?.mode ?? 0) & 0o1000) !== 0;
    case '-O':
      return stat(arg, cwd)?.uid === process.getuid?.();
    case '-G':
      return stat(arg, cwd)?.gid === process.getgid?.();
    case '-N': {
      const s = stat(arg, cwd);
      return s !== undefined && s.mtimeMs > s.atimeMs;
    }
    case '-t': {
      const fd = Number(arg);
      if (!Number.isInteger(fd)) throw new TestError(`${arg}: integer expression expected`);
      return (process.getBuiltinModule('node:tty') as typeof import('node:tty')).isatty(fd);
    }
    default:
      throw new TestError(`${op}: unary operator expected`);
  }
}

function binary(a: string, op: string, b: string, cwd: string): boolean {
  switch (op) {
    case '=':
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '-eq':
      return integer(a, op) === integer(b, op);
    case '-ne':
      return integer(a, op) !== integer(b, op);
    case '-lt':
      return integer(a, op) < integer(b, op);
    case '-le':
      return integer(a, op) <= integer(b, op);
    case '-gt':
      return integer(a, op) > integer(b, op);
    case '-ge':
      return integer(a, op) >= integer(b, op);
    case '-nt': {
      const x = stat(a, cwd);
      const y = stat(b, cwd);
      return x !== undefined && (y === undefined || x.mtimeMs > y.mtimeMs);
    }
    case '-ot': {
      const x = stat(a, cwd);
      const y = stat(b, cwd);
      return y !== undefined && (x === undefined || x.mtimeMs < y.mtimeMs);
    }
    case '-ef': {
      const x = stat(a, cwd);
      const y = stat(b, cwd);
      return x !== undefined && y !== undefined && x.dev === y.dev && x.ino === y.ino;
    }
    default:
      throw new TestError(`${op}: binary operator expected`);
  }
}

/** A recursive-descent reading for expressions of more than four words: `-o` below `-a` below `!` and `( )`. */
class Expression {
  private i = 0;
  constructor(
    private readonly args: string[],
    private readonly cwd: string,
  ) {}

  run(): boolean {
    const value = this.or();
    if (this.i < this.args.length) throw new TestError(`${this.args[this.i]}: unexpected argument`);
    return value;
  }

  private or(): boolean {
    let value = this.and();
    while (this.args[this.i] === '-o') {
      this.i++;
      const right = this.and();
      value = value || right;
    }
    return value;
  }

  private and(): boolean {
    let value = this.not();
    while (this.args[this.i] === '-a') {
      this.i++;
      const right = this.not();
      value = value && right;
    }
    return value;
  }

  private not(): boolean {
    if (this.args[this.i] === '!') {
      this.i++;
      return !this.not();
    }
    return this.primary();
  }

  private primary(): boolean {
    const a = this.args[this.i];
    if (a === undefined) throw new TestError('argument expected');
    if (a === '(') {
      this.i++;
      const value = this.or();
      if (this.args[this.i] !== ')') throw new TestError(`')' expected`);
      this.i++;
      return value;
    }
    const op = this.args[this.i + 1];
    if (op !== undefined && BINARY.has(op) && this.args[this.i + 2] !== undefined) {
      this.i += 3;
      return binary(a, op, this.args[this.i - 1] as string, this.cwd);
    }
    if (UNARY.has(a) && op !== undefined) {
      this.i += 2;
      return unary(a, op, this.cwd);
    }
    this.i++;
    return a !== '';
  }
}

/** POSIX's rules by the number of arguments, then the full grammar. */
function evaluate(args: string[], cwd: string): boolean {
  const [a, b, c, d] = args;
  switch (args.length) {
    case 0:
      return false;
    case 1:
      return a !== '';
    case 2:
      if (a === '!') return b === '';
      if (UNARY.has(a as string)) return unary(a as string, b as string, cwd);
      throw new TestError(`${a}: unary operator expected`);
    case 3:
      if (BINARY.has(b as string)) return binary(a as string, b as string, c as string, cwd);
      if (a === '!') return !evaluate([b as string, c as string], cwd);
      if (a === '(' && c === ')') return b !== '';
      if (b === '-a' || b === '-o') return new Expression(args, cwd).run();
      throw new TestError(`${b}: binary operator expected`);
    case 4:
      if (a === '!') return !evaluate([b as string, c as string, d as string], cwd);
      if (a === '(' && d === ')') return evaluate([b as string, c as string], cwd);
      return new Expression(args, cwd).run();
    default:
      return new Expression(args, cwd).run();
  }
}

/** `test ARGS` (or `[ ARGS ]` when `bracket`): 0 true, 1 false, 2 with `error` said for a bad expression. */
export function runTest(args: string[], cwd: string, bracket: boolean, error: (message: string) => void): number {
  const name = bracket ? '[' : 'test';
  let words = args;
  if (bracket) {
    if (words.at(-1) !== ']') {
      error(`${name}: missing ']'`);
      return 2;
    }
    words = words.slice(0, -1);
  }
  try {
    return evaluate(words, cwd) ? 0 : 1;
  } catch (e) {
    if (e instanceof TestError) {
      error(`${name}: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
