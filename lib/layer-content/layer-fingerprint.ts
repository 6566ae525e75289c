/**
 * The layer fingerprint: the one hash that says "this layer's content changed".
 *
 * It is computed here and nowhere else. The layer builder writes it into each build's manifest, the layer construct
 * uses it as the asset hash and in the layer's description, and every function that uses the layer carries it, so a
 * changed layer always changes the function stacks that use it, and an unchanged layer changes nothing.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { isIgnoredEntry } from '../config/project-layout';

/** What besides the files decides a layer's identity. */
export interface FingerprintTarget {
  readonly runtimes: readonly string[];
  readonly architectures: readonly string[];
}

/**
 * Hash of a folder's tree: relative paths (with `/`), the executable bit and the content of every file, in a stable
 * order. Independent of where the folder is, of timestamps, owners and the order the file system lists entries in.
 */
export function hashTree(dir: string): string {
  const hash = crypto.createHash('sha256');
  for (const rel of listTree(dir)) {
    const full = path.join(dir, ...rel.split('/'));
    const stat = fs.lstatSync(full);
    // A symbolic link counts as its target's path (assets copy links as links), and is never followed.
    const bytes = stat.isSymbolicLink() ? Buffer.from(`link:${fs.readlinkSync(full)}`) : fs.readFileSync(full);
    const content = crypto.createHash('sha256').update(bytes).digest('hex');
    hash.update(`${rel}\0${stat.mode & 0o111 ? 'x' : '-'}\0${content}\n`);
  }
  return hash.digest('hex');
}

/** Every file below `dir` as a sorted list of `/`-separated relative paths, without ignored entries. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string) => {
    for (const name of fs.readdirSync(abs).sort()) {
      if (isIgnoredEntry(name)) continue;
      const childAbs = path.join(abs, name);
      const childRel = rel ? `${rel}/${name}` : name;
      if (fs.lstatSync(childAbs).isDirectory()) walk(childAbs, childRel);
      else out.push(childRel);
    }
  };
  walk(dir, '');
  return out.sort();
}

/**
 * Fingerprint of a layer's source: its own `python/` code, its `requirements.txt` (absent counts as empty), and the
 * runtimes and architectures it is built for. The builder records it to know whether a build is current; synth
 * uses it for a layer that was not built.
 */
export function sourceFingerprint(layerDir: string, target: FingerprintTarget): string {
  const requirements = path.join(layerDir, 'requirements.txt');
  return combine('source', target, [
    `python:${hashTree(path.join(layerDir, 'python'))}`,
    `requirements:${hashBytes(fs.existsSync(requirements) ? fs.readFileSync(requirements) : Buffer.alloc(0))}`,
  ]);
}

/** Fingerprint of a built layer: everything under its `python/`, plus the runtimes and architectures. */
export function builtFingerprint(buildDir: string, target: FingerprintTarget): string {
  return combine('built', target, [`python:${hashTree(path.join(buildDir, 'python'))}`]);
}

function combine(kind: string, target: FingerprintTarget, parts: string[]): string {
  const text = [
    kind,
    `runtimes:${target.runtimes.join(',')}`,
    `architectures:${target.architectures.join(',')}`,
    ...parts,
  ].join('\n');
  return hashBytes(Buffer.from(text)).slice(0, 32);
}

function hashBytes(data: Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/**
 * A layer version's description: the layer's own, then its fingerprint (`Shared helpers [fingerprint 1a2b...]`), so
 * a published version says what it holds (the smoke test, `npm run layers -- ls`).
 */
export function layerVersionDescription(description: string, fingerprint: string): string {
  return `${description} [fingerprint ${fingerprint}]`;
}

/** The fingerprint a layer version's description ends with (see {@link layerVersionDescription}), if any. */
export function fingerprintOfDescription(description: string | undefined): string | undefined {
  return /\[fingerprint ([0-9a-f]+)\]$/.exec(description ?? '')?.[1];
}
