/** Layers that a function uses together must not ship the same top-level module. */
import * as fs from 'fs';
import { isIgnoredEntry } from '../config/project-layout';

/**
 * Layers used together by a function must not ship the same top-level module: Lambda merges them into /opt, and
 * the later layer's files would silently replace the earlier one's.
 */
export function shadowingProblems(
  functions: readonly { readonly name: string; readonly layers: readonly string[] }[],
  pythonDirOf: (layer: string) => string,
): string[] {
  const names = new Map<string, string[]>();
  const namesOf = (layer: string) => {
    if (!names.has(layer)) names.set(layer, topLevelNames(pythonDirOf(layer)));
    return names.get(layer)!;
  };
  const problems: string[] = [];
  for (const fn of functions) {
    for (let i = 0; i < fn.layers.length; i++) {
      for (let j = i + 1; j < fn.layers.length; j++) {
        const shared = namesOf(fn.layers[i]).filter((n) => namesOf(fn.layers[j]).includes(n));
        if (shared.length > 0) {
          problems.push(
            `Layers "${fn.layers[i]}" and "${fn.layers[j]}", both used by function "${fn.name}", both ship ${shared.join(', ')}: ` +
              `Lambda mounts them into one /opt/python, so "${fn.layers[j]}"'s copy would shadow "${fn.layers[i]}"'s. ` +
              'Fix: keep each module in one layer (move the package to the layer both use, or rename the module).',
          );
        }
      }
    }
  }
  return [...new Set(problems)];
}

/** Top-level importable names of a tree (modules, packages), to find layers that shadow each other. */
export function topLevelNames(python: string): string[] {
  return fs
    .readdirSync(python)
    .filter(
      (n) =>
        !isIgnoredEntry(n) && !n.endsWith('.dist-info') && !n.endsWith('.data') && !n.endsWith('.pth') && n !== 'bin',
    )
    .map((n) =>
      n
        .replace(/\.(py|so|pyd)$/, '')
        .replace(/\.cpython-.*$/, '')
        .replace(/\.abi3$/, ''),
    )
    .filter((n, i, all) => all.indexOf(n) === i)
    .sort();
}
