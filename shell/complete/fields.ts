/**
 * Completion from types (CONTRACT §17): the fields of the records piped into
 * the command being completed, from the output schema of the command before
 * it (through those that give what they were given, as `where` and `first`).
 * The command's own `complete` hook decides what to offer from them.
 */
import type { CommandInfo, ValueField } from '../../plugin-sdk/types.ts';
import { isRedirect, type Piece } from '../line/scanner.ts';

/** The fields of what the stages before the last one of `pieces` pipe into it, or undefined when no schema says. */
export function pipedFields(pieces: readonly Piece[], resolve: (word: string) => CommandInfo | undefined): ValueField[] | undefined {
  // The first word of each stage, and the operator that ended it.
  const stages: { word?: string; op?: string }[] = [{}];
  for (const piece of pieces) {
    const stage = stages[stages.length - 1] as { word?: string; op?: string };
    if (piece.kind === 'op' && !isRedirect(piece.value)) {
      stage.op = piece.value;
      stages.push({});
    } else if (piece.kind === 'word' && stage.word === undefined) stage.word = piece.value;
  }
  for (let i = stages.length - 2; i >= 0; i--) {
    const stage = stages[i] as { word?: string; op?: string };
    if (stage.op !== '|' || stage.word === undefined || stage.word.startsWith('^')) return undefined;
    const info = resolve(stage.word);
    if (!info) return undefined;
    if (!info.passesInput) return info.fields;
  }
  return undefined;
}
