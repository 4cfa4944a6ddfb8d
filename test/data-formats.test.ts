/**
 * Contract §17: `open`, `from`, `to` and `save` for JSON, CSV, TSV, YAML and
 * TOML through the real binary. What tosh reads is compared with jq, what it
 * writes is read back by python3's own parsers, and each format survives
 * open → save → open. Malformed files fail in one line with the position.
 */
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failed, jq, ok, people, python, run, sources, writeSamples } from './fixtures/data/sample.ts';
import { tempDir } from './helpers/tosh.ts';

const dir = realpathSync(tempDir('tosh-data-formats-'));
writeSamples(dir);
const asJson = jq('.', 'people.json', dir);

/** python3 reading a file tosh wrote, printed as compact JSON with sorted keys. */
const readers = {
  json: 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])), sort_keys=True, separators=(",", ":")))',
  csv: 'import csv,json,sys; print(json.dumps(list(csv.DictReader(open(sys.argv[1], newline=""))), sort_keys=True, separators=(",", ":")))',
  tsv: 'import csv,json,sys; print(json.dumps(list(csv.DictReader(open(sys.argv[1], newline=""), delimiter="\\t")), sort_keys=True, separators=(",", ":")))',
  yaml: 'import yaml,json,sys; print(json.dumps(yaml.safe_load(open(sys.argv[1])), sort_keys=True, separators=(",", ":")))',
  toml: 'import tomllib,json,sys; print(json.dumps(tomllib.load(open(sys.argv[1], "rb")), sort_keys=True, separators=(",", ":")))',
} as const;

const sorted = (value: unknown) =>
  `${JSON.stringify(value, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v))}\n`;
/** What python3 should read back: CSV and TSV cells are text to it. */
const asText = people.map((p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, String(v)])));

describe.concurrent('open reads each format by its extension (§17)', () => {
  for (const [format, source] of Object.entries(sources)) {
    it(`${format} gives the same table as jq reads from the JSON`, async () => {
      expect(await run(`${source} | to json`, dir)).toEqual(ok(asJson));
    });
  }

  it('renders a table, and other files as text', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'just text\n');
    expect(await run('open people.csv | first 2', dir)).toEqual(
      ok('name   age  city      score  active\nAda    36   London    9.5    true\nGrace  45   New York  8      false\n'),
    );
    expect(await run('open notes.txt', dir)).toEqual(ok('just text\n'));
    expect(await run('open people.csv --raw | lines | first 1 | to json -c', dir)).toEqual(ok('["name,age,city,score,active"]\n'));
  });

  it('CSV cells become numbers and booleans unless --no-infer; a zip code stays text', async () => {
    writeFileSync(join(dir, 'zips.csv'), 'zip,n,flag,note\n02134,7,true,\n10001,-1.5,no,x\n');
    expect(await run('open zips.csv | to json -c', dir)).toEqual(
      ok('[{"zip":"02134","n":7,"flag":true,"note":""},{"zip":10001,"n":-1.5,"flag":"no","note":"x"}]\n'),
    );
    expect(await run('open zips.csv --no-infer | get n | to json -c', dir)).toEqual(ok('["7","-1.5"]\n'));
    expect(await run('open zips.csv --no-headers --no-infer | first 1 | to json -c', dir)).toEqual(
      ok('[{"column0":"zip","column1":"n","column2":"flag","column3":"note"}]\n'),
    );
  });

  it('a missing file or a directory is one line', async () => {
    expect(await run('open nope.json', dir)).toEqual(failed('open: nope.json: no such file', 1));
    expect(await run('open .', dir)).toEqual(failed("open: .: is a directory (list it with 'files .')", 1));
  });
});

