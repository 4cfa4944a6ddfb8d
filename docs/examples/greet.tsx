import { Box, Text } from 'ink';
import { CommandError, defineCommand, definePlugin, z } from 'tosh/plugin-sdk';

const HELLO = { en: 'Hello', zh: '你好' } as const;
const LANGUAGES = [
  { code: 'en', language: 'English', hello: HELLO.en },
  { code: 'zh', language: 'Chinese', hello: HELLO.zh },
];

/** `Hello, Ada!` or `你好，Ada！` */
function greeting(name: string, lang: keyof typeof HELLO): string {
  return lang === 'zh' ? `${HELLO.zh}，${name}！` : `${HELLO.en}, ${name}!`;
}

const lang = z.enum(['en', 'zh']).default('en').describe('Language of the greeting');

export default definePlugin({
  name: 'greet',
  version: '1.3.0',
  sdk: '^1.0.0',
  description: 'Greetings in English and Chinese',
  commands: {
    hello: defineCommand({
      description: 'Say hello',
      args: z.object({ name: z.string().default('Universe').describe('Who to greet') }),
      flags: z.object({
        lang,
        loud: z.boolean().default(false).describe('Shout it'),
        times: z.number().int().min(1).max(10).default(1).describe('How many times'),
      }),
      short: { l: 'lang', L: 'loud', n: 'times' },
      examples: ['hello Ada', 'hello Ada --lang zh', 'hello Ada -L -n 2'],
      run({ args, flags }) {
        const text = greeting(args.name, flags.lang);
        const line = flags.loud ? text.toUpperCase() : text;
        return Array(flags.times).fill(line).join('\n');
      },
    }),

    languages: defineCommand({
      description: 'The languages hello speaks',
      run: () => LANGUAGES,
    }),

    card: defineCommand({
      description: 'A greeting card, drawn with ink',
      args: z.object({ name: z.string().describe('Who the card is for') }),
      flags: z.object({ lang }),
      short: { l: 'lang' },
      run: ({ args, flags }) => (
        <Box borderStyle="round" paddingX={1} flexDirection="column" alignSelf="flex-start">
          <Text bold>{greeting(args.name, flags.lang)}</Text>
          <Text dimColor>from the greet plugin</Text>
        </Box>
      ),
    }),

    'hello-all': defineCommand({
      description: 'Greet everyone, one by one, with a progress bar',
      args: z.object({ names: z.array(z.string()).min(1).describe('Who to greet') }),
      flags: z.object({ lang }),
      short: { l: 'lang' },
      async run({ args, flags }, ctx) {
        const bar = ctx.progress({ total: args.names.length, label: 'greeting' });
        const lines: string[] = [];
        for (const name of args.names) {
          if (ctx.signal.aborted) throw new CommandError('hello-all: interrupted', { exitCode: 130 });
          await new Promise((resolve) => setTimeout(resolve, 10));
          lines.push(greeting(name, flags.lang));
          bar.tick();
        }
        bar.done(`greeted ${lines.length}`);
        return lines.join('\n');
      },
    }),
  },
});
