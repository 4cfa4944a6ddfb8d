/** `true`, `false`, `:`, `test`, `[`, `printf`, `type`, `command`: the built-ins that read and write but change nothing of the shell. */
import type { Exec } from '../exec.ts';
import { printf } from './printf.ts';
import { runTest } from './test.ts';
import type { Builtin, BuiltinCall, Description } from './types.ts';

const test =
  (bracket: boolean): Builtin =>
  (args, x, call) =>
    runTest(args, x.state.cwd, bracket, call.error);

const printfBuiltin: Builtin = (args, _x, call) => {
  if (args[0] === '--') args = args.slice(1);
  const [format, ...rest] = args;
  if (format === undefined) {
    call.error('printf: usage: printf FORMAT [ARGUMENTS...]');
    return 2;
  }
  const { text, errors } = printf(format, rest);
  call.out(text);
  for (const message of errors) call.error(message);
  return errors.length > 0 ? 1 : 0;
};

/** bash's wording for `type`, with the contract's for aliases and plugin commands. */
function typeLine(name: string, what: Description): string {
  switch (what.kind) {
    case 'alias':
      return `${name} is an alias for '${what.value}'`;
    case 'keyword':
      return `${name} is a shell keyword`;
    case 'function':
      return `${name} is a function\n${what.source}`;
    case 'builtin':
      return `${name} is a built-in`;
    case 'plugin':
      return `${name} is a command of plugin ${what.plugin}`;
    case 'file':
      return `${name} is ${what.path}`;
  }
}

const typeBuiltin: Builtin = (args, _x, call) => {
  let status = 0;
  let terse = false;
  let path = false;
  const names: string[] = [];
  for (const arg of args) {
    if (arg === '-t') terse = true;
    else if (arg === '-p' || arg === '-P') path = true;
    else if (arg !== '-a') names.push(arg);
  }
  for (const name of names) {
    const what = call.describe(name);
    if (!what || (path && what.kind !== 'file')) {
      if (!terse && !path) call.error(`type: ${name}: not found`);
      status = 1;
      continue;
    }
    if (terse) call.out(`${what.kind === 'plugin' ? 'builtin' : what.kind}\n`);
    else if (path) call.out(`${(what as { path: string }).path}\n`);
    else call.out(`${typeLine(name, what)}\n`);
  }
  return status;
};

/** `command -v NAME`: how the shell would run it, as a line a script can use; `command NAME ARGS`: run it, functions aside. */
const commandBuiltin: Builtin = (args, _x: Exec, call: BuiltinCall) => {
  let verbose = 0;
  let i = 0;
  for (; i < args.length && args[i]?.startsWith('-') && args[i] !== '-'; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      i++;
      break;
    }
    if (arg.includes('v')) verbose = Math.max(verbose, 1);
    if (arg.includes('V')) verbose = 2;
  }
  const words = args.slice(i);
  if (words.length === 0) return 0;
  if (verbose === 0) return call.run(words, { functions: false });
  let status = 0;
  for (const name of words) {
    const what = call.describe(name);
    if (!what) {
      if (verbose === 2) call.error(`command: ${name}: not found`);
      status = 1;
      continue;
    }
    if (verbose === 2) call.out(`${typeLine(name, what).split('\n')[0]}\n`);
    else if (what.kind === 'alias') call.out(`alias ${name}='${what.value.replace(/'/g, `'\\''`)}'\n`);
    else if (what.kind === 'file') call.out(`${what.path}\n`);
    else call.out(`${name}\n`);
  }
  return status;
};

export const utilityBuiltins: [string, Builtin][] = [
  [':', () => 0],
  ['true', () => 0],
  ['false', () => 1],
  ['test', test(false)],
  ['[', test(true)],
  ['printf', printfBuiltin],
  ['type', typeBuiltin],
  ['command', commandBuiltin],
];
