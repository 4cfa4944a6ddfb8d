/**
 * docs/sdk-reference.md is generated from the SDK's own declarations and JSDoc
 * (plugin-sdk/index.ts, types.ts, validate.ts, testing.ts), so it cannot drift:
 * this test fails when the file differs from what the code says.
 * Regenerate it with: TOSH_UPDATE_DOCS=1 npx vitest run test/docs-reference.test.ts
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';
import { docsUpdate, rewrote } from './helpers/docs-update.ts';
import { ROOT } from './helpers/tosh.ts';

const REFERENCE = join(ROOT, 'docs', 'sdk-reference.md');
const MODULES = [
  { id: 'tosh/plugin-sdk', file: join(ROOT, 'plugin-sdk', 'index.ts') },
  { id: 'tosh/plugin-sdk/testing', file: join(ROOT, 'plugin-sdk', 'testing.ts') },
];

/** Inline code, with double backticks when the text holds one. */
const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);

const oneSpaced = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The JSDoc of a declaration as markdown: its text, then `@default` and `@example` tags. */
function docOf(node: ts.Node): string {
  const parts: string[] = [];
  for (const doc of ts.getJSDocCommentsAndTags(node)) {
    if (!ts.isJSDoc(doc)) continue;
    const text = ts.getTextOfJSDocComment(doc.comment);
    if (text) parts.push(text.trim());
    for (const tag of doc.tags ?? []) {
      const body = (ts.getTextOfJSDocComment(tag.comment) ?? '').trim();
      const name = tag.tagName.text;
      if (name === 'default') parts.push(`Default: ${body.includes('`') || /\s/.test(body) ? body : `\`${body}\``}.`);
      else if (name === 'example') parts.push(body.includes('\n') ? `Example:\n\n\`\`\`ts\n${body}\n\`\`\`` : `Example: ${code(body)}`);
      else if (name === 'typeParam') parts.push(`Type parameter ${body}`);
    }
  }
  return parts.join('\n\n');
}

/** A declaration's own text without its body, on one line. */
function signatureOf(node: ts.Node): string {
  if (ts.isFunctionDeclaration(node) || ts.isMethodSignature(node) || ts.isMethodDeclaration(node)) {
    const text = node.getText();
    const body = ts.isFunctionDeclaration(node) && node.body ? node.body.getStart() - node.getStart() : text.length;
    return oneSpaced(text.slice(0, body).replace(/^export\s+/, '')).replace(/;$/, '');
  }
  if (ts.isClassDeclaration(node))
    return `class ${node.name?.text}${node.heritageClauses ? ` ${oneSpaced(node.heritageClauses.map((h) => h.getText()).join(' '))}` : ''}`;
  if (ts.isInterfaceDeclaration(node))
    return oneSpaced(
      node
        .getText()
        .slice(0, node.members.pos - node.getStart())
        .replace(/^export\s+/, '')
        .replace(/\{$/, ''),
    );
  if (ts.isVariableDeclaration(node)) return `const ${oneSpaced(node.getText())}`;
  return oneSpaced(node.getText().replace(/^export\s+/, '')).replace(/;$/, '');
}

function membersOf(node: ts.Node): string[] {
  const members = ts.isInterfaceDeclaration(node) || ts.isClassDeclaration(node) ? node.members : [];
  const out: string[] = [];
  for (const member of members) {
    if (ts.isConstructorDeclaration(member) || ts.getCombinedModifierFlags(member as ts.Declaration) & ts.ModifierFlags.Private) continue;
    const doc = docOf(member);
    const sig = oneSpaced(member.getText()).replace(/;$/, '');
    out.push(`- \`${sig}\`${doc ? `\n\n${doc.replace(/^/gm, '  ').replace(/^\s+$/gm, '')}` : ''}`);
  }
  return out;
}

/** The reference page, from the exports of each SDK module in declaration order. */
function generateReference(): string {
  const program = ts.createProgram(
    MODULES.map((m) => m.file),
    {
      allowImportingTsExtensions: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      jsx: ts.JsxEmit.ReactJSX,
      skipLibCheck: true,
    },
  );
  const checker = program.getTypeChecker();
  const lines = [
    '# SDK reference',
    '',
    '<!-- Generated from the JSDoc of plugin-sdk/*.ts by test/docs-reference.test.ts; do not edit by hand.',
    '     Regenerate: TOSH_UPDATE_DOCS=1 npx vitest run test/docs-reference.test.ts -->',
    '',
    'Everything a plugin can import. Types come from the same declarations your editor shows;',
    'see the [plugin guide](plugin-guide.md) for how they fit together.',
  ];
  for (const { id, file } of MODULES) {
    const source = program.getSourceFile(file);
    const symbol = source && checker.getSymbolAtLocation(source);
    if (!symbol) throw new Error(`cannot read ${file}`);
    lines.push('', `## \`${id}\``);
    const declared = checker
      .getExportsOfModule(symbol)
      .map((s) => ({ name: s.name, decl: (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s).declarations?.[0] }))
      .filter((e): e is { name: string; decl: ts.Declaration } => e.decl !== undefined)
      .sort((a, b) => {
        const fa = a.decl.getSourceFile().fileName;
        const fb = b.decl.getSourceFile().fileName;
        const rank = (f: string) =>
          f.includes('node_modules') ? 0 : f.endsWith('index.ts') || f.endsWith('testing.ts') ? 1 : f.endsWith('validate.ts') ? 2 : 3;
        return rank(fa) - rank(fb) || (fa < fb ? -1 : fa > fb ? 1 : a.decl.getStart() - b.decl.getStart());
      });
    for (const { name, decl } of declared) {
      const from = decl.getSourceFile().fileName;
      lines.push('', `### \`${name}\``, '');
      if (from.includes('node_modules')) {
        lines.push("zod's `z`, the very copy the shell uses (one zod for every plugin): `z.object`, `z.string`, `z.number`, `z.enum`, …");
        continue;
      }
      lines.push('```ts', signatureOf(decl), '```');
      const doc = docOf(ts.isVariableDeclaration(decl) ? decl.parent.parent : decl);
      if (doc) lines.push('', doc);
      const members = membersOf(decl);
      if (members.length > 0) lines.push('', ...members.flatMap((m) => [m, '']).slice(0, -1));
      lines.push('', `<sub>${relative(ROOT, from)}</sub>`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The page as the repository's formatter leaves it (Biome formats markdown and its code blocks). */
function formatted(markdown: string): string {
  const result = spawnSync(join(ROOT, 'node_modules', '.bin', 'biome'), ['format', `--stdin-file-path=${relative(ROOT, REFERENCE)}`], {
    input: markdown,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`biome format failed: ${result.stderr}`);
  return result.stdout;
}

it('docs/sdk-reference.md matches the JSDoc of the SDK', () => {
  const generated = formatted(generateReference());
  if (docsUpdate() && readFileSync(REFERENCE, 'utf8') !== generated) {
    writeFileSync(REFERENCE, generated);
    throw rewrote(relative(ROOT, REFERENCE));
  }
  expect(readFileSync(REFERENCE, 'utf8')).toBe(generated);
});

it('documents every export of the SDK, each with a description', () => {
  const text = readFileSync(REFERENCE, 'utf8');
  const sections = text.split('\n### ').slice(1);
  const names = sections.map((s) => s.slice(1, s.indexOf('`', 1)));
  for (const name of [
    'definePlugin',
    'defineCommand',
    'CommandError',
    'SDK_VERSION',
    'z',
    'CommandContext',
    'PluginDefinition',
    'runCommand',
  ]) {
    expect(names).toContain(name);
  }
  const undocumented = sections.filter((s) => !/```\n\n\S/.test(s) && !s.includes("zod's")).map((s) => s.slice(1, s.indexOf('`', 1)));
  expect(undocumented).toEqual([]);
});
