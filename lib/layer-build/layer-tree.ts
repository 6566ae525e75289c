/**
 * What the layer builder does to an installed tree before it becomes a layer: normalized (no bytecode, no records
 * that hold times or paths), the layer's own code copied in, and checked (every distribution for Lambda's platform,
 * no absolute path of the build folder anywhere).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { LayerConfig } from '../config/layers-config';
import { isIgnoredEntry } from '../config/project-layout';
import { listTree } from '../layer-content/layer-fingerprint';
import type { LayerPackage } from '../layer-content/layer-manifest';
import { LayerBuildError } from './layer-build-error';
import { unsupportedTargets } from './wheel-tags';

/** Removes what makes builds differ between runs and machines, or cannot run on Lambda. */
export function normalize(dir: string) {
  const walk = (abs: string) => {
    for (const name of fs.readdirSync(abs)) {
      const full = path.join(abs, name);
      const stat = fs.lstatSync(full);
      if (isIgnoredEntry(name) || name === 'direct_url.json') {
        fs.rmSync(full, { recursive: true, force: true });
      } else if (stat.isDirectory()) {
        fs.chmodSync(full, 0o755);
        walk(full);
      } else {
        fs.chmodSync(full, stat.mode & 0o111 ? 0o755 : 0o644);
      }
    }
  };
  // Console scripts carry the absolute path of the interpreter that ran pip; Lambda never runs them.
  fs.rmSync(path.join(dir, 'bin'), { recursive: true, force: true });
  walk(dir);
  pruneRecords(dir);
}

/**
 * Drops from each installed distribution's RECORD the files the layer does not ship (console scripts, install
 * records): their hashes hold the path of the interpreter that ran pip, so two machines would build two RECORDs.
 */
function pruneRecords(dir: string) {
  for (const entry of fs.readdirSync(dir).filter((n) => n.endsWith('.dist-info'))) {
    const record = path.join(dir, entry, 'RECORD');
    if (!fs.existsSync(record)) continue;
    const lines = fs.readFileSync(record, 'utf8').split('\n');
    const kept = lines.filter((line) => {
      if (line === '') return true;
      const quoted = /^"((?:[^"]|"")*)"/.exec(line);
      const file = quoted ? quoted[1].replace(/""/g, '"') : line.split(',')[0];
      const full = path.resolve(dir, file);
      return full.startsWith(dir + path.sep) && fs.existsSync(full);
    });
    if (kept.length !== lines.length) fs.writeFileSync(record, kept.join('\n'));
  }
}

/** The layer's own modules go beside the packages; one that has a package's name would shadow it. */
export function copyOwnCode(layer: string, from: string, to: string) {
  for (const name of fs.readdirSync(from).sort()) {
    if (isIgnoredEntry(name)) continue;
    if (fs.existsSync(path.join(to, name))) {
      throw new LayerBuildError(
        layer,
        `its own python/${name} has the name of an installed package's file or folder, so one would overwrite the other. ` +
          'Fix: rename the module, or drop the package from requirements.txt.',
      );
    }
    fs.cpSync(path.join(from, name), path.join(to, name), {
      recursive: true,
      filter: (src) => !isIgnoredEntry(path.basename(src)),
    });
  }
  normalize(to);
}

/** Every installed distribution, checked against every runtime and architecture the layer declares. */
export function checkDistributions(layer: LayerConfig, python: string): LayerPackage[] {
  const packages: LayerPackage[] = [];
  const problems: string[] = [];
  for (const entry of fs
    .readdirSync(python)
    .filter((n) => n.endsWith('.dist-info'))
    .sort()) {
    const metadata = readKeyValues(path.join(python, entry, 'METADATA'));
    const wheel = readKeyValues(path.join(python, entry, 'WHEEL'));
    const name = metadata.get('Name')?.[0] ?? entry.replace(/-[^-]*\.dist-info$/, '');
    const version = metadata.get('Version')?.[0] ?? 'unknown';
    const tags = wheel.get('Tag') ?? [];
    for (const { runtime, architecture } of unsupportedTargets(tags, layer.runtimes, layer.architectures)) {
      problems.push(
        `${name} ${version} (wheel tags ${tags.join(', ') || 'none'}) cannot run on ${runtime} ${architecture}`,
      );
    }
    packages.push({ name, version, tags });
  }
  if (problems.length > 0) {
    throw new LayerBuildError(
      layer.name,
      `${problems.join('; ')}. Fix: pin versions that publish wheels for every runtime and architecture of the layer ` +
        '(abi3 or pure-Python wheels serve several), or narrow config.layers.' +
        layer.name +
        '.runtimes / architectures to what the wheels support.',
    );
  }
  return packages.sort((a, b) => a.name.localeCompare(b.name));
}

/** The headers of a METADATA or WHEEL file: each key with its values, in order (a key may repeat). */
export function readKeyValues(file: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!fs.existsSync(file)) return out;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line === '') break; // the headers end at the first blank line (METADATA's body follows)
    const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (m) out.set(m[1], [...(out.get(m[1]) ?? []), m[2].trim()]);
  }
  return out;
}

/** A build that mentions the folder it was built in would differ from a build made anywhere else. */
export function checkNoAbsolutePaths(layer: string, python: string, buildDirs: readonly string[]) {
  const needles = buildDirs.map((d) => Buffer.from(d));
  const offenders = listTree(python).filter((rel) => {
    const bytes = fs.readFileSync(path.join(python, rel));
    return needles.some((n) => bytes.includes(n));
  });
  if (offenders.length > 0) {
    throw new LayerBuildError(
      layer,
      `${offenders.slice(0, 5).join(', ')} contain the build folder's absolute path, so the build would differ from machine to machine. ` +
        'Fix: report it; the builder must strip it.',
    );
  }
}
