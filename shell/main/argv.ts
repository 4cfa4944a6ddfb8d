/** The command line: `tosh [options] [script-file]` (CONTRACT §2). */
import { didYouMean } from '../base/did-you-mean.ts';
import { quote } from '../base/errors.ts';

/** What the command line asked for. */
export interface CliOptions {
  command?: string;
  /** `--complete LINE`: print what Tab offers at the end of LINE, one candidate a line. */
  complete?: string;
  script?: string;
  /** Words after the script: a command's arguments when the script names a command rather than a file. */
  args: string[];
  plugins: string[];
  watch?: boolean;
  json: boolean;
  errexit: boolean;
  debug: boolean;
  /** `--no-init`: the interactive shell does not run `$TOSH_HOME/init.tosh`. */
  noInit: boolean;
  trust: boolean;
  help: boolean;
  version: boolean;
}

export const USAGE = `Usage: tosh [options] [script-file]
       tosh [options] COMMAND [ARGS...]   (when COMMAND is not a file)

An interactive, pluggable command shell.

Options:
  -c, --command LINE   run one line, print its output, exit with its status
  --complete LINE      print what Tab offers at the end of LINE (word<TAB>description)
  --plugins DIR        load plugins from DIR first (repeatable)
  --watch, --no-watch  hot-reload plugins when their files change
  --json               print each pipeline's value as one line of JSON
  -e, --errexit        stop a script at the first failing line
  --trust              load plugins whatever their owner and permissions
  --debug              show stack traces with errors
  --no-init            do not run $TOSH_HOME/init.tosh (interactive shell)
  --version            print the version
  -h, --help           print this help

With no script and stdin a terminal, tosh starts the interactive shell;
with stdin a pipe, it runs the lines it reads.

A command word is an alias, a built-in or plugin command, else a program
on PATH (^name forces the program; 'which NAME' says which).

Plugin directories, first wins: --plugins, $TOSH_PLUGIN_PATH, "plugins" in
config.json, $TOSH_HOME/plugins, $TOSH_HOME/packages, the built-in commands.
`;

const FLAGS = [
  '--command',
  '--complete',
  '--plugins',
  '--watch',
  '--no-watch',
  '--json',
  '--errexit',
  '--trust',
  '--debug',
  '--no-init',
  '--version',
  '--help',
];

/** A usage error in the command line itself. */
class CliError extends Error {}

export function parseCli(argv: string[]): CliOptions {
  const options: CliOptions = {
    args: [],
    plugins: [],
    json: false,
    errexit: false,
    debug: false,
    noInit: false,
    trust: false,
    help: false,
    version: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (what: string) => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new CliError(`${name} needs ${what}`);
      return next;
    };
    if (options.script !== undefined) {
      options.args = argv.slice(i);
      break;
    }
    switch (name) {
      case '-c':
      case '--command':
        options.command = value('a line to run');
        break;
      case '--complete':
        options.complete = value('a line to complete');
        break;
      case '--plugins':
        options.plugins.push(value('a directory'));
        break;
      case '--watch':
        options.watch = true;
        break;
      case '--no-watch':
        options.watch = false;
        break;
      case '--json':
        options.json = true;
        break;
      case '-e':
      case '--errexit':
        options.errexit = true;
        break;
      case '--trust':
        options.trust = true;
        break;
      case '--debug':
        options.debug = true;
        break;
      case '--no-init':
        options.noInit = true;
        break;
      case '--version':
      case '-v':
        options.version = true;
        break;
      case '-h':
      case '--help':
        options.help = true;
        break;
      case '--':
        {
          const next = argv[i + 1];
          if (next !== undefined) options.script = next;
          options.args = argv.slice(i + 2);
          i = argv.length;
        }
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') {
          const near = didYouMean(name, FLAGS);
          throw new CliError(`unknown option ${quote(name)}${near ? ` (did you mean ${quote(near)}?)` : ''}`);
        }
        options.script = arg;
    }
  }
  return options;
}
