/**
 * Typed pipelines (CONTRACT §17): before any stage runs, each stage's output
 * type is checked against the next stage's input type, from the schemas in
 * the commands' specs (no plugin code runs). A command without a schema
 * takes and gives anything, a program gives text, a command whose output is
 * `'input'` gives what it was given.
 */
import type { CommandSpec } from '../plugins/schema.ts';
import { ANY, fits, TEXT, typeWords, type ValueType } from '../plugins/value-type.ts';
import { lookup } from '../resolve/lookup.ts';
import type { Exec } from './exec.ts';
import type { RunHost } from './host.ts';
import type { Prepared } from './simple.ts';
import { commandEnv, pluginStage } from './stages.ts';

/** A stage as the check sees it. */
export type TypedStage =
  | { kind: 'plugin'; name: string; spec: CommandSpec; json: boolean }
  | { kind: 'program'; name: string }
  /** A function, built-in, loop or group: takes and gives anything. */
  | { kind: 'shell' };

/** What a stage gives, `flowing` being what it was given (undefined for the first stage). */
export function gives(stage: TypedStage, flowing: ValueType | undefined): ValueType {
  if (stage.kind === 'program') return TEXT;
  if (stage.kind === 'shell') return ANY;
  if (stage.json) return TEXT;
  const output = stage.spec.output;
  if (output === undefined) return ANY;
  if (output !== 'input') return output;
  // Generic (`where`, `first`): what came in, or at least what it takes.
  return flowing === undefined || flowing.t === 'any' ? (stage.spec.input ?? ANY) : flowing;
}

/**
 * The first pair of stages that does not fit, as the one-line usage error
 * (`'upper' takes a string, but 'files' gives a list of records`), or
 * undefined when the pipeline fits.
 */
export function mismatch(stages: readonly TypedStage[]): string | undefined {
  let flowing: ValueType | undefined;
  let from: TypedStage | undefined;
  for (const stage of stages) {
    if (stage.kind === 'plugin' && from && flowing && stage.spec.input && !fits(flowing, stage.spec.input)) {
      const before = from.kind === 'shell' ? 'the stage before' : `'${from.name}'`;
      // Text from a program is the usual surprise: say how to make it a list.
      const hint = fits(flowing, TEXT) && !fits(TEXT, stage.spec.input) && listOnly(stage.spec.input) ? TEXT_HINT : '';
      return `'${stage.name}' takes ${typeWords(stage.spec.input)}, but ${before} gives ${typeWords(flowing)}${hint}`;
    }
    flowing = gives(stage, flowing);
    from = stage;
  }
  return undefined;
}

const TEXT_HINT = " (split text into a list with 'lines', or parse it with 'from json')";

/** True for a type that only lists fit. */
const listOnly = (type: ValueType): boolean => type.t === 'list' || (type.t === 'union' && type.of.every(listOnly));

/** A pipeline's stage as the runner prepared it (a prepared command, or a shell stage). */
interface Staged {
  kind: 'program' | 'plugin' | 'shell';
  prepared?: Prepared;
}

/**
 * Check a prepared pipeline's types, in place: a program stage that a plugin
 * command owns too (`files | find x`) becomes that command when a value that
 * fits it is piped in (`lookup`'s `piped`). Gives the usage error of the first
 * mismatch, or undefined.
 */
export function checkStages(stages: Staged[], host: RunHost, x: Exec): string | undefined {
  const typed: TypedStage[] = [];
  let flowing: ValueType | undefined;
  for (let i = 0; i < stages.length; i++) {
    const stage = stages[i] as Staged;
    const p = stage.prepared;
    const before = typed[i - 1];
    if (p?.kind === 'program' && !p.expanded.external && before?.kind === 'plugin' && flowing) {
      const name = p.expanded.argv[0] as string;
      const scope = { table: host.table, alias: () => undefined, env: commandEnv(x.state.exported(), p.expanded), cwd: x.state.cwd };
      const found = lookup(name, scope, { aliases: false, piped: flowing });
      if (found.kind === 'command') {
        const prepared: Prepared = { kind: 'plugin', expanded: p.expanded, stage: pluginStage(p.expanded, found.resolved, name) };
        stages[i] = { ...stage, kind: 'plugin', prepared };
      }
    }
    const now = (stages[i] as Staged).prepared;
    const entry: TypedStage =
      now?.kind === 'plugin'
        ? { kind: 'plugin', name: now.stage.name, spec: now.stage.resolved.spec, json: now.stage.json }
        : now?.kind === 'program'
          ? { kind: 'program', name: now.expanded.argv[0] as string }
          : { kind: 'shell' };
    typed.push(entry);
    flowing = gives(entry, flowing);
  }
  return mismatch(typed);
}
