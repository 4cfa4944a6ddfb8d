/** Sizes (`10kb`, `1.5MB`, `2GiB`) and durations (`500ms`, `2h`, `1wk`) as written in `where`, case-insensitive. */

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  pb: 1e15,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  pib: 2 ** 50,
};

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  sec: 1000,
  min: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  wk: 604_800_000,
};

const AMOUNT = /^(\d+(?:\.\d+)?|\.\d+)([a-zµ]+)$/i;

function withUnit(text: string, units: Record<string, number>): number | undefined {
  const match = AMOUNT.exec(text);
  if (!match) return undefined;
  const factor = units[(match[2] as string).toLowerCase()];
  return factor === undefined ? undefined : Number(match[1]) * factor;
}

/** `1.5MB` → 1500000 bytes; kb is 1000, kib 1024. Undefined when the text is not a size. */
export const parseSize = (text: string): number | undefined => withUnit(text, SIZE_UNITS);

/** `5min` → 300000 ms. Undefined when the text is not a duration. */
export const parseDuration = (text: string): number | undefined => withUnit(text, DURATION_UNITS);

/** A plain number as written: `42`, `-3.5`, `1e6`. Leading zeros (`007`, a zip code) are not a number. */
export function parseNumber(text: string): number | undefined {
  if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}
