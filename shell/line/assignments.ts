/**
 * Words written like assignments: `NAME=value` before a command (an
 * assignment), or as an argument (`export P=~/bin:~/lib`), where a `~` after
 * `=` or `:` is a home directory too, as in bash.
 */
import type { Assignment, Word, WordPart } from './ast.ts';

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;

function wordOf(token: Word): Word {
  return { raw: token.raw, value: token.value, start: token.start, end: token.end, parts: token.parts };
}

export function assignmentOf(token: Word): Assignment | undefined {
  const split = splitAssignment(token);
  if (!split) return undefined;
  const skip = split.name.length + 1;
  const value: Word = {
    raw: token.raw.slice(skip),
    value: token.value.slice(skip),
    start: token.start + skip,
    end: token.end,
    parts: split.parts,
  };
  return { name: split.name, value, start: token.start, end: token.end };
}

/** An argument that looks like an assignment (`export P=~/bin:~/lib`) gets home for `~` after `=` and `:` too, as in bash. */
export function argumentOf(token: Word): Word {
  const split = splitAssignment(token);
  const word = wordOf(token);
  if (split?.parts.some((p) => p.kind === 'tilde'))
    word.parts = [{ kind: 'literal', text: `${split.name}=`, quoted: 'none' }, ...split.parts];
  return word;
}

/** `NAME=` written plainly at the start of a word: the name and the parts of the value (with its `~`s). */
function splitAssignment(token: Word): { name: string; parts: WordPart[] } | undefined {
  const head = token.parts[0];
  if (head?.kind !== 'literal' || head.quoted !== 'none' || !head.text.includes('=')) return undefined;
  const name = ASSIGNMENT.exec(head.text)?.[1];
  if (name === undefined || !token.raw.startsWith(`${name}=`)) return undefined;
  const parts = token.parts.slice(1);
  if (head.text.length > name.length + 1) parts.unshift({ ...head, text: head.text.slice(name.length + 1) });
  return { name, parts: assignmentTildes(parts) };
}

/** In an assignment's value, an unquoted `~` at the start or after `:`, before `/`, `:` or the end, is home (`PATH=$PATH:~/bin`). */
function assignmentTildes(parts: WordPart[]): WordPart[] {
  const out: WordPart[] = [];
  parts.forEach((part, index) => {
    if (part.kind !== 'literal' || part.quoted !== 'none' || !part.text.includes('~')) {
      out.push(part);
      return;
    }
    const last = index === parts.length - 1;
    let text = '';
    const { text: t } = part;
    for (let k = 0; k < t.length; k++) {
      const before = k === 0 ? (index === 0 ? ':' : undefined) : t[k - 1];
      const user = t[k] === '~' ? (/^[A-Za-z0-9._-]*/.exec(t.slice(k + 1))?.[0] ?? '') : '';
      const after = t[k + 1 + user.length];
      const ends = after === '/' || after === ':' || (after === undefined && last);
      if (t[k] === '~' && before === ':' && ends) {
        if (text !== '') out.push({ kind: 'literal', text, quoted: 'none' });
        text = '';
        out.push({ kind: 'tilde', user });
        k += user.length;
      } else text += t[k];
    }
    if (text !== '') out.push({ kind: 'literal', text, quoted: 'none' });
  });
  return out;
}
