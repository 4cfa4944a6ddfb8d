/**
 * `tosh new NAME --package`: a plugin as a publishable npm package. The shell
 * provides tosh/plugin-sdk (and react, ink, zod, chalk) to every plugin, so
 * they are optional peer dependencies: npm never installs copies of them
 * beside the plugin. tosh itself is a dev dependency, for its types and
 * `tosh/plugin-sdk/testing`.
 */

/** The files of a new plugin package, relative to its folder. */
/** What every scaffolded tsconfig.json asks of TypeScript: strict, and no emit (tosh compiles plugins itself). */
export const COMPILER_OPTIONS = {
  target: 'ES2022',
  lib: ['ES2023'],
  module: 'preserve',
  moduleResolution: 'bundler',
  jsx: 'react-jsx',
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  allowImportingTsExtensions: true,
};

export function packageScaffold(
  name: string,
  options: { sdkRange: string; shellVersion: string; shellRoot: string; plugin: string; test: string },
): [string, string][] {
  const major = options.shellVersion.split('.')[0];
  const pkg = {
    name: `tosh-plugin-${name}`,
    version: '0.1.0',
    description: `What ${name} does, in one line`,
    keywords: ['tosh-plugin'],
    license: 'MIT',
    type: 'module',
    exports: './index.ts',
    files: ['index.ts', 'README.md'],
    tosh: { sdk: options.sdkRange },
    scripts: { test: 'vitest run', typecheck: 'tsc' },
    peerDependencies: { tosh: `^${major}.0.0` },
    peerDependenciesMeta: { tosh: { optional: true } },
    devDependencies: { tosh: `file:${options.shellRoot}`, typescript: '^5.9.0', vitest: '^4.0.0' },
  };
  const tsconfig = {
    compilerOptions: { ...COMPILER_OPTIONS, types: [] },
    include: ['*.ts', '*.tsx'],
  };
  return [
    ['package.json', `${JSON.stringify(pkg, null, 2)}\n`],
    ['index.ts', options.plugin],
    ['index.test.ts', options.test],
    ['tsconfig.json', `${JSON.stringify(tsconfig, null, 2)}\n`],
    ['.gitignore', 'node_modules/\n*.tgz\n'],
    ['README.md', readme(name, pkg.name)],
  ];
}

function readme(name: string, pkgName: string): string {
  return `# ${pkgName}

A plugin for the tosh shell: the \`${name}\` command.

## Install

In tosh:

\`\`\`
plugins install ${pkgName}
\`\`\`

Then \`${name} Ada\` works at once, and \`help ${name}\` shows its usage.

## Develop

\`\`\`sh
npm install                        # tosh (types, test helpers), vitest, typescript
npm test                           # the tests in index.test.ts
npm run typecheck
\`\`\`

In tosh, \`plugins link .\` loads this folder and reloads it on every save;
\`plugins unlink .\` drops it.

The shell gives every plugin its own copy of \`tosh/plugin-sdk\`, \`react\`,
\`ink\`, \`zod\` and \`chalk\`: import them freely, but list them only as
(optional) \`peerDependencies\`, never as \`dependencies\`. Anything else goes
in \`dependencies\` as usual.

## Publish

\`\`\`sh
npm publish
\`\`\`

The \`"tosh": { "sdk": "..." }\` field of package.json is what makes this
package a plugin; tosh refuses to install it when its range excludes the
shell's SDK. tosh installs it with npm's scripts off (no \`preinstall\`,
\`install\`, \`postinstall\` or \`prepare\`, nor those of its dependencies):
publish what the plugin needs as it is.
`;
}
