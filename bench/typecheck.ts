// The type check of a 10-stage pipeline (CONTRACT §17), in process: what the runner does
// before the first stage starts, on the data plugin's real specs. Prints one JSON line.
import data from '../commands/data/index.ts';
import { specOf } from '../shell/plugins/schema.ts';
import { mismatch, type TypedStage } from '../shell/run/typed.ts';

const spec = (name: string) => specOf(data.commands[name as keyof typeof data.commands]);
const plugin = (name: string): TypedStage => ({ kind: 'plugin', name, spec: spec(name), json: false });
// files | where … | sort-by … | select … | first … | reject … | update … | get … | uniq | length
const stages = ['files', 'where', 'sort-by', 'select', 'first', 'reject', 'update', 'get', 'uniq', 'length'].map(plugin);
if (mismatch(stages) !== undefined) throw new Error('the bench pipeline should fit');
const refused = [...stages.slice(0, 9), plugin('lines')];
if (mismatch(refused) === undefined) throw new Error('the refused pipeline should not fit');
const N = 20000;
for (let i = 0; i < 2000; i++) mismatch(stages);
const t0 = performance.now();
for (let i = 0; i < N; i++) mismatch(i % 2 ? stages : refused);
const perCheckMs = (performance.now() - t0) / N;
process.stdout.write(`${JSON.stringify({ perCheckMs })}\n`);
