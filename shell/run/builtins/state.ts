/** `set`, `shift`, `local`, `read`: the built-ins that change the shell's variables, options and parameters. */
import { shellQuote } from '../../line/lexer.ts';
import type { ShellOptions } from '../../state/state.ts';
import { channel, readLine } from '../io.ts';
import type { Builtin } from './types.ts';

const LETTERS: Record<string, keyof ShellOptions> = { e: 'errexit', u: 'nounset', x: 'xtrace' };
const NAMES: Record<string, keyof ShellOptions> = { errexit: 'errexit', nounset: 'nounset', xtrace: 'xtrace', pipefail: 'pipefail' };

const setBuiltin: Builtin = (args, x, call) => {
  const options = x.state.options;
  if (args.length === 0) {
    const vars = x.state.shellVariables();
    for (const name of Object.keys(vars).sort()) call.out(`${name}=${shellQuote(vars[name] ?? '')}\n`);
    return 0;
  }
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      i++;
      x.frame.positional = args.slice(i);
      if (x.frame.depth === 0) x.state.positional = x.frame.positional;
      return 0;
    }
    if (arg === '-o' || arg === '+o') {
      const name = args[i + 1];
      if (name === undefined) {
        for (const [key, field] of Object.entries(NAMES)) call.out(`${key.padEnd(15)}\t${options[field] ? 'on' : 'off'}\n`);
        return 0;
      }
      const field = NAMES[name];
      if (!field) {
        call.error(`set: ${name}: unknown option`);
        return 2;
      }
      options[field] = arg === '-o';
      i++;
      continue;
    }
    if ((arg.startsWith('-') || arg.startsWith('+')) && arg.length > 1) {
      for (const letter of arg.slice(1)) {
        const field = LETTERS[letter];
        if (!field) {
          call.error(`set: ${arg[0]}${letter}: unknown option`);
          return 2;
        }
        options[field] = arg[0] === '-';
      }
      continue;
    }
    break;
  }
  if (i < args.length) {
    x.frame.positional = args.slice(i);
    if (x.frame.depth === 0) x.state.positional = x.frame.positional;
  }
  return 0;
};

const shiftBuiltin: Builtin = (args, x, call) => {
  const n = args[0] === undefined ? 1 : Number(args[0]);
  if (!Number.isInteger(n) || n < 0) {
    call.error(`shift: ${args[0]}: numeric argument required`);
    return 1;
  }
  if (n > x.frame.positional.length) return 1;
  x.frame.positional = x.frame.positional.slice(n);
  if (x.frame.depth === 0) x.state.positional = x.frame.positional;
  return 0;
};

const localBuiltin: Builtin = (args, x, call) => {
  const locals = x.frame.locals;
  if (!locals) {
    call.error('local: can only be used in a function');
    return 1;
  }
  let status = 0;
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      call.error(`local: ${shellQuote(arg)}: not a valid name`);
      status = 1;
      continue;
    }
    if (!locals.has(name)) locals.set(name, { value: x.state.variable(name), exported: name in x.state.env });
    if (eq >= 0) x.state.setVariable(name, arg.slice(eq + 1));
    else if (!locals.get(name)?.value) x.state.setVariable(name, undefined);
  }
  return status;
};

/** `IFS` whitespace and the other separators it names (space, tab and newline when unset). */
function separators(ifs: string | undefined): { white: Set<string>; other: Set<string> } {
  const chars = ifs ?? ' \t\n';
  const white = new Set<string>([...chars].filter((c) => c === ' ' || c === '\t' || c === '\n'));
  const other = new Set([...chars].filter((c) => !white.has(c)));
  return { white, other };
}

/** Split a line into `count` fields as `read` does: the last one takes the rest, trailing IFS whitespace removed. */
export function splitFields(line: string, count: number, ifs: string | undefined): string[] {
  const { white, other } = separators(ifs);
  const out: string[] = [];
  let i = 0;
  const skipWhite = () => {
    while (i < line.length && white.has(line[i] as string)) i++;
  };
  skipWhite();
  while (out.length < count - 1 && i < line.length) {
    let field = '';
    while (i < line.length && !white.has(line[i] as string) && !other.has(line[i] as string)) field += line[i++];
    out.push(field);
    skipWhite();
    if (i < line.length && other.has(line[i] as string)) {
      i++;
      skipWhite();
    }
  }
  if (count > 0) {
    let rest = line.slice(i);
    while (rest !== '' && white.has(rest.at(-1) as string)) rest = rest.slice(0, -1);
    if (out.length < count) out.push(rest);
  }
  return out;
}

const readBuiltin: Builtin = async (args, x, call) => {
  let raw = false;
  let prompt: string | undefined;
  let delimiter = '\n';
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '-r') raw = true;
    else if (arg === '-p') prompt = args[++i] ?? '';
    else if (arg === '-d') delimiter = (args[++i] ?? '')[0] ?? '\0';
    else if (arg === '-s' || arg === '-e') {
      // Silent and readline input: the UI asks anyway.
    } else if (arg.startsWith('-') && arg.length > 1 && names.length === 0) {
      call.error(`read: ${arg}: unsupported option`);
      return 2;
    } else names.push(arg);
  }
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      call.error(`read: ${shellQuote(name)}: not a valid name`);
      return 1;
    }
  }
  const input = channel(x.io, 0);
  const ask =
    input.kind === 'stdin' && x.sink.ask ? () => (x.sink.ask as NonNullable<typeof x.sink.ask>)(prompt ?? '', {}, x.signal) : undefined;
  if (prompt !== undefined && !ask && input.kind === 'stdin') x.sink.err.write(prompt);
  // A line, joined with the next where it ends in a backslash (unless -r); its end is the delimiter.
  let text = '';
  let ended = false;
  for (;;) {
    const line = delimiter === '\n' ? await readLine(input, ask) : await readUntil(input, delimiter, ask);
    if (line === null) {
      ended = true;
      break;
    }
    const complete = line.endsWith(delimiter);
    let body = complete ? line.slice(0, -1) : line;
    if (!complete) ended = true;
    if (!raw && body.endsWith('\\') && !body.endsWith('\\\\') && complete) {
      text += body.slice(0, -1);
      continue;
    }
    if (!raw) body = body.replace(/\\(.)/g, '$1');
    text += body;
    break;
  }
  if (ended && text === '') {
    for (const name of names.length > 0 ? names : ['REPLY']) x.state.setVariable(name, '');
    return 1;
  }
  if (names.length === 0) x.state.setVariable('REPLY', text);
  else {
    const fields = splitFields(text, names.length, x.state.variable('IFS'));
    names.forEach((name, k) => {
      x.state.setVariable(name, fields[k] ?? '');
    });
  }
  return ended ? 1 : 0;
};

/** A record up to `delimiter` (`read -d`), with the delimiter, or null at the end. */
async function readUntil(input: Parameters<typeof readLine>[0], delimiter: string, ask?: () => Promise<string>): Promise<string | null> {
  let out = '';
  for (;;) {
    const line = await readLine(input, ask);
    if (line === null) return out === '' ? null : out;
    const at = line.indexOf(delimiter);
    if (at >= 0) return out + line.slice(0, at + 1);
    out += line;
  }
}

export const stateBuiltins: [string, Builtin][] = [
  ['set', setBuiltin],
  ['shift', shiftBuiltin],
  ['local', localBuiltin],
  ['read', readBuiltin],
];
