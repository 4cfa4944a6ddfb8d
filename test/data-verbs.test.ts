/**
 * Contract §17: the value verbs through the real binary, on the same table
 * read from JSON, CSV, TSV, YAML and TOML; every result is compared with
 * what jq computes from the JSON file.
 */
import { realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failed, jq, ok, run, sources, writeSamples } from './fixtures/data/sample.ts';
import { tempDir } from './helpers/tosh.ts';

const dir = realpathSync(tempDir('tosh-data-verbs-'));
writeSamples(dir);

/** [what, the tosh stages after the source, the jq program over people.json that gives the same JSON]. */
const cases: [string, string, string][] = [
  ['where + sort-by', "where 'age > 30' | sort-by name | to json", 'map(select(.age > 30)) | sort_by(.name)'],
  [
    'where with and, in, not',
    "where 'city in [London, Boston] and not active == false' | to json",
    'map(select((.city == "London" or .city == "Boston") and ((.active == false) | not)))',
  ],
  [
    'where with or and parentheses',
    "where '(score >= 9 or age < 30) and name != Ada' | to json",
    'map(select((.score >= 9 or .age < 30) and .name != "Ada"))',
  ],
  ['where =~', "where name =~ '^[AB]' | get name | to json", 'map(select(.name | test("^[AB]"))) | map(.name)'],
  ['where on a boolean column alone', 'where active | length', 'map(select(.active)) | length'],
  ['select', 'select name city | to json', 'map({name, city})'],
  ['reject', 'reject score active | to json', 'map(del(.score, .active))'],
  ['sort-by two columns, reversed', 'sort-by city age -r | to json', 'sort_by(.city, .age) | reverse'],
  ['sort-by a number', 'sort-by score | get name | to json', 'sort_by(.score) | map(.name)'],
  ['first N', 'first 2 | to json', '.[:2]'],
  ['first', 'first | to json', '.[:1]'],
  ['last N', 'last 2 | to json', '.[-2:]'],
  ['length', 'length', 'length'],
  ['get an index and a column', 'get 1.name | to json', '.[1].name'],
  ['get a column of every row', 'get age | to json', 'map(.age)'],
  ['uniq', 'get city | uniq | to json', 'reduce .[].city as $c ([]; if any(.[]; . == $c) then . else . + [$c] end)'],
  [
    'uniq --count',
    'get city | uniq --count | to json',
    'reduce .[].city as $c ([]; if any(.[]; .value == $c) then map(if .value == $c then .count += 1 else . end) else . + [{value: $c, count: 1}] end)',
  ],
  ['group-by', 'group-by city | to json', 'reduce .[] as $p ({}; .[$p.city] += [$p])'],
  ['update', 'update city Paris | to json', 'map(.city = "Paris")'],
  ['update with a number', 'update age 0 | get age | to json', 'map(0)'],
  [
    'find (any column, ignoring case)',
    'find -i lon | get name | to json',
    'map(select([.[] | tostring | ascii_downcase | contains("lon")] | any)) | map(.name)',
  ],
  ['each', "get name | each 'echo hi $it' | to json", 'map("hi " + .name)'],
  ['to json -c', 'where city == Boston | to json -c', 'map(select(.city == "Boston"))'],
];

describe.concurrent('each verb on each format, checked against jq (§17)', () => {
  // One shell per format runs every case (a spawn costs more than all the verbs together); the
  // `echo` between cases names the one that differs in a failure's diff.
  for (const [format, source] of Object.entries(sources)) {
    it(`${format}: ${cases.length} cases`, async () => {
      const line = cases.map(([what, stages]) => `echo '## ${what}' ; ${source} | ${stages}`).join(' ; ');
      const expected = cases.map(
        ([what, stages, program]) => `## ${what}\n${jq(program, 'people.json', dir, ...(stages.endsWith('-c') ? ['-c'] : []))}`,
      );
      expect(await run(line, dir, 60_000)).toEqual(ok(expected.join('')));
    });
  }
});

describe.concurrent('verbs on nested values and text', () => {
  const nested = join(dir, 'nested.json');
  writeFileSync(
    nested,
    JSON.stringify({
      items: [
        { name: 'a', tags: ['x', 'y'], meta: { size: 1, owner: 'ann' } },
        { name: 'b', tags: [], meta: { size: 2, owner: 'bob' } },
      ],
      count: 2,
    }),
  );

  it('get walks records and lists', async () => {
    expect(await run('open nested.json | get items.1.meta.owner', dir)).toEqual(ok('bob\n'));
    expect(await run('open nested.json | get items.0.tags | to json -c', dir)).toEqual(ok('["x","y"]\n'));
  });

  it('flatten splices inner lists and lifts inner records', async () => {
    expect(await run('open nested.json | get items | get tags | flatten | to json -c', dir)).toEqual(
      ok(jq('[.items[].tags[]]', 'nested.json', dir, '-c')),
    );
    expect(await run('open nested.json | get items | flatten | to json -c', dir)).toEqual(
      ok(jq('.items | map(del(.meta) + .meta)', 'nested.json', dir, '-c')),
    );
  });

  it('where, select, sort-by and update reach nested columns', async () => {
    expect(await run("open nested.json | get items | where meta.owner == 'bob' | get name", dir)).toEqual(ok('b\n'));
    expect(await run('open nested.json | get items | select name meta.size | to json -c', dir)).toEqual(
      ok('[{"name":"a","meta.size":1},{"name":"b","meta.size":2}]\n'),
    );
    expect(await run('open nested.json | get items | sort-by meta.size -r | get name | to json -c', dir)).toEqual(ok('["b","a"]\n'));
    expect(await run('open nested.json | get items | update meta.owner eve | to json -c', dir)).toEqual(
      ok(jq('.items | map(.meta.owner = "eve")', 'nested.json', dir, '-c')),
    );
  });

  it('lines, find and parse work on text from a program', async () => {
    writeFileSync(join(dir, 'settings.txt'), 'host=example.org\nport=8080\n# comment\nuser=ada\n');
    expect(await run('^cat settings.txt | lines | length', dir)).toEqual(ok('4\n'));
    expect(await run('^cat settings.txt | data:find =8', dir)).toEqual(ok('port=8080\n'));
    expect(await run("^cat settings.txt | parse '{key}={value}' | to json -c", dir)).toEqual(
      ok('[{"key":"host","value":"example.org"},{"key":"port","value":"8080"},{"key":"user","value":"ada"}]\n'),
    );
    expect(await run("^cat settings.txt | parse -r '^(?<key>\\w+)=(?<value>\\d+)$' | to json -c", dir)).toEqual(
      ok('[{"key":"port","value":"8080"}]\n'),
    );
  });

  it('a record in, a record out: select, reject and update on one record', async () => {
    expect(await run('open people.json | get 0 | select name age', dir)).toEqual(ok('name: Ada\nage: 36\n'));
    expect(await run('open people.json | get 0 | reject city score active | update age 37 | to json -c', dir)).toEqual(
      ok('{"name":"Ada","age":37}\n'),
    );
  });

  it('each restores $it afterwards', async () => {
    expect(await run("it=before; open people.json | first 2 | get name | each 'echo $it' | to json -c; echo $it", dir)).toEqual(
      ok('["Ada","Grace"]\nbefore\n'),
    );
  });
});

