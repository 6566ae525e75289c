/**
 * A layer's bill of materials: `build/layers/<layer>/sbom.cdx.json`, a CycloneDX document made and validated with the
 * CycloneDX library. It lists each installed distribution (its version, package URL, the SHA-256 of the wheel pip
 * installed, the license its metadata declares) and the layer's own modules, and it is deterministic like the layer:
 * no time, no random serial number, no path of the build folder, lists sorted; the same inputs give the same bytes.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Contrib, Enums, Models, Serialize, Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { PackageURL } from 'packageurl-js';
import spdxExpressionParse from 'spdx-expression-parse';
import { isIgnoredEntry } from '../config/project-layout';
import { hashTree } from '../layer-content/layer-fingerprint';
import type { LayerManifest } from '../layer-content/layer-manifest';
import { LayerBuildError } from './layer-build-error';
import { readKeyValues } from './layer-tree';

/** The CycloneDX version the SBOM follows. */
export const SBOM_SPEC = Spec.Spec1dot6;

/** The wheel pip installed for one distribution, from its installation report. */
export interface InstalledWheel {
  /** The wheel's file name (never its path, which holds the build folder or the index). */
  readonly file: string;
  readonly sha256: string;
}

/** pip's name normalization (PEP 503): `Foo_Bar.baz` and `foo-bar-baz` are one distribution. */
export function normalizeDistributionName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * The wheels pip installed, by normalized name, from its installation report (`pip install --report <file>`): the
 * hash pip checked or computed of each archive it installed.
 */
