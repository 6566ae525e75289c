/**
 * What `tools/lambda_local.py` needs to run a function's handler, or a layer's tests, on this machine: the folders
 * Lambda would mount, in order, and the environment the function gets when deployed.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { FunctionConfig } from '../config/functions-config';
import type { LayerManifest } from '../layer-content/layer-manifest';
import type { LayerContent } from '../layer-content/layer-source';
import { functionEnvironment } from '../config/naming';
import { functionCodeDir, layerSourceDir, layerStandinsDir } from '../config/project-layout';

/** One layer, as the local runner sees it. */
export interface LocalLayerSpec {
  readonly name: string;
  /** `layers/<layer>/python`. */
  readonly sourcePython: string;
  /** `build/layers/<layer>/python`, when the build is current. */
  readonly builtPython?: string;
  readonly manifest?: LayerManifest;
  /** Stand-ins for the layer's third-party packages, used while it is not built. */
  readonly standins?: string;
}

/** One function, as the local runner sees it. */
export interface LocalFunctionSpec {
  readonly name: string;
  readonly functionDir: string;
  readonly handler: string;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly environment: Record<string, string>;
  /** In the order Lambda applies them. */
  readonly layers: readonly LocalLayerSpec[];
  /**
   * Put the stand-ins of unbuilt layers before this Python's own packages, as where those are not installed.
   * @default false: a package this Python has wins over its stand-in
   */
  readonly preferStandins?: boolean;
}

/** The name of the environment functions see when run locally (`APP_ENVIRONMENT`). */
export const LOCAL_ENVIRONMENT = 'local';

export function localLayerSpec(projectRoot: string, content: LayerContent): LocalLayerSpec {
  const standins = layerStandinsDir(projectRoot, content.layer.name);
  return {
    name: content.layer.name,
    sourcePython: path.join(layerSourceDir(projectRoot, content.layer.name), 'python'),
    builtPython: content.kind === 'built' ? path.join(content.assetPath, 'python') : undefined,
    manifest: content.manifest,
    standins: fs.existsSync(standins) ? standins : undefined,
  };
}

export function localFunctionSpec(
  projectRoot: string,
  appName: string,
  fn: FunctionConfig,
  contents: readonly LayerContent[],
): LocalFunctionSpec {
  const byName = new Map(contents.map((c) => [c.layer.name, c]));
  const layers = fn.layers.map((name) => byName.get(name)!);
  return {
    name: fn.name,
    functionDir: functionCodeDir(projectRoot, fn.name),
    handler: fn.handler,
    memorySize: fn.memorySize,
    timeoutSeconds: fn.timeoutSeconds,
    environment: functionEnvironment(
      appName,
      LOCAL_ENVIRONMENT,
      layers.map((c) => ({ name: c.layer.name, fingerprint: c.fingerprint })),
    ),
    layers: layers.map((c) => localLayerSpec(projectRoot, c)),
  };
}