describe.concurrent('bad input is one line and a status', () => {
  it('get of a missing path names the path (status 1)', async () => {
    expect(await run('open people.json | get 9.name', dir)).toEqual(failed('get: 9.name: the input has no item 9 (it has 6)', 1));
    expect(await run('open people.json | get 0.nmae', dir)).toEqual(
      failed("get: 0.nmae: '0' has no column 'nmae' (did you mean 'name'?)", 1),
    );
    expect(await run('open people.json | get 0.age.years', dir)).toEqual(
      failed("get: 0.age.years: '0.age' is a number, which has no 'years'", 1),
    );
    expect(await run('open people.json | get 0.constructor', dir)).toEqual(
      failed("get: 0.constructor: '0' has no column 'constructor'", 1),
    );
  });

  it('sort-by on a column of mixed types names the column and the rows', async () => {
    writeFileSync(join(dir, 'mixed.json'), '[{"v": 1}, {"v": 2}, {"v": "three"}]');
    expect(await run('open mixed.json | sort-by v', dir)).toEqual(failed("sort-by: column 'v' mixes numbers (row 0) and text (row 2)", 1));
    expect(await run('open people.json | sort-by agee', dir)).toEqual(failed("sort-by: unknown column 'agee' (did you mean 'age'?)", 2));
  });

  it('each stops at the failing item, names it, and gives nothing (status 1)', async () => {
    writeFileSync(join(dir, 'five.json'), '[{"name":"a"},{"name":"b"},{"nom":"c"},{"name":"d"},{"name":"e"}]');
    expect(await run("open five.json | each 'echo $it | from json | get name'", dir)).toEqual(
      failed(`each: item 2 ({"nom":"c"}) failed: get: name: the input has no column 'name' (did you mean 'nom'?)`, 1),
    );
  });

  it('a verb given the wrong kind of input says what it takes (status 2)', async () => {
    expect(await run('echo hello | length', dir)).toEqual(
      failed("'length' takes a list, but 'echo' gives a string (split text into a list with 'lines', or parse it with 'from json')", 2),
    );
    expect(await run('open people.json | lines', dir)).toEqual(failed('lines: takes text, but got a list of records', 2));
    expect(await run('length', dir)).toEqual(failed('length: takes a list, but got nothing (pipe a value in)', 2));
    expect(await run('open people.json | get name | sort-by name', dir)).toEqual(
      failed('sort-by: takes a list of records, but item 0 is text', 2),
    );
  });

  it('select, reject, update and group-by refuse an unknown column (status 2)', async () => {
    expect(await run('open people.json | select name nme', dir)).toEqual(failed("select: unknown column 'nme' (did you mean 'name'?)", 2));
    expect(await run('open people.json | reject citi', dir)).toEqual(failed("reject: unknown column 'citi' (did you mean 'city'?)", 2));
    expect(await run('open people.json | update zip 1', dir)).toEqual(failed("update: unknown column 'zip'", 2));
    expect(await run('open people.json | group-by town', dir)).toEqual(failed("group-by: unknown column 'town'", 2));
  });

  it('parse refuses a pattern with nothing to capture', async () => {
    expect(await run("echo a:b | parse 'a:b'", dir)).toEqual(failed("parse: 'a:b' has no {name} to capture", 2));
  });
});

describe('help shows the examples (§4, §6)', () => {
  it('help where and help sort-by list their examples', async () => {
    const where = await run('help where', dir);
    expect(where.code).toBe(0);
    expect(where.stdout).toContain(
      [
        'Examples:',
        '  open people.csv | where age > 30',
        "  open people.csv | where name == 'Ada Lovelace' or city == London",
        "  files | where size > 10kb and name =~ '\\.ts$'",
        '  files | where modified > 2h',
        "  open people.csv | where 'not (age < 18 or city in [Paris, Rome])'",
        '',
      ].join('\n'),
    );
    const help = await run('help', dir);
    expect(help.stdout).toContain('data 1.0.0 - Structured data');
    for (const verb of ['open', 'from', 'to', 'save', 'where', 'sort-by', 'group-by', 'each', 'files'])
      expect(help.stdout).toMatch(new RegExp(`^  ${verb} `, 'm'));
  });
});
