/** `printf FORMAT [ARGUMENTS]` as bash's: the format is used again until the arguments are taken. */

/** The escapes of a `printf` format and of `%b` (and `echo -e`): `\c` (stop) is reported as `stop`. */
export function escapes(text: string, forB: boolean): { text: string; stop: boolean } {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== '\\' || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const e = text[++i] as string;
    switch (e) {
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'e':
      case 'E':
        out += '\x1b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += forB ? '\\"' : '"';
        break;
      case "'":
        out += forB ? "\\'" : "'";
        break;
      case 'c':
        return { text: out, stop: true };
      case 'x': {
        const m = /^[0-9A-Fa-f]{1,2}/.exec(text.slice(i + 1));
        if (!m) {
          out += '\\x';
          break;
        }
        out += String.fromCharCode(Number.parseInt(m[0], 16));
        i += m[0].length;
        break;
      }
      case 'u':
      case 'U': {
        const m = new RegExp(`^[0-9A-Fa-f]{1,${e === 'u' ? 4 : 8}}`).exec(text.slice(i + 1));
        if (!m) {
          out += `\\${e}`;
          break;
        }
        out += String.fromCodePoint(Math.min(Number.parseInt(m[0], 16), 0x10ffff));
        i += m[0].length;
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          // `\NNN` in a format; `%b` and echo take `\0NNN` (the 0 is not a digit of the number).
          const digits = forB && e === '0' ? /^[0-7]{0,3}/.exec(text.slice(i + 1)) : /^[0-7]{1,3}/.exec(text.slice(i));
          const m = digits as RegExpExecArray;
          out += String.fromCharCode(Number.parseInt(m[0] || '0', 8) & 0xff);
          i += forB && e === '0' ? m[0].length : m[0].length - 1;
        } else out += `\\${e}`;
    }
  }
  return { text: out, stop: false };
}

/** A numeric argument as bash reads it: `'c` is the character's code; `0x…`, `0…` octal; a bad one is 0 and an error. */
function numberOf(arg: string | undefined, errors: string[]): bigint {
  if (arg === undefined || arg === '') return 0n;
  if (arg.startsWith("'") || arg.startsWith('"')) return BigInt(arg.codePointAt(1) ?? 0);
  const text = arg.trim();
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text);
  if (!m) {
    errors.push(`printf: ${arg}: invalid number`);
    return 0n;
  }
  const sign = m[1] === '-' ? -1n : 1n;
  const body = m[2] as string;
  const value = /^0[xX]/.test(body) ? BigInt(body) : body.length > 1 && body.startsWith('0') ? BigInt(`0o${body.slice(1)}`) : BigInt(body);
  if (m[0].length !== text.length) errors.push(`printf: ${arg}: invalid number`);
  return sign * value;
}

function floatOf(arg: string | undefined, errors: string[]): number {
  if (arg === undefined || arg === '') return 0;
  if (arg.startsWith("'") || arg.startsWith('"')) return arg.codePointAt(1) ?? 0;
  const value = Number(arg.trim());
  if (Number.isNaN(value) && !/^[-+]?nan$/i.test(arg.trim())) {
    const lead = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(arg.trim());
    errors.push(`printf: ${arg}: invalid number`);
    return lead ? Number(lead[0]) : 0;
  }
  return value;
}

function pad(text: string, width: number | undefined, left: boolean, zero: boolean): string {
  if (width === undefined || text.length >= width) return text;
  if (left) return text.padEnd(width);
  if (zero) {
    const sign = /^[-+ ]/.test(text) ? (text[0] as string) : '';
    const prefix = /^[-+ ]?0[xX]/.test(text) ? text.slice(0, sign.length + 2) : sign;
    return prefix + text.slice(prefix.length).padStart(width - prefix.length, '0');
  }
  return text.padStart(width);
}

/** C's `%e`: a mantissa and a signed exponent of at least two digits. */
function exponential(value: number, precision: number, upper: boolean): string {
  const [mantissa, exp] = value.toExponential(precision).split('e') as [string, string];
  const sign = exp.startsWith('-') ? '-' : '+';
  const digits = exp.replace(/^[-+]/, '').padStart(2, '0');
  const out = `${mantissa}e${sign}${digits}`;
  return upper ? out.toUpperCase() : out;
}

/** C's `%g`: the shorter of `%e` and `%f`, trailing zeros dropped (unless `#`). */
function general(value: number, precision: number, upper: boolean, alt: boolean): string {
  const p = precision === 0 ? 1 : precision;
  if (value === 0) return alt ? `0.${'0'.repeat(p - 1)}` : '0';
  const exp = Math.floor(Math.log10(Math.abs(value)));
  let out: string;
  if (exp < -4 || exp >= p) out = exponential(value, p - 1, upper);
  else out = value.toFixed(Math.max(0, p - 1 - exp));
  if (!alt) out = out.replace(/\.?0+(?=e|E|$)/, (m) => (m.startsWith('.') || /\./.test(out) ? '' : m));
  return out;
}

