/**
 * The structured-data verbs: read and write JSON, CSV, TSV, YAML and TOML,
 * and pick, filter, order and reshape the values commands pass through pipes.
 * Written against `tosh/plugin-sdk` only, as an outside plugin would be.
 */
import { definePlugin } from 'tosh/plugin-sdk';
import { each } from './each.ts';
import { files } from './files.ts';
import { from, open, save, to } from './formats.ts';
import { find, first, flatten, get, groupBy, last, length, lines, parse, reject, select, sortBy, uniq, update, where } from './tables.ts';

export default definePlugin({
  name: 'data',
  version: '1.0.0',
  sdk: '^1.0.0',
  description: 'Structured data: open, from, to, save, and the verbs over lists and records',
  commands: {
    open,
    from,
    to,
    save,
    get,
    select,
    reject,
    where,
    'sort-by': sortBy,
    first,
    last,
    length,
    lines,
    uniq,
    flatten,
    'group-by': groupBy,
    each,
    parse,
    find,
    update,
    files,
  },
});
