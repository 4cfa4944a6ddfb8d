/**
 * The house (docs/architecture.md): rooms in `shell/` that depend only
 * downwards, no import circle (type imports included), the SDK free of the
 * shell, built-in commands written against the SDK alone, no file too big
 * to read in one sitting.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/tosh.ts';

/** Each room of shell/ and the rooms it may import from. */
const ROOMS: Record<string, string[]> = {
  base: [],
  sys: ['base'],
  state: ['base', 'line'],
  line: ['base'],
  render: ['base'],
  plugins: ['base', 'state', 'render'],
  resolve: ['base', 'plugins'],
  run: ['base', 'sys', 'state', 'line', 'render', 'plugins', 'resolve'],
  complete: ['base', 'sys', 'state', 'line', 'render', 'plugins', 'resolve', 'run'],
  ui: ['base', 'state', 'line', 'render', 'plugins', 'resolve', 'run', 'complete'],
  main: ['base', 'sys', 'state', 'line', 'render', 'plugins', 'resolve', 'run', 'complete', 'ui'],
};

const SOURCE = /\.(ts|tsx)$/;

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every module a file names: static imports and re-exports (type-only ones too) and dynamic `import('…')`. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/^\s*(\/\/.*|\*.*|\/\*\*.*)$/gm, '');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:^|\s)(?:import|export)\s[^'";]*?from\s*'([^']+)'/g)) found.push(match[1] as string);
  for (const match of text.matchAll(/(?:^|\s)import\s*'([^']+)'/g)) found.push(match[1] as string);
  for (const match of text.matchAll(/import\(\s*'([^']+)'\s*\)/g)) found.push(match[1] as string);
  return found;
}

const rel = (path: string) => relative(ROOT, path);
const files = [...filesUnder(join(ROOT, 'shell')), ...filesUnder(join(ROOT, 'plugin-sdk')), ...filesUnder(join(ROOT, 'commands'))];
/** file → the project files it imports. */
const graph = new Map<string, string[]>();
for (const file of files) {
  const targets = importsOf(file)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => resolve(dirname(file), spec))
    .filter((target) => !target.includes(`${ROOT}node_modules`.replace(/\/\//, '/')) && !rel(target).startsWith('node_modules'));
  graph.set(file, targets);
}
const roomOf = (file: string) => {
  const parts = rel(file).split('/');
  return parts[0] === 'shell' && parts.length > 2 ? parts[1] : undefined;
};

describe('the house', () => {
  it('has only the rooms it names, and no file directly in shell/', () => {
    const rooms = new Set(files.filter((f) => rel(f).startsWith('shell/')).map((f) => roomOf(f) ?? rel(f)));
    for (const room of rooms) expect(Object.keys(ROOMS), `shell/${room}`).toContain(room);
  });

  it('imports only downwards between rooms', () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      const from = roomOf(file);
      if (!from) continue;
      for (const target of targets) {
        const to = roomOf(target);
        if (to === undefined || to === from) continue;
        if (!ROOMS[from]?.includes(to)) wrong.push(`${rel(file)} → ${rel(target)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('has no import circle, type imports included', () => {
    // Tarjan's strongly connected components over the file graph.
    let index = 0;
    const stack: string[] = [];
    const on = new Set<string>();
    const order = new Map<string, number>();
    const low = new Map<string, number>();
    const circles: string[][] = [];
    const visit = (node: string) => {
      order.set(node, index);
      low.set(node, index);
      index++;
      stack.push(node);
      on.add(node);
      for (const next of graph.get(node) ?? []) {
        if (!graph.has(next)) continue;
        if (!order.has(next)) {
          visit(next);
          low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
        } else if (on.has(next)) low.set(node, Math.min(low.get(node) as number, order.get(next) as number));
      }
      if (low.get(node) === order.get(node)) {
        const component: string[] = [];
        let top: string;
        do {
          top = stack.pop() as string;
          on.delete(top);
          component.push(rel(top));
        } while (top !== node);
        if (component.length > 1) circles.push(component.sort());
      }
    };
    for (const file of graph.keys()) if (!order.has(file)) visit(file);
    expect(circles).toEqual([]);
  });

  it('keeps the SDK free of the shell, but for the test entry point that drives it', () => {
    const reaching = [...graph]
      .filter(([file]) => rel(file).startsWith('plugin-sdk/'))
      .flatMap(([file, targets]) => targets.filter((t) => !rel(t).startsWith('plugin-sdk/')).map((t) => `${rel(file)} → ${rel(t)}`));
    expect(reaching).toEqual(['plugin-sdk/testing.ts → shell/main/harness.ts']);
  });

  it('writes the built-in commands against the SDK alone, as an outside plugin would be', () => {
    const reaching: string[] = [];
    for (const file of files.filter((f) => rel(f).startsWith('commands/'))) {
      for (const spec of importsOf(file)) {
        const outside = spec.startsWith('.') && !rel(resolve(dirname(file), spec)).startsWith('commands/');
        if (outside || spec.startsWith('tosh/') ? spec !== 'tosh/plugin-sdk' || outside : false) reaching.push(`${rel(file)} → ${spec}`);
      }
    }
    expect(reaching).toEqual([]);
  });

  it('keeps every file of shell/ short enough to read whole', () => {
    const long = files
      .filter((f) => rel(f).startsWith('shell/'))
      .map((f) => [rel(f), readFileSync(f, 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 450);
    expect(long).toEqual([]);
  });
});