/** Run `printf`; returns the text to write and the error lines (status 1 when there are any). */
export function printf(format: string, args: string[]): { text: string; errors: string[] } {
  const errors: string[] = [];
  let out = '';
  let index = 0;
  const next = () => args[index++];
  for (;;) {
    const before = index;
    let i = 0;
    while (i < format.length) {
      const c = format[i] as string;
      if (c === '\\') {
        const end = escapeEnd(format, i);
        const { text, stop } = escapes(format.slice(i, end), false);
        out += text;
        if (stop) return { text: out, errors };
        i = end;
        continue;
      }
      if (c !== '%') {
        out += c;
        i++;
        continue;
      }
      if (format[i + 1] === '%') {
        out += '%';
        i += 2;
        continue;
      }
      const m = /^%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?([diouxXeEfFgGcsbq])/.exec(format.slice(i));
      if (!m) {
        errors.push(`printf: ${format.slice(i, i + 2)}: invalid format character`);
        return { text: out, errors };
      }
      i += m[0].length;
      const flags = m[1] as string;
      const width = m[2] === '*' ? Number(numberOf(next(), errors)) : m[2] === undefined ? undefined : Number(m[2]);
      const precision = m[3] === '*' ? Number(numberOf(next(), errors)) : m[3] === undefined ? undefined : Number(m[3] || 0);
      const conv = m[4] as string;
      const left = flags.includes('-') || (width !== undefined && width < 0);
      const w = width === undefined ? undefined : Math.abs(width);
      const zero = flags.includes('0') && !left;
      const arg = next();
      switch (conv) {
        case 's':
        case 'q': {
          let text = arg ?? '';
          if (conv === 'q') text = text === '' ? "''" : /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
          if (precision !== undefined) text = text.slice(0, precision);
          out += pad(text, w, left, false);
          break;
        }
        case 'b': {
          const { text, stop } = escapes(arg ?? '', true);
          out += pad(precision !== undefined ? text.slice(0, precision) : text, w, left, false);
          if (stop) return { text: out, errors };
          break;
        }
        case 'c':
          out += pad((arg ?? '').slice(0, 1), w, left, false);
          break;
        case 'd':
        case 'i': {
          const value = numberOf(arg, errors);
          let digits = (value < 0n ? -value : value).toString();
          if (precision !== undefined) digits = digits.padStart(precision, '0');
          const sign = value < 0n ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
          out += pad(sign + digits, w, left, zero && precision === undefined);
          break;
        }
        case 'o':
        case 'u':
        case 'x':
        case 'X': {
          let value = numberOf(arg, errors);
          if (value < 0n) value = BigInt.asUintN(64, value);
          let digits = value.toString(conv === 'o' ? 8 : conv === 'u' ? 10 : 16);
          if (conv === 'X') digits = digits.toUpperCase();
          if (precision !== undefined) digits = digits.padStart(precision, '0');
          if (flags.includes('#') && value !== 0n) digits = (conv === 'o' ? '0' : conv === 'x' ? '0x' : conv === 'X' ? '0X' : '') + digits;
          out += pad(digits, w, left, zero && precision === undefined);
          break;
        }
        default: {
          const value = floatOf(arg, errors);
          const p = precision ?? 6;
          let text: string;
          if (!Number.isFinite(value)) text = Number.isNaN(value) ? 'nan' : value < 0 ? '-inf' : 'inf';
          else if (conv === 'f' || conv === 'F') text = fixed(value, p);
          else if (conv === 'e' || conv === 'E') text = exponential(value, p, conv === 'E');
          else text = general(value, p, conv === 'G', flags.includes('#'));
          if (conv === 'F' || conv === 'E' || conv === 'G') text = text.toUpperCase();
          if (value >= 0 && !text.startsWith('-')) text = (flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + text;
          out += pad(text, w, left, zero && Number.isFinite(value));
        }
      }
    }
    // The format again while arguments are left (and it took some).
    if (index >= args.length || index === before) break;
  }
  return { text: out, errors };
}

/** Where an escape starting at `i` (a backslash) ends. */
function escapeEnd(format: string, i: number): number {
  const e = format[i + 1];
  if (e === undefined) return i + 1;
  if (e === 'x') return i + 2 + (/^[0-9A-Fa-f]{0,2}/.exec(format.slice(i + 2))?.[0].length ?? 0);
  if (e === 'u') return i + 2 + (/^[0-9A-Fa-f]{0,4}/.exec(format.slice(i + 2))?.[0].length ?? 0);
  if (e === 'U') return i + 2 + (/^[0-9A-Fa-f]{0,8}/.exec(format.slice(i + 2))?.[0].length ?? 0);
  if (e >= '0' && e <= '7') return i + 1 + (/^[0-7]{1,3}/.exec(format.slice(i + 1))?.[0].length ?? 1);
  return i + 2;
}

/** C's `%.Nf`: an exact tie (2.5, 0.125) rounds to even, as glibc does; JavaScript's toFixed rounds it up. */
function fixed(value: number, precision: number): string {
  const scaled = Math.abs(value) * 10 ** precision;
  if (precision <= 15 && scaled < 2 ** 52 && scaled - Math.floor(scaled) === 0.5) {
    const down = Math.floor(scaled);
    const even = down % 2 === 0 ? down : down + 1;
    const digits = String(even).padStart(precision + 1, '0');
    const whole = digits.slice(0, digits.length - precision);
    const text = precision > 0 ? `${whole}.${digits.slice(-precision)}` : whole;
    return value < 0 ? `-${text}` : text;
  }
  return value.toFixed(precision);
}