describe.concurrent('from and to (§17)', () => {
  it('from parses the text of a program, each format', async () => {
    for (const format of ['json', 'csv', 'tsv', 'yaml'] as const)
      expect(await run(`^cat people.${format} | from ${format} | to json`, dir)).toEqual(ok(asJson));
    expect(await run('^cat people.toml | from toml | get people | to json', dir)).toEqual(ok(asJson));
  });

  it('to csv and to tsv write what a person would (and python3 reads it back)', async () => {
    expect(await run('open people.json | to csv', dir)).toEqual(ok(readFileSync(join(dir, 'people.csv'), 'utf8')));
    expect(await run('open people.json | to tsv', dir)).toEqual(ok(readFileSync(join(dir, 'people.tsv'), 'utf8')));
    writeFileSync(join(dir, 'odd.json'), JSON.stringify([{ text: 'a, "quoted"\nline', n: null }]));
    const csv = await run('open odd.json | to csv', dir);
    expect(csv).toEqual(ok('text,n\n"a, ""quoted""\nline",\n'));
    writeFileSync(join(dir, 'odd.csv'), csv.stdout);
    expect(python(readers.csv, dir, 'odd.csv')).toBe(sorted([{ n: '', text: 'a, "quoted"\nline' }]));
  });

  it('to json is pretty as jq prints it, -c compact as jq -c', async () => {
    expect(await run('open people.csv | to json', dir)).toEqual(ok(jq('.', 'people.json', dir)));
    expect(await run('open people.csv | to json -c', dir)).toEqual(ok(jq('.', 'people.json', dir, '-c')));
  });

  it('to yaml and to toml are read back by python3', async () => {
    const yaml = await run('open people.csv | to yaml', dir);
    expect(yaml.code).toBe(0);
    writeFileSync(join(dir, 'to.yaml'), yaml.stdout);
    expect(python(readers.yaml, dir, 'to.yaml')).toBe(sorted(people));
    const toml = await run('open people.toml | to toml', dir);
    expect(toml.code).toBe(0);
    writeFileSync(join(dir, 'to.toml'), toml.stdout);
    expect(python(readers.toml, dir, 'to.toml')).toBe(sorted({ people }));
  });

  it('to text: one line per item, records as key: value', async () => {
    expect(await run('open people.csv | first 2 | select name age | to text', dir)).toEqual(
      ok('name: Ada, age: 36\nname: Grace, age: 45\n'),
    );
    expect(await run('open people.csv | get name | first 3 | to text', dir)).toEqual(ok('Ada\nGrace\nLinus\n'));
  });

  it('a value a format cannot hold is one line', async () => {
    expect(await run('open people.csv | to toml', dir)).toEqual(
      failed('to toml: TOML needs a record at the top, but got a list of records', 2),
    );
    expect(await run('open people.csv | get name | to csv', dir)).toEqual(failed('to csv: needs a list of records, but item 0 is text', 2));
    expect(await run('echo x | from json', dir)).toEqual(failed("from json: Unexpected token 'x' at line 1 column 1", 1));
    expect(await run('from yaml', dir)).toEqual(failed('from yaml: takes text, but got nothing (pipe a value in)', 2));
  });
});

describe.concurrent('save, and open → save → open round trips (§17)', () => {
  for (const format of ['json', 'csv', 'tsv', 'yaml', 'yml'] as const) {
    it(`${format}: the same table back, and python3 reads the file`, async () => {
      const file = `round.${format}`;
      expect(await run(`open people.json | save ${file} ; open ${file} | to json`, dir)).toEqual(ok(asJson));
      const reader = readers[format === 'yml' ? 'yaml' : format];
      expect(python(reader, dir, file)).toBe(sorted(format === 'csv' || format === 'tsv' ? asText : people));
    });
  }

  it('toml: a record of tables, the same back, and python3 reads the file', async () => {
    expect(await run('open people.toml | save round.toml ; open round.toml | get people | to json', dir)).toEqual(ok(asJson));
    expect(python(readers.toml, dir, 'round.toml')).toBe(sorted({ people }));
  });

  it('across formats: csv → yaml → toml → json', async () => {
    const line =
      'open people.csv | save x.yaml ; open x.yaml | group-by city | save x.toml ; open x.toml | get Boston | save x.json ; open x.json | get name | to json -c';
    expect(await run(line, dir)).toEqual(ok('["Margaret","Barbara"]\n'));
  });

  it('refuses to overwrite without --force, as nushell does; -f replaces the file', async () => {
    const cwd = realpathSync(tempDir('tosh-data-save-'));
    writeFileSync(join(cwd, 'keep.json'), '{"old": true}\n');
    writeSamples(cwd);
    expect(await run('open people.csv | save keep.json', cwd)).toEqual(
      failed('save: keep.json: already exists (use --force to overwrite)', 1),
    );
    expect(readFileSync(join(cwd, 'keep.json'), 'utf8')).toBe('{"old": true}\n');
    expect(await run('open people.csv | first 1 | select name | save -f keep.json', cwd)).toEqual(ok(''));
    expect(readFileSync(join(cwd, 'keep.json'), 'utf8')).toBe('[\n  {\n    "name": "Ada"\n  }\n]\n');
  });

  it('text is saved as it is, whatever the extension; a value needs a known format', async () => {
    const cwd = realpathSync(tempDir('tosh-data-save-'));
    writeSamples(cwd);
    expect(await run('open people.csv --raw | save copy.json', cwd)).toEqual(ok(''));
    expect(readFileSync(join(cwd, 'copy.json'), 'utf8')).toBe(readFileSync(join(cwd, 'people.csv'), 'utf8'));
    expect(await run('open people.csv | save notes.txt', cwd)).toEqual(
      failed("save: notes.txt: no format for '.txt' (json, csv, tsv, yaml, toml); pipe through 'to text' or 'to json' first", 2),
    );
    expect(await run('open people.csv | to text | save notes.txt', cwd)).toEqual(ok(''));
    expect(readFileSync(join(cwd, 'notes.txt'), 'utf8').split('\n')[0]).toBe('name: Ada, age: 36, city: London, score: 9.5, active: true');
    expect(await run('open people.csv | save no/such/dir.json', cwd)).toEqual(failed('save: no/such/dir.json: no such directory', 1));
    expect(await run('save x.json', cwd)).toEqual(failed('save: takes a value, but got nothing (pipe a value in)', 2));
  });
});

