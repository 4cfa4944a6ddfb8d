import { defineCommand, definePlugin, z } from 'tosh/plugin-sdk';

/** bash's `echo -e` escapes; `\c` ends the output there. */
function decode(text: string): { text: string; stop: boolean } {
  const simple: Record<string, string> = {
    a: '\x07',
    b: '\b',
    e: '\x1b',
    E: '\x1b',
    f: '\f',
    n: '\n',
    r: '\r',
    t: '\t',
    v: '\v',
    '\\': '\\',
  };
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    const e = text[i + 1];
    if (c !== '\\' || e === undefined) {
      out += c;
      continue;
    }
    i++;
    if (e === 'c') return { text: out, stop: true };
    if (simple[e] !== undefined) out += simple[e];
    else if (
      e === '0' ||
      (e === 'x' && /[0-9A-Fa-f]/.test(text[i + 1] ?? '')) ||
      ((e === 'u' || e === 'U') && /[0-9A-Fa-f]/.test(text[i + 1] ?? ''))
    ) {
      const [base, max] = e === '0' ? [8, 3] : e === 'x' ? [16, 2] : e === 'u' ? [16, 4] : [16, 8];
      const digits = (base === 8 ? /^[0-7]*/ : /^[0-9A-Fa-f]*/).exec(text.slice(i + 1, i + 1 + max))?.[0] ?? '';
      const code = Number.parseInt(digits || '0', base);
      out += e === 'u' || e === 'U' ? String.fromCodePoint(Math.min(code, 0x10ffff)) : String.fromCharCode(code & 0xff);
      i += digits.length;
    } else out += `\\${e}`;
  }
  return { text: out, stop: false };
}

export default definePlugin({
  name: 'echo',
  version: '1.1.0',
  description: 'Print words',
  commands: {
    echo: defineCommand({
      description: 'Return the words joined by single spaces',
      args: z.object({ words: z.array(z.string()).default([]).describe('Words to print') }),
      output: z.string().optional(),
      examples: ['echo hello world', 'echo "two  spaces" | upper', "echo -n 'no newline'", "echo -e 'a\\tb'"],
      run({ args }, ctx) {
        // As bash's echo: leading words made only of n, e and E are its options (`-n`, `-neE`).
        let newline = true;
        let escapes = false;
        let i = 0;
        for (; i < args.words.length && /^-[neE]+$/.test(args.words[i] as string); i++) {
          for (const letter of (args.words[i] as string).slice(1)) {
            if (letter === 'n') newline = false;
            else escapes = letter === 'e';
          }
        }
        let text = args.words.slice(i).join(' ');
        if (escapes) {
          const decoded = decode(text);
          text = decoded.text;
          if (decoded.stop) newline = false;
        }
        // The text is the value, as pipes and --json see it; where a newline would be wrong, it is printed exactly instead.
        if (newline && !text.endsWith('\n')) return text;
        ctx.stdout.write(newline ? `${text}\n` : text);
        return undefined;
      },
    }),
  },
});
