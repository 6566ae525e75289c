/**
 * The bill of materials the layer build writes (`build/layers/<layer>/sbom.cdx.json`): built from small wheels made
 * offline, validated against CycloneDX's schema by the CycloneDX library, byte-identical across builds of the same
 * inputs, and listing exactly what the layer's manifest lists.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import type { LayerConfig } from '../lib/config/layers-config';
import { layerBuildDir, layerSourceDir } from '../lib/config/project-layout';
import { LayerBuildError } from '../lib/layer-build/layer-build-error';
import { buildLayer } from '../lib/layer-build/layer-builder';
import { declaredLicenses, readPipReport, sbomPackages } from '../lib/layer-build/layer-sbom';
import type { LayerManifest } from '../lib/layer-content/layer-manifest';
import { SBOM_FILE } from '../lib/layer-content/layer-sbom-location';
import { copyProject, errorOf, tempDir } from './helpers';
import { offlinePipEnv, wheelhouse, WheelSpec, withEnv } from './wheels';

const ARM_313 = 'cp313-cp313-manylinux_2_17_aarch64.manylinux2014_aarch64';
const wheels: WheelSpec[] = [
  {
    name: 'tinyjson',
    version: '1.0.0',
    tag: 'py3-none-any',
    files: { 'tinyjson/__init__.py': 'def dumps(v):\n    return str(v)\n' },
    metadata: ['License-Expression: MIT OR Apache-2.0'],
  },
  {
    name: 'fast_lib',
    version: '2.0',
    tag: ARM_313,
    files: { 'fast_lib/__init__.py': 'NATIVE = True\n' },
    metadata: ['License: apache-2.0'],
  },
  {
    name: 'oldstyle',
    version: '0.9',
    tag: 'py3-none-any',
    files: { 'oldstyle.py': 'X = 1\n' },
    metadata: [
      'License: UNKNOWN',
      'Classifier: Programming Language :: Python :: 3',
      'Classifier: License :: OSI Approved :: BSD License',
    ],
  },
  {
    name: 'quiet',
    version: '1.1',
    tag: 'py3-none-any',
    files: { 'quiet/__init__.py': '' },
  },
];

const layer: LayerConfig = {
  name: 'common',
  description: 'test layer',
  runtimes: ['python3.13'],
  architectures: ['arm64'],
};

const house = wheelhouse(...wheels);
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

async function buildIn(root: string, requirements?: string): Promise<{ sbom: Buffer; manifest: LayerManifest }> {
  const file = path.join(layerSourceDir(root, 'common'), 'requirements.txt');
  if (requirements === undefined) fs.rmSync(file);
  else fs.writeFileSync(file, requirements);
  await withEnv(offlinePipEnv(house), () => buildLayer(layer, { projectRoot: root, force: true }));
  const dir = layerBuildDir(root, 'common');
  return {
    sbom: fs.readFileSync(path.join(dir, SBOM_FILE)),
    manifest: JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')),
  };
}

describe('the SBOM of a layer with packages', () => {
  const requirements = 'tinyjson==1.0.0\nfast_lib==2.0\noldstyle==0.9\nquiet==1.1\n';
  let first: { sbom: Buffer; manifest: LayerManifest };
  let root: string;
  let bom: any;
  beforeAll(async () => {
    root = copyProject();
    first = await buildIn(root, requirements);
    bom = JSON.parse(first.sbom.toString('utf8'));
  });

  test("validates against CycloneDX 1.6's JSON schema", async () => {
    expect(bom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1 });
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
    expect(await validator.validate(first.sbom.toString('utf8'))).toBeNull();
  });

  test('lists exactly what the manifest lists: every installed distribution and the own modules', () => {
    const packages = bom.components.filter((c: any) => c.purl).map((c: any) => `${c.name}==${c.version}`);
    expect(packages.sort()).toEqual(first.manifest.packages.map((p) => `${p.name}==${p.version}`).sort());
    expect(packages).toHaveLength(4);
    const own = bom.components.filter((c: any) => !c.purl).map((c: any) => c.properties[0].value);
    expect(first.manifest.ownModules).toEqual(
      fs.readdirSync(path.join(layerSourceDir(root, 'common'), 'python')).filter((n) => n !== '__pycache__'),
    );
    expect(own).toEqual(first.manifest.ownModules.map((m) => `python/${m}`));
    expect(sbomPackages(first.sbom.toString('utf8'))).toEqual(
      first.manifest.packages.map((p) => ({ name: p.name, version: p.version })),
    );
  });

  test('names each wheel by its package URL and file, with the SHA-256 of the wheel pip installed', () => {
    const fast = bom.components.find((c: any) => c.name === 'fast_lib');
    const wheelFile = `fast_lib-2.0-${ARM_313}.whl`;
    expect(fast).toMatchObject({
      type: 'library',
      version: '2.0',
      purl: `pkg:pypi/fast-lib@2.0?file_name=${wheelFile}`,
      hashes: [{ alg: 'SHA-256', content: sha256(path.join(house, wheelFile)) }],
    });
  });

  test('carries the license each distribution declares: an expression, an SPDX id, classifiers, or none', () => {
    const licensesOf = (name: string) => bom.components.find((c: any) => c.name === name).licenses;
    expect(licensesOf('tinyjson')).toEqual([{ expression: 'MIT OR Apache-2.0' }]);
    expect(licensesOf('fast_lib')).toEqual([{ license: { id: 'Apache-2.0' } }]);
    expect(licensesOf('oldstyle')).toEqual([{ license: { name: 'BSD License' } }]);
    expect(licensesOf('quiet')).toBeUndefined();
  });

  test('names the layer, its fingerprint and its target, and nothing of the machine that built it', () => {
    expect(bom.metadata.component).toMatchObject({ name: 'common', version: first.manifest.fingerprint });
    expect(bom.metadata.timestamp).toBeUndefined();
    const text = first.sbom.toString('utf8');
    expect(text).not.toContain(house);
    expect(text).not.toContain(root);
    expect(text).not.toContain('file://');
  });

  test('is byte-identical when the same inputs are built again, in another folder', async () => {
    const again = await buildIn(copyProject(), requirements);
    expect(again.manifest.fingerprint).toBe(first.manifest.fingerprint);
    expect(again.sbom.equals(first.sbom)).toBe(true);
  });
});

test('a layer of its own code only lists its own modules', async () => {
  const { sbom, manifest } = await buildIn(copyProject(), undefined);
  const bom = JSON.parse(sbom.toString('utf8'));
  expect(manifest.packages).toEqual([]);
  expect(bom.components.map((c: any) => c.name)).toEqual(manifest.ownModules.map((m) => m.replace(/\.py$/, '')));
  expect(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(sbom.toString('utf8'))).toBeNull();
});

describe("pip's installation report", () => {
  const report = (install: unknown[]) => {
    const file = path.join(tempDir('pip-report-'), 'report.json');
    fs.writeFileSync(file, JSON.stringify({ version: '1', install }));
    return file;
  };

  test('gives each wheel its file name and hash, never its path', () => {
    const file = report([
      {
        metadata: { name: 'Fast_Lib', version: '2.0' },
        download_info: {
          url: 'file:///tmp/house/fast_lib-2.0-py3-none-any.whl',
          archive_info: { hash: `sha256=${'a'.repeat(64)}` },
        },
      },
    ]);
    expect(readPipReport('common', file)).toEqual(
      new Map([['fast-lib', { file: 'fast_lib-2.0-py3-none-any.whl', sha256: 'a'.repeat(64) }]]),
    );
  });

  test.each([
    [
      'a report without a hash (pip before 23)',
      () => report([{ metadata: { name: 'x' }, download_info: { url: 'file:///x.whl', archive_info: {} } }]),
    ],
    ['no report at all', () => path.join(tempDir('pip-report-'), 'missing.json')],
  ])('%s is refused, naming the fix', (_, file) => {
    const message = errorOf(() => readPipReport('common', file()));
    expect(message).toMatch(/Fix: use pip 23\.0 or later/);
  });

  test('is a LayerBuildError, as every build failure', () => {
    expect(() => readPipReport('common', path.join(tempDir('pip-report-'), 'missing.json'))).toThrow(LayerBuildError);
  });
});

test('a License field that holds the whole license text falls back to the classifiers', () => {
  const licenses = declaredLicenses(
    new Map([
      [
        'License',
        [
          'Copyright (c) 2020 Someone. Permission is hereby granted, free of charge, to any person obtaining a copy of this',
        ],
      ],
      ['Classifier', ['License :: OSI Approved :: MIT License']],
    ]),
  );
  expect(licenses.map((l) => ('name' in l ? l.name : ''))).toEqual(['MIT License']);
});