describe.concurrent('malformed files: one line with the line and column the parser reports, status 1', () => {
  /** [file, content, the message after `open: FILE: `]. */
  const bad: [string, string, string][] = [
    ['bad.json', '{\n  "a": 1,\n  "b" 2\n}\n', 'Unexpected number at line 3 column 7'],
    ['trailing.json', '[1,\n]\n', "Unexpected token ']' at line 2 column 1"],
    ['cut.json', '{"a": [1, 2', "Expected ',' or ']' after array element at line 1 column 12"],
    ['bad.csv', 'a,b\n1,2\n3\n', 'Invalid Record Length: expect 2, got 1 at line 3'],
    ['quote.csv', 'a,b\n1,"2\n3,4\n', 'Quote Not Closed: the parsing is finished with an opening quote at line 3'],
    [
      'bad.yaml',
      'a: 1\nb: [1, 2\nc: 3\n',
      'Flow sequence in block collection must be sufficiently indented and end with a ] at line 3 column 1',
    ],
    ['dup.yaml', 'a: 1\na: 2\n', 'Map keys must be unique at line 2 column 1'],
    ['bad.toml', 'a = 1\nb = \n', 'invalid value at line 2 column 5'],
  ];
  for (const [file, content, message] of bad) {
    it(file, async () => {
      writeFileSync(join(dir, file), content);
      expect(await run(`open ${file}`, dir)).toEqual(failed(`open: ${file}: ${message}`, 1));
    });
  }

  it('the positions agree with python3 for JSON and TOML', () => {
    const where = (reader: string, file: string) =>
      python(
        `import re,sys\ntry:\n  ${reader}\nexcept Exception as e:\n  print(re.search(r'line (\\d+),? column (\\d+)', str(e)).groups())`,
        dir,
        file,
      );
    expect(where('import json; json.load(open(sys.argv[1]))', 'bad.json')).toBe("('3', '7')\n");
    expect(where('import json; json.load(open(sys.argv[1]))', 'trailing.json')).toBe("('2', '1')\n");
    expect(where('import tomllib; tomllib.load(open(sys.argv[1], "rb"))', 'bad.toml')).toBe("('2', '5')\n");
  });

  it('from names no file', async () => {
    expect(await run("^printf 'a = [1,\\n' | from toml", dir)).toEqual(failed('from toml: invalid value at line 2 column 1', 1));
  });

  it('keys such as __proto__ and constructor are data, not the prototype', async () => {
    writeFileSync(join(dir, 'proto.json'), '{"__proto__": {"polluted": 1}, "constructor": "c"}');
    expect(await run('open proto.json | get __proto__.polluted', dir)).toEqual(ok('1\n'));
    expect(await run('open proto.json | to json -c', dir)).toEqual(ok('{"__proto__":{"polluted":1},"constructor":"c"}\n'));
    writeFileSync(join(dir, 'proto.csv'), '__proto__,b\n1,2\n');
    expect(await run('open proto.csv | update __proto__ 5 | to json -c ; echo "{}" | from json | get polluted', dir)).toEqual({
      stdout: '[{"__proto__":5,"b":2}]\n',
      stderr: "tosh: get: polluted: the input has no column 'polluted'\n",
      code: 1,
    });
  });
});
