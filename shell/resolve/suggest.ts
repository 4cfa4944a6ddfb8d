import { didYouMean } from '../base/did-you-mean.ts';

/** The command a mistyped name probably meant; `plugin:cmd` looks only among that plugin's commands. */
export function suggestCommand(name: string, names: readonly string[]): string | undefined {
  const colon = name.indexOf(':');
  if (colon <= 0) return didYouMean(name, names);
  const prefix = name.slice(0, colon + 1);
  const near = didYouMean(
    name.slice(colon + 1),
    names.filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length)),
  );
  return near === undefined ? undefined : prefix + near;
}
