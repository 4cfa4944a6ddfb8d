/**
 * The shell's own state: the working directory, variables (shell and
 * exported) and aliases. Everything that changes them goes through here, so a
 * subshell (`$(…)`) can take a copy and put it back.
 */
import { statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { oneLine, quote, ShellError } from '../base/errors.ts';
import type { FunctionDefinition } from '../line/ast.ts';

export interface StateOptions {
  /** The working directory the shell starts in. */
  cwd: string;
  /** The environment it starts with (exported variables). */
  env: NodeJS.ProcessEnv;
  /** Aliases from config.json (`alias` adds more). */
  aliases?: Record<string, string>;
  /** `cd` changes the process's own directory too (the real shell; not the SDK's test harness). */
  chdirProcess?: boolean;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A function the shell knows, and the text it was defined in (for `FILE:LINE` in its errors). */
export interface ShellFunction {
  definition: FunctionDefinition;
  origin: Origin;
}

/** Where a command's text came from: a script file (its name as given) or a line typed or passed with `-c`. */
export interface Origin {
  /** The script's name as given; undefined for a line typed or given with `-c` (errors then name no line). */
  file?: string;
  text: string;
}

export interface ShellOptions {
  errexit: boolean;
  nounset: boolean;
  xtrace: boolean;
  pipefail: boolean;
}
const ALIAS = /^[^\s'"\\|;&<>()$`=]+$/;

export class ShellState {
  /** The working directory (`cd`). */
  cwd: string;
  /** Exported variables: what programs and `ctx.env` see. */
  readonly env: Record<string, string> = {};
  /** Variables set by `NAME=value` alone on a line: expanded, not exported (as in sh). */
  private readonly vars = new Map<string, string>();
  readonly aliasTable = new Map<string, string>();
  /** Set by `exit`: the status to leave with. */
  exitRequested: number | undefined;
  /** Functions (`name() { …; }`), by name. */
  readonly functions = new Map<string, ShellFunction>();
  /** `set -e`, `-u`, `-x`, `-o pipefail`. */
  readonly options: ShellOptions = { errexit: false, nounset: false, xtrace: false, pipefail: false };
  /** The positional parameters of the shell (`$1`…; a function call has its own). */
  positional: string[] = [];
  /** `$?`: the status of the pipeline that ran last. */
  status = 0;
  /** `$0`: the shell's or the script's name. */
  scriptName = 'tosh';
  /** `$!`: the process id of the last background job. */
  lastBackground: number | undefined;
  /** `trap`: the command for each of EXIT, INT, TERM, ERR. */
  readonly traps = new Map<string, string>();
  /** A subshell's copy (`( … )`, `$(…)`, a stage of a pipeline): nothing it changes reaches this one. */
  readonly subshell: boolean;
  /** The exported variables as commands see them, copied once per change rather than once per command. */
  private snapshot: Readonly<Record<string, string>> | undefined;
  private readonly chdirProcess: boolean;

  constructor(options: StateOptions, subshell = false) {
    this.subshell = subshell;
    this.cwd = options.cwd;
    this.chdirProcess = options.chdirProcess ?? false;
    for (const [name, value] of Object.entries(options.env)) if (value !== undefined) this.env[name] = value;
    this.env.PWD = this.cwd;
    for (const [name, value] of Object.entries(options.aliases ?? {})) this.aliasTable.set(name, value);
  }

  chdir(dir: string): string {
    const target = resolvePath(this.cwd, dir);
    let isDir: boolean;
    try {
      isDir = statSync(target).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ShellError(
        `${dir}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : oneLine(error)}`,
      );
    }
    if (!isDir) throw new ShellError(`${dir}: not a directory`);
    if (this.chdirProcess) {
      try {
        process.chdir(target);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new ShellError(`${dir}: ${code === 'EACCES' ? 'permission denied' : oneLine(error)}`);
      }
    }
    this.setEnv('OLDPWD', this.cwd);
    this.cwd = target;
    this.setEnv('PWD', target);
    return target;
  }

  /**
   * A copy for a subshell: its directory, variables, aliases, functions,
   * options and traps are its own from now on (the process's own directory
   * is never changed by it).
   */
  fork(): ShellState {
    const copy = new ShellState({ cwd: this.cwd, env: this.env }, true);
    for (const [name, value] of this.vars) copy.vars.set(name, value);
    for (const [name, value] of this.aliasTable) copy.aliasTable.set(name, value);
    for (const [name, value] of this.functions) copy.functions.set(name, value);
    Object.assign(copy.options, this.options);
    copy.positional = [...this.positional];
    copy.scriptName = this.scriptName;
    copy.lastBackground = this.lastBackground;
    copy.status = this.status;
    // A subshell keeps the traps it ignores and resets the others (POSIX); EXIT is its own.
    for (const [name, value] of this.traps) if (value === '') copy.traps.set(name, value);
    if (!('PWD' in this.env)) delete copy.env.PWD;
    return copy;
  }

  /**
   * The state as it is now; the function returned puts it back. `$(…)` runs
   * in it as in a subshell: what the inner line changes does not outlive it.
   */
  save(): () => void {
    const cwd = this.cwd;
    const env = { ...this.env };
    const vars = new Map(this.vars);
    const aliases = new Map(this.aliasTable);
    return () => {
      if (this.cwd !== cwd) {
        if (this.chdirProcess) {
          try {
            process.chdir(cwd);
          } catch {}
        }
        this.cwd = cwd;
      }
      const names = new Set([...Object.keys(this.env), ...Object.keys(env)]);
      for (const name of names) if (this.env[name] !== env[name]) this.setEnv(name, env[name]);
      this.vars.clear();
      for (const [name, value] of vars) this.vars.set(name, value);
      this.aliasTable.clear();
      for (const [name, value] of aliases) this.aliasTable.set(name, value);
    };
  }

  /** A variable's value: a shell variable, else an exported one. */
  variable(name: string): string | undefined {
    return this.vars.get(name) ?? this.env[name];
  }

  setVariable(name: string, value: string | undefined, options: { export?: boolean } = {}): void {
    if (!NAME.test(name)) throw new ShellError(`${quote(name)} is not a valid variable name`);
    if (value === undefined) {
      this.vars.delete(name);
      this.setEnv(name, undefined);
      return;
    }
    if (options.export || name in this.env) {
      this.setEnv(name, value);
      this.vars.delete(name);
    } else this.vars.set(name, value);
  }

  /** Change an exported variable (every change goes through here: the snapshot is then made anew). */
  private setEnv(name: string, value: string | undefined): void {
    if (value === undefined) delete this.env[name];
    else this.env[name] = value;
    this.snapshot = undefined;
  }

  /** Export a shell variable that already has a value (`export NAME`). */
  exportVariable(name: string): boolean {
    const value = this.vars.get(name);
    if (value === undefined) return name in this.env;
    this.setVariable(name, value, { export: true });
    return true;
  }

  /** Every variable, shell and exported (`set` lists them). */
  shellVariables(): Record<string, string> {
    return { ...this.env, ...Object.fromEntries(this.vars) };
  }

  /** A copy of the exported variables. */
  variables(): Record<string, string> {
    return { ...this.env };
  }

  /** The exported variables, for one command to run with (read-only: shared until a variable changes). */
  exported(): Readonly<Record<string, string>> {
    this.snapshot ??= Object.freeze({ ...this.env });
    return this.snapshot;
  }

  aliases(): Record<string, string> {
    return Object.fromEntries(this.aliasTable);
  }

  setAlias(name: string, value: string | undefined): void {
    if (!ALIAS.test(name)) throw new ShellError(`${quote(name)} is not a valid alias name`);
    if (value === undefined) this.aliasTable.delete(name);
    else this.aliasTable.set(name, value);
  }
}
