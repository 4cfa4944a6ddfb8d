/**
 * Contract §17, completion from types: Tab after `where `, `select `,
 * `sort-by ` and `get ` offers the fields of the upstream command's output
 * schema (through commands that give what they were given), and after
 * `where COL == ` an enum field's values. The real data plugin's hooks, on
 * the real specs of the typed fixture's `tasks` and of the verbs.
 */
import { describe, expect, it } from 'vitest';
import data from '../commands/data/index.ts';
import type { AnyCommand, CommandContext, CommandInfo } from '../plugin-sdk/types.ts';
import { type CompletionSource, complete } from '../shell/complete/commands.ts';
import { specOf } from '../shell/plugins/schema.ts';
import { fieldsOf } from '../shell/plugins/value-type.ts';
import typed from './fixtures/data/typed/typed.ts';

const commands: Record<string, AnyCommand> = { ...typed.commands, ...data.commands };

function info(name: string): CommandInfo | undefined {
  const command = commands[name];
  if (!command) return undefined;
  const spec = specOf(command);
  const out: CommandInfo = {
    name,
    plugin: name in data.commands ? 'data' : 'typed',
    qualified: name,
    shadowed: false,
    description: spec.description,
    args: spec.args,
    flags: spec.flags,
    short: spec.short,
    examples: spec.examples,
    source: '',
  };
  if (spec.output === 'input') out.passesInput = true;
  else if (spec.output) out.fields = fieldsOf(spec.output);
  return out;
}

const source: CompletionSource = {
  names: () => Object.keys(commands),
  resolve: info,
  hook: (word, request) => {
    const hook = commands[word]?.complete;
    return hook ? Promise.resolve(hook(request, {} as CommandContext)) : undefined;
  },
  cwd: '/nonexistent',
};

const tab = async (line: string) => (await complete(line, line.length, source)).items;

describe('Tab offers the fields of what is piped in', () => {
  it('after where, select, sort-by: the columns of the upstream output schema', async () => {
    expect(await tab('tasks | where ')).toEqual(['owner', 'owner.name', 'owner.team', 'state', 'title']);
    expect(await tab('tasks | select ')).toEqual(['owner', 'state', 'title']);
    expect(await tab('tasks | select title ')).toEqual(['owner', 'state', 'title']);
    expect(await tab('tasks | sort-by s')).toEqual(['state']);
  });

  it('after get: nested paths too', async () => {
    expect(await tab('tasks | get owner.')).toEqual(['owner.name', 'owner.team']);
  });

  it('through commands that give what they were given', async () => {
    expect(await tab('tasks | where state == done | first 2 | sort-by ')).toEqual(['owner', 'state', 'title']);
  });

  it("after where COL ==, an enum field's values; after and, columns again", async () => {
    expect(await tab('tasks | where state == ')).toEqual(['doing', 'done', 'todo']);
    expect(await tab('tasks | where state != do')).toEqual(['doing', 'done']);
    expect(await tab('tasks | where state == done and ow')).toEqual(['owner', 'owner.name', 'owner.team']);
  });

  it('offers no fields when no schema says what comes in', async () => {
    expect(await tab('loose | where ')).toEqual([]);
    expect(await tab('where ')).toEqual([]);
  });
});
