/**
 * The container engine that runs container builds of layers: Docker, Podman or Finch, whichever is installed (first
 * found in that order), or the one asked for. Found on the PATH it is given; nothing here reads the environment.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The engines a container build can use, in the order they are looked for. Their `run` flags are the same. */
export const CONTAINER_ENGINES = ['docker', 'podman', 'finch'] as const;
export type ContainerEngineName = (typeof CONTAINER_ENGINES)[number];

/** Where to get each engine, for the message that says none is installed. */
export const ENGINE_INSTALL_HINTS: Record<ContainerEngineName, string> = {
  docker: 'Docker Desktop or Docker Engine (https://docs.docker.com/get-docker/)',
  podman: 'Podman (https://podman.io/docs/installation; on Debian or Ubuntu: sudo apt-get install podman)',
  finch: 'Finch (https://runfinch.com/docs/getting-started/installation/)',
};

/** An engine found on the PATH. */
export interface ContainerEngine {
  readonly name: ContainerEngineName;
  /** The executable's absolute path. */
  readonly command: string;
}

/** No engine can be used: the message names what was looked for and how to get it. */
export class ContainerEngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerEngineError';
  }
}

/** Options of {@link findContainerEngine}. */
export interface FindContainerEngineOptions {
  /** The engine asked for (`--engine`); any installed one when absent. */
  readonly requested?: string;
  /** The PATH to search (the caller's `process.env.PATH`). */
  readonly pathEnv: string | undefined;
  /** @default process.platform */
  readonly platform?: NodeJS.Platform;
}

/** The engine to use: the one asked for, or the first of {@link CONTAINER_ENGINES} on the PATH. */
export function findContainerEngine(options: FindContainerEngineOptions): ContainerEngine {
  const installed = CONTAINER_ENGINES.map((name) => ({
    name,
    command: findOnPath(name, options.pathEnv, options.platform),
  })).filter((e): e is ContainerEngine => e.command !== undefined);
  const { requested } = options;
  if (requested !== undefined) {
    if (!(CONTAINER_ENGINES as readonly string[]).includes(requested)) {
      throw new ContainerEngineError(
        `--engine "${requested}" is not one of ${CONTAINER_ENGINES.join(', ')}. Fix: name one of them, or leave out --engine ` +
          'to use whichever is installed.',
      );
    }
    const found = installed.find((e) => e.name === requested);
    if (found) return found;
    const others = installed.map((e) => e.name);
    throw new ContainerEngineError(
      `--engine ${requested}: ${requested} is not installed (no executable "${requested}" on the PATH). ` +
        `Fix: install ${ENGINE_INSTALL_HINTS[requested as ContainerEngineName]}` +
        (others.length > 0
          ? `, or use ${others.map((n) => `--engine ${n}`).join(' or ')}, which ${others.length === 1 ? 'is' : 'are'} installed.`
          : '.'),
    );
  }
  if (installed.length > 0) return installed[0];
  throw new ContainerEngineError(
    `--container needs a container engine, and none of ${CONTAINER_ENGINES.join(', ')} is installed (none is on the PATH). ` +
      `Fix: install one of ${CONTAINER_ENGINES.map((n) => ENGINE_INSTALL_HINTS[n]).join('; ')}; ` +
      "or build without --container, which needs a wheel of every package for Lambda's platform.",
  );
}

/** The absolute path of an executable on a PATH, as a shell would find it. */
export function findOnPath(
  name: string,
  pathEnv: string | undefined,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const extensions = platform === 'win32' ? ['.exe', '.cmd', '.bat', ''] : [''];
  for (const dir of (pathEnv ?? '').split(path.delimiter).filter((d) => d !== '')) {
    for (const extension of extensions) {
      const candidate = path.resolve(dir, name + extension);
      try {
        if (!fs.statSync(candidate).isFile()) continue;
        if (platform !== 'win32') fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      } catch {
        // not here, or not executable: keep looking
      }
    }
  }
  return undefined;
}
