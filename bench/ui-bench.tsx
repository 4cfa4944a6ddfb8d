// The interactive shell in process (ink-testing-library's virtual terminal): keystroke → screen
// update with 10,000 lines of earlier output, and heap after 1,000 and 10,000 commands.
// bench/run.js bundles this with esbuild and runs it with --expose-gc; it prints one JSON line.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { Session } from '../shell/main/session.ts';
import { captureSink } from '../shell/run/sink.ts';
import { defaultConfig } from '../shell/state/config.ts';
import { App } from '../shell/ui/app.tsx';
import { Controller } from '../shell/ui/controller.ts';

const root = process.argv[2] as string;
const home = mkdtempSync(join(tmpdir(), 'tosh-ui-bench-'));
const session = new Session({
  dirs: [{ dir: join(root, 'commands'), builtin: true }],
  home,
  config: { ...defaultConfig(), historySize: 0 },
  trust: false,
  json: false,
  debug: false,
  interactive: true,
  longLived: false,
  cwd: home,
  env: {},
  sink: captureSink(),
  host: { clear() {}, setPrompt() {}, notice() {} },
});
await session.start();
// Output goes where a terminal's would (nowhere kept): what is measured is the shell's own cost.
const controller = new Controller(session, { color: false, columns: () => 80, rows: () => 24, exit() {}, write() {} });
const ui = render(<App controller={controller} />);
const tick = () => new Promise((r) => setImmediate(r));
const heapMB = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1048576;
};

async function commands(count: number, from: number) {
  for (let i = from; i < from + count; i++) {
    ui.stdin.write(`echo line ${i}\r`);
    // Wait for the line to finish and the prompt to be back.
    while (controller.mode !== 'edit') await tick();
    // The virtual terminal keeps every frame it was sent; a real one does not.
    ui.frames.length = 0;
    ui.stdout.frames.length = 0;
  }
  await tick();
}

await commands(1000, 0);
const heap1k = heapMB();
await commands(9000, 1000);
const heap10k = heapMB();

// Keystrokes with 10,000 lines of output above: time until the frame shows the typed text.
const samples: number[] = [];
for (let i = 0; i < 200; i++) {
  const letter = String.fromCharCode(97 + (i % 26));
  const before = controller.edit.text;
  const t0 = performance.now();
  ui.stdin.write(letter);
  while (!(ui.lastFrame() ?? '').includes(`tosh> ${before}${letter}`)) await tick();
  samples.push(performance.now() - t0);
  if (i % 20 === 19) ui.stdin.write('\u0015'); // Ctrl-U keeps the line short
  await tick();
}
samples.sort((a, b) => a - b);
ui.unmount();
await session.close();
console.log(
  JSON.stringify({
    keystrokeP50Ms: samples[Math.floor(samples.length / 2)],
    keystrokeP90Ms: samples[Math.floor(samples.length * 0.9)],
    heap1kMB: heap1k,
    heap10kMB: heap10k,
  }),
);
process.exit(0);
