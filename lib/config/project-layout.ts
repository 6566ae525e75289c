/** Where things live in the project, from its root folder: the one place that knows the folder layout. */
import * as path from 'path';

/** `layers/<layer>`: a layer's source (`python/`, `requirements.txt`, `tests/`). */
export function layerSourceDir(projectRoot: string, layer: string): string {
  return path.join(projectRoot, 'layers', layer);
}

/** `layers/<layer>/tests/standins`: stand-ins for a layer's third-party packages, for tests of an unbuilt layer. */
export function layerStandinsDir(projectRoot: string, layer: string): string {
  return path.join(layerSourceDir(projectRoot, layer), 'tests', 'standins');
}

/** `build/layers`: where the builder writes built layers; the pipeline hands this folder to synth. */
export function layersBuildRoot(projectRoot: string): string {
  return path.join(projectRoot, 'build', 'layers');
}

/** `build/layers/<layer>`: a built layer (`python/` and the manifest). */
export function layerBuildDir(projectRoot: string, layer: string): string {
  return path.join(layersBuildRoot(projectRoot), layer);
}

/** `lambda/<function>`: a function's code and its tests. */
export function functionCodeDir(projectRoot: string, fn: string): string {
  return path.join(projectRoot, 'lambda', fn);
}

/** Entries that never belong in a layer and never count: compiled bytecode and editor litter. */
export function isIgnoredEntry(name: string): boolean {
  return name === '__pycache__' || name.endsWith('.pyc') || name === '.DS_Store';
}
