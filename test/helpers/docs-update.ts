/**
 * `TOSH_UPDATE_DOCS=1` lets a docs test rewrite the page it checks after a
 * deliberate change of output. It can never make a run pass silently: under
 * CI it is refused, and a test that rewrote something still fails, naming
 * the page, so the next run (without it) checks the new text.
 */
export function docsUpdate(): boolean {
  if (process.env.TOSH_UPDATE_DOCS === undefined) return false;
  if (process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false')
    throw new Error('TOSH_UPDATE_DOCS is set under CI: docs tests check the pages, they do not rewrite them there');
  return true;
}

/** The failure a docs test ends with after rewriting a page. */
export function rewrote(page: string): Error {
  return new Error(`TOSH_UPDATE_DOCS rewrote ${page}: review the diff, then run the tests again without it`);
}
