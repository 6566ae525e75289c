/**
 * Wheel tags (PEP 425) and whether a wheel can run on a Lambda runtime and architecture: the check that catches a
 * package built for the wrong Python, OS or CPU before it is deployed.
 */
import type { Architecture } from '../config/runtimes';
import { pythonVersionOf } from '../config/runtimes';

/** The glibc of the Amazon Linux each Python runtime runs on: AL2 (2.26) up to 3.11, AL2023 (2.34) from 3.12. */
export function runtimeGlibc(runtime: string): [number, number] {
  const minor = Number(pythonVersionOf(runtime).split('.')[1]);
  return minor >= 12 ? [2, 34] : [2, 26];
}

/** The wheel platform word of an architecture. */
export function wheelArch(architecture: Architecture): string {
  return architecture === 'arm64' ? 'aarch64' : 'x86_64';
}

/**
 * The `--platform` values pip targets for a runtime and architecture: manylinux2014, plus the newest manylinux the
 * runtime's glibc supports (pip accepts every older manylinux of a given one).
 */
export function pipPlatforms(runtime: string, architecture: Architecture): string[] {
  const [major, minor] = runtimeGlibc(runtime);
  const arch = wheelArch(architecture);
  return [`manylinux2014_${arch}`, `manylinux_${major}_${minor}_${arch}`];
}

/** The platform a layer's manifest records: the `--platform` values pip targeted, comma-separated. */
export function manifestPlatform(runtime: string, architecture: Architecture): string {
  return pipPlatforms(runtime, architecture).join(',');
}

/** Expands a compressed tag set (`py2.py3-none-any`) into single tags. */
export function expandTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const tag of tags) {
    const [pythons, abis, platforms] = tag.split('-');
    if (!pythons || !abis || !platforms) continue;
    for (const p of pythons.split('.'))
      for (const a of abis.split('.')) for (const pl of platforms.split('.')) out.push(`${p}-${a}-${pl}`);
  }
  return out;
}

const LEGACY_MANYLINUX: Record<string, [number, number]> = {
  manylinux1: [2, 5],
  manylinux2010: [2, 12],
  manylinux2014: [2, 17],
};

function platformSupported(platform: string, architecture: Architecture, glibc: [number, number]): boolean {
  if (platform === 'any') return true;
  const arch = wheelArch(architecture);
  const legacy = /^(manylinux1|manylinux2010|manylinux2014)_(.+)$/.exec(platform);
  const modern = /^manylinux_(\d+)_(\d+)_(.+)$/.exec(platform);
  let needs: [number, number];
  let platformArch: string;
  if (legacy) {
    needs = LEGACY_MANYLINUX[legacy[1]];
    platformArch = legacy[2];
  } else if (modern) {
    needs = [Number(modern[1]), Number(modern[2])];
    platformArch = modern[3];
  } else {
    return false; // linux_*, musllinux_*, macosx_*, win_*: not Lambda's
  }
  return platformArch === arch && (needs[0] < glibc[0] || (needs[0] === glibc[0] && needs[1] <= glibc[1]));
}

function interpreterSupported(python: string, abi: string, version: string): boolean {
  const [major, minor] = version.split('.').map(Number);
  const cp = `cp${major}${minor}`;
  const m = /^(py|cp)(\d)(\d*)$/.exec(python);
  if (!m || Number(m[2]) !== major) return false;
  const tagMinor = m[3] === '' ? undefined : Number(m[3]);
  if (abi === 'none') return m[1] === 'py' ? tagMinor === undefined || tagMinor <= minor : python === cp;
  if (abi === 'abi3') return m[1] === 'cp' && tagMinor !== undefined && tagMinor <= minor;
  return python === cp && abi === cp; // a version-specific ABI (cp313): that version only
}

/** Whether one single tag runs on the runtime and architecture. */
export function tagSupports(tag: string, runtime: string, architecture: Architecture): boolean {
  const [python, abi, platform] = tag.split('-');
  return (
    interpreterSupported(python, abi, pythonVersionOf(runtime)) &&
    platformSupported(platform, architecture, runtimeGlibc(runtime))
  );
}

/** The (runtime, architecture) pairs none of a wheel's tags supports. */
export function unsupportedTargets(
  tags: readonly string[],
  runtimes: readonly string[],
  architectures: readonly Architecture[],
): { runtime: string; architecture: Architecture }[] {
  const expanded = expandTags(tags);
  const missing: { runtime: string; architecture: Architecture }[] = [];
  for (const runtime of runtimes) {
    for (const architecture of architectures) {
      if (!expanded.some((t) => tagSupports(t, runtime, architecture))) missing.push({ runtime, architecture });
    }
  }
  return missing;
}
