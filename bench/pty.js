// The interactive shell in a real pseudo-terminal (util-linux `script`), 100x30, driven as a user would:
// time to the prompt, a flood of 50,000 lines (and fish's `seq` in the same terminal size), a 100 KB
// bracketed paste, keystroke echo with 50,000 lines above. Used by bench/run.js.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007|\u001b[()][0-9A-Z]|\u001b[=>78]/g;

/** A memory figure (MB) of process `pid` from /proc (`VmHWM`, `VmRSS`), or undefined once it is gone. */
function statusMB(pid, field) {
  try {
    const kb = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** A program in a 100x30 pseudo-terminal; its screen output as plain text (escape sequences removed). */
export function pty(command, env) {
  const child = spawn('script', ['-qfec', `stty cols 100 rows 30; echo "pid:$$"; exec ${command}`, '/dev/null'], {
    env: { PATH: process.env.PATH, TERM: 'xterm-256color', LANG: 'C.UTF-8', ...env },
    stdio: ['pipe', 'pipe', 'ignore'],
    detached: true,
  });
  let text = '';
  let pid;
  const waiters = new Set();
  child.stdout.on('data', (data) => {
    text += data.toString('utf8').replace(ANSI, '').replace(/\r/g, '');
    pid ??= /pid:(\d+)/.exec(text)?.[1];
    for (const waiter of waiters) waiter();
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return {
    get text() {
      return text;
    },
    get length() {
      return text.length;
    },
    /** Resolves with the time (ms, from `since`) when `test(text after from)` first holds; undefined after the deadline. */
    until(test, { from = 0, since = performance.now(), deadlineMs = 60000 } = {}) {
      return new Promise((resolve) => {
        const check = () => {
          if (!test(text.slice(from))) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(performance.now() - since);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          resolve(undefined);
        }, deadlineMs);
        waiters.add(check);
        check();
      });
    },
    write(data) {
      child.stdin.write(data);
    },
    /** Peak RSS (MB) of the program so far. */
    peakMB: () => statusMB(pid, 'VmHWM'),
    /** Resident memory (MB) of the program now. */
    rssMB: () => statusMB(pid, 'VmRSS'),
    async close() {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
      await exited;
    },
  };
}

/** A plugin directory with `flood N` (N numbered lines printed with ctx.print, as `seq -f 'line %g'` does). */
export function floodPlugins(work) {
  const dir = join(work, 'plugins-flood');
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const file = join(dir, 'flood.ts');
  writeFileSync(
    file,
    `import { defineCommand, definePlugin, z } from 'tosh/plugin-sdk';
export default definePlugin({
  name: 'flood',
  version: '1.0.0',
  commands: {
    flood: defineCommand({
      description: 'Print N numbered lines',
      args: z.object({ n: z.number() }),
      run({ args }, ctx) {
        for (let i = 1; i <= args.n; i++) ctx.print(\`line \${i}\`);
      },
    }),
  },
});
`,
  );
  chmodSync(file, 0o644);
  return dir;
}

const LINES = 50000;
const last = `line ${LINES}\n`;

/** fish's `seq` of the same lines at the same size: Enter to its prompt back (ms), or undefined without fish. */
export async function fishFlood() {
  const fish = pty(`fish --no-config -C 'function fish_prompt; echo -n "fish> "; end'`, { HOME: process.env.HOME ?? '/tmp' });
  try {
    if ((await fish.until((t) => t.includes('fish> '), { deadlineMs: 8000 })) === undefined) return undefined;
    const from = fish.length;
    const since = performance.now();
    fish.write(`seq -f 'line %g' 1 ${LINES}\r`);
    return await fish.until((t) => t.includes(last) && t.slice(t.indexOf(last)).includes('fish> '), { from, since });
  } finally {
    await fish.close();
  }
}

/** tosh in a terminal: the flood, the paste and keystrokes, one session. */
export async function toshFigures({ node, bin, home, plugins }) {
  const tosh = pty(`${JSON.stringify(node)} ${JSON.stringify(bin)} --plugins ${JSON.stringify(plugins)}`, { HOME: home, TOSH_HOME: home });
  try {
    if ((await tosh.until((t) => t.includes('tosh> '), { deadlineMs: 10000 })) === undefined) return undefined;
    // The UI is up once a typed line is answered.
    tosh.write('echo ready\r');
    await tosh.until((t) => t.includes('\nready\n'));

    let from = tosh.length;
    let since = performance.now();
    tosh.write(`flood ${LINES}\r`);
    const floodMs = await tosh.until((t) => t.includes(last) && t.slice(t.indexOf(last)).includes('tosh> '), { from, since });
    const floodPeakMB = tosh.peakMB();

    // Keystrokes with 50,000 lines above: time until the typed letter is drawn.
    const samples = [];
    let typed = '';
    for (let i = 0; i < 60; i++) {
      const letter = String.fromCharCode(97 + (i % 26));
      typed += letter;
      from = tosh.length;
      since = performance.now();
      tosh.write(letter);
      const ms = await tosh.until((t) => t.includes(`tosh> ${typed}`), { from, since, deadlineMs: 5000 });
      if (ms !== undefined) samples.push(ms);
      if (typed.length === 15) {
        tosh.write('\u0015');
        typed = '';
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    samples.sort((a, b) => a - b);

    // A 100 KB paste: until its last line is drawn in the edit buffer.
    tosh.write('\u0015');
    const body = Array.from({ length: 4000 }, (_, i) => `echo pasted line ${i} ${'x'.repeat(8)}`).join('\n');
    const paste = `${body}\necho end-of-paste`;
    from = tosh.length;
    since = performance.now();
    tosh.write(`\u001b[200~${paste}\u001b[201~`);
    const pasteMs = await tosh.until((t) => t.includes('echo end-of-paste'), { from, since });
    return {
      floodMs,
      floodPeakMB,
      keystrokeP50Ms: samples[Math.floor(samples.length / 2)],
      keystrokeP90Ms: samples[Math.floor(samples.length * 0.9)],
      pasteKB: Math.round(paste.length / 1024),
      pasteMs,
    };
  } finally {
    await tosh.close();
  }
}

/** From start to the first prompt, and to the answer of a line typed at it (ms). */
export async function firstAnswer({ node, bin, home }) {
  const since = performance.now();
  const tosh = pty(`${JSON.stringify(node)} ${JSON.stringify(bin)}`, { HOME: home, TOSH_HOME: home });
  try {
    const promptMs = await tosh.until((t) => t.includes('tosh> '), { since, deadlineMs: 10000 });
    if (promptMs === undefined) return undefined;
    tosh.write('echo ready\r');
    const answerMs = await tosh.until((t) => t.includes('\nready\n'), { since, deadlineMs: 10000 });
    return { promptMs, answerMs };
  } finally {
    await tosh.close();
  }
}

/**
 * Command lag as zsh-bench measures it: Enter on a no-op (`true`) until the next prompt is drawn,
 * `samples` times in one session (ms, sorted). `command` starts the shell; its prompt is `prompt`.
 */
export async function commandLag(command, { env = {}, prompt, samples = 30, line = 'true' }) {
  const shell = pty(command, env);
  try {
    if ((await shell.until((t) => t.includes(prompt), { deadlineMs: 10000 })) === undefined) return undefined;
    shell.write('echo ready\r');
    if ((await shell.until((t) => t.includes('\nready\n') && t.slice(t.indexOf('\nready\n')).includes(prompt))) === undefined)
      return undefined;
    await new Promise((r) => setTimeout(r, 100));
    const times = [];
    for (let i = 0; i < samples; i++) {
      // Typed as a person types (a key every 15 ms), timed from Enter: the frames drawn for the keys
      // are what a throttled renderer makes the prompt wait behind.
      for (const key of line) {
        shell.write(key);
        await new Promise((r) => setTimeout(r, 15));
      }
      const from = shell.length;
      const since = performance.now();
      shell.write('\r');
      // The line echoed, then a prompt after it.
      // A new line, and the fresh prompt alone on the last one.
      const fresh = (t) => {
        const lines = t.split('\n').filter((l) => l.trim() !== '');
        return t.includes('\n') && lines.length > 0 && (lines.at(-1) ?? '').trimEnd().endsWith(prompt.trimEnd());
      };
      const ms = await shell.until(fresh, {
        from,
        since,
        deadlineMs: 5000,
      });
      if (ms !== undefined) times.push(ms);
      await new Promise((r) => setTimeout(r, 40));
    }
    return times.sort((a, b) => a - b);
  } finally {
    await shell.close();
  }
}

/** Resident memory (MB) of a shell idle at its prompt, `waitMs` after its first line is answered. */
export async function idleRss(command, { env = {}, prompt, ready = 'echo ready\r', waitMs = 1500 }) {
  const shell = pty(command, env);
  try {
    if ((await shell.until((t) => t.includes(prompt), { deadlineMs: 10000 })) === undefined) return undefined;
    shell.write(ready);
    await shell.until((t) => t.includes('ready\n'));
    await new Promise((r) => setTimeout(r, waitMs));
    return shell.rssMB();
  } finally {
    await shell.close();
  }
}

/** Any shell or REPL: from launch to the answer of `line` typed at its first prompt (ms). */
export async function firstAnswerOf(command, { env = {}, prompt, line, answer }) {
  const since = performance.now();
  const shell = pty(command, env);
  try {
    if ((await shell.until((t) => t.includes(prompt), { since, deadlineMs: 10000 })) === undefined) return undefined;
    shell.write(line);
    return await shell.until((t) => t.includes(answer), { since, deadlineMs: 10000 });
  } finally {
    await shell.close();
  }
}
