/** What `plugins install` keeps of npm's error output: the one or two lines that say what went wrong. */
import { describe, expect, it } from 'vitest';
import { npmErrorLines } from '../commands/_packages.ts';

const npm11 = (...lines: string[]) => `${lines.map((l) => `npm error ${l}`.trimEnd()).join('\n')}\n`;

describe('npmErrorLines', () => {
  it.each([
    {
      what: 'a name the registry does not have',
      stderr: npm11(
        'code E404',
        '404 Not Found - GET https://registry.npmjs.org/tosh-nope - Not found',
        '404',
        "404  'tosh-nope@*' is not in this registry.",
        '404',
        '404 Note that you can also install from a',
        '404 tarball, folder, http url, or git url.',
        'A complete log of this run can be found in: /root/.npm/_logs/x-debug-0.log',
      ),
      lines: ['E404: 404 Not Found - GET https://registry.npmjs.org/tosh-nope - Not found', "'tosh-nope@*' is not in this registry."],
    },
    {
      what: 'a registry that is down',
      stderr: npm11(
        'code ECONNREFUSED',
        'syscall connect',
        'errno ECONNREFUSED',
        'FetchError: request to http://127.0.0.1:9/x failed, reason: connect ECONNREFUSED 127.0.0.1:9',
        '    at ClientRequest.<anonymous> (/usr/lib/node_modules/npm/node_modules/minipass-fetch/lib/index.js:130:14)',
        "  code: 'ECONNREFUSED',",
        '',
        'If you are behind a proxy, please make sure that the',
        "'proxy' config is set properly.  See: 'npm help config'",
      ),
      lines: ['FetchError: request to http://127.0.0.1:9/x failed, reason: connect ECONNREFUSED 127.0.0.1:9'],
    },
    {
      what: 'a range nothing satisfies',
      stderr: npm11(
        'code ETARGET',
        'notarget No matching version found for tosh-hello@^9.0.0.',
        'notarget In most cases you or one of your dependencies are requesting',
        "notarget a package version that doesn't exist.",
      ),
      lines: ['ETARGET: No matching version found for tosh-hello@^9.0.0.'],
    },
    {
      what: "npm 9's ERR! lines",
      stderr: 'npm ERR! code E403\nnpm ERR! 403 Forbidden - GET https://r.example/x - you may not\n',
      lines: ['E403: 403 Forbidden - GET https://r.example/x - you may not'],
    },
    { what: 'nothing said at all', stderr: 'killed\n', lines: ['npm failed'] },
  ])('$what', ({ stderr, lines }) => {
    expect(npmErrorLines(stderr)).toEqual(lines);
  });
});