export function readPipReport(layer: string, file: string): Map<string, InstalledWheel> {
  let report: { install?: { download_info?: DownloadInfo; metadata?: { name?: string } }[] };
  try {
    report = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new LayerBuildError(
      layer,
      `pip wrote no readable installation report (${(error as Error).message}), so the wheels' hashes are not ` +
        'known for the bill of materials. Fix: use pip 23.0 or later (python3 -m pip install --upgrade pip).',
    );
  }
  const wheels = new Map<string, InstalledWheel>();
  for (const item of report.install ?? []) {
    const info = item.download_info;
    const hashes = info?.archive_info?.hashes ?? {};
    const sha256 = hashes.sha256 ?? /^sha256=([0-9a-f]{64})$/.exec(info?.archive_info?.hash ?? '')?.[1];
    const name = item.metadata?.name;
    if (!name || !sha256 || !info?.url) {
      throw new LayerBuildError(
        layer,
        `pip's installation report names no SHA-256 for ${name ?? 'a distribution'}, so the bill of materials ` +
          'cannot name the wheel. Fix: use pip 23.0 or later (python3 -m pip install --upgrade pip).',
      );
    }
    const file = decodeURIComponent(info.url.split(/[?#]/)[0].split('/').pop() ?? '');
    wheels.set(normalizeDistributionName(name), { file, sha256 });
  }
  return wheels;
}

interface DownloadInfo {
  readonly url?: string;
  readonly archive_info?: { readonly hash?: string; readonly hashes?: Record<string, string> };
}

/** Makes licenses of what metadata says: an SPDX id, else a valid SPDX expression, else a name. */
const licenses = new Contrib.License.Factories.LicenseFactory((expression) => {
  spdxExpressionParse(expression);
});

/**
 * The license a distribution's metadata declares: its `License-Expression` (an SPDX expression), else its `License`
 * field when it is a name rather than a license's whole text, else the names of its license classifiers.
 */
export function declaredLicenses(metadata: ReadonlyMap<string, readonly string[]>): Models.License[] {
  const expression = metadata.get('License-Expression')?.[0]?.trim();
  if (expression) return [licenses.makeFromString(expression)];
  const field = metadata.get('License')?.[0]?.trim();
  if (field && field.length <= 100 && !/^unknown$/i.test(field)) return [licenses.makeFromString(field)];
  const classified = (metadata.get('Classifier') ?? [])
    .filter((c) => c.startsWith('License ::'))
    .map((c) => c.split('::').pop()!.trim())
    .filter((name) => name !== 'OSI Approved');
  return [...new Set(classified)].map((name) => licenses.makeNamedLicense(name));
}

/** What the SBOM of one built layer is made of. */
export interface LayerSbomInput {
  readonly manifest: LayerManifest;
  /** The built `python/` folder: the installed distributions' metadata, and the layer's own modules. */
  readonly pythonDir: string;
  /** The wheels pip installed, by normalized name (see {@link readPipReport}); empty for a layer without packages. */
  readonly wheels: ReadonlyMap<string, InstalledWheel>;
}

/** The CycloneDX document of a built layer, serialized (sorted, two-space indented, a final newline) and validated. */
export async function layerSbom(input: LayerSbomInput): Promise<string> {
  const { manifest, pythonDir, wheels } = input;
  const bom = new Models.Bom();
  bom.serialNumber = deterministicSerial(manifest);
  const property = (name: string, value: string) => new Models.Property(`python-layers:${name}`, value);
  bom.metadata.component = new Models.Component(Enums.ComponentType.Library, manifest.layer, {
    bomRef: `layer:${manifest.layer}`,
    version: manifest.fingerprint,
    description: `Lambda layer ${manifest.layer}, as built into build/layers/${manifest.layer}/python`,
    properties: new Models.PropertyRepository([
      property('fingerprint', manifest.fingerprint),
      property('source-fingerprint', manifest.sourceFingerprint),
      property('runtimes', manifest.runtimes.join(',')),
      property('architectures', manifest.architectures.join(',')),
      property('python-version', manifest.pythonVersion),
      property('platform', manifest.platform),
      property('builder-version', manifest.builderVersion),
    ]),
  });
  const missing: string[] = [];
  for (const p of manifest.packages) {
    const wheel = wheels.get(normalizeDistributionName(p.name));
    if (!wheel) {
      missing.push(p.name);
      continue;
    }
    const purl = new PackageURL('pypi', undefined, p.name, p.version, { file_name: wheel.file }, undefined).toString();
    const metadata = readKeyValues(path.join(pythonDir, distInfoOf(pythonDir, p.name, p.version), 'METADATA'));
    bom.components.add(
      new Models.Component(Enums.ComponentType.Library, p.name, {
        bomRef: purl,
        version: p.version,
        purl,
        scope: Enums.ComponentScope.Required,
        hashes: new Models.HashDictionary([[Enums.HashAlgorithm['SHA-256'], wheel.sha256]]),
        licenses: new Models.LicenseRepository(declaredLicenses(metadata)),
        properties: new Models.PropertyRepository([property('wheel-tags', p.tags.join(','))]),
      }),
    );
  }
  if (missing.length > 0) {
    throw new LayerBuildError(
      manifest.layer,
      `pip's installation report names no wheel for ${missing.join(', ')}, installed in the layer. Fix: report it; ` +
        'every distribution the layer ships must come from a wheel pip installed.',
    );
  }
  for (const module of manifest.ownModules) {
    const full = path.join(pythonDir, module);
    const sha256 = fs.statSync(full).isDirectory()
      ? hashTree(full)
      : createHash('sha256').update(fs.readFileSync(full)).digest('hex');
    bom.components.add(
      new Models.Component(Enums.ComponentType.Library, module.replace(/\.py$/, ''), {
        bomRef: `layer:${manifest.layer}/${module}`,
        scope: Enums.ComponentScope.Required,
        description: `the layer's own code: layers/${manifest.layer}/python/${module}`,
        hashes: new Models.HashDictionary([[Enums.HashAlgorithm['SHA-256'], sha256]]),
        properties: new Models.PropertyRepository([property('path', `python/${module}`)]),
      }),
    );
  }
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(SBOM_SPEC));
  const json = `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`;
  const invalid = await new Validation.JsonStrictValidator(SBOM_SPEC.version).validate(json);
  if (invalid) {
    throw new LayerBuildError(
      manifest.layer,
      `its bill of materials does not validate against CycloneDX ${SBOM_SPEC.version}: ${JSON.stringify(invalid)}. Fix: report it.`,
    );
  }
  return json;
}

/** The `.dist-info` folder of an installed distribution. */
function distInfoOf(pythonDir: string, name: string, version: string): string {
  const want = normalizeDistributionName(name);
  const found = fs
    .readdirSync(pythonDir)
    .filter((n) => n.endsWith('.dist-info'))
    .find((n) => {
      const m = /^(.*)-([^-]*)\.dist-info$/.exec(n);
      return m && normalizeDistributionName(m[1]) === want && m[2] === version;
    });
  return found ?? `${name}-${version}.dist-info`;
}

/** The top-level entries of a layer's own `python/` source folder: its own modules, sorted. */
export function ownModulesOf(sourcePythonDir: string): string[] {
  return fs
    .readdirSync(sourcePythonDir)
    .filter((n) => !isIgnoredEntry(n))
    .sort();
}

/** A serial number that is the same for the same build: a UUID made of the layer's name and fingerprint. */
function deterministicSerial(manifest: LayerManifest): string {
  const h = createHash('sha256').update(`${manifest.layer}\0${manifest.fingerprint}\0sbom`).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The Python distributions an SBOM lists (its `pkg:pypi` components), sorted by name: what `npm run audit` audits.
 * @throws Error when the text is not a CycloneDX document
 */
export function sbomPackages(json: string): { name: string; version: string }[] {
  const bom = JSON.parse(json) as {
    bomFormat?: string;
    components?: { name: string; version?: string; purl?: string }[];
  };
  if (bom.bomFormat !== 'CycloneDX') throw new Error('not a CycloneDX document');
  return (bom.components ?? [])
    .filter((c) => c.purl?.startsWith('pkg:pypi/') && c.version)
    .map((c) => ({ name: c.name, version: c.version! }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
