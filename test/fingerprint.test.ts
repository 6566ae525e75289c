/**
 * The layer fingerprint: what it hashes and ignores, that a synth is reproducible, and that a changed layer moves
 * exactly the stacks that use it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { CfnElement } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { CreatedApp } from '../bin/main';
import { LayerConfig } from '../lib/config/layers-config';
import { parseConfig } from '../lib/config/app-config';
import type { FunctionStack } from '../lib/constructs/function-stack';
import {
  builtFingerprint,
  FingerprintTarget,
  hashTree,
  listTree,
  sourceFingerprint,
} from '../lib/layer-content/layer-fingerprint';
import { layerFingerprintVariable, pascalCase } from '../lib/config/naming';
import { layerSourceDir } from '../lib/config/project-layout';
import type { EnvironmentStages } from '../pipeline/environment-stages';
import { allTemplates, baseConfig, copyProject, synthApp, tempDir } from './helpers';

// ---------------------------------------------------------------------------------------------------------------
// 1. What the fingerprint hashes
// ---------------------------------------------------------------------------------------------------------------

const TARGET: FingerprintTarget = { runtimes: ['python3.13'], architectures: ['arm64'] };

/** A small layer source: relative path to content. */
const LAYER_FILES: Readonly<Record<string, string>> = {
  'python/shop/__init__.py': '',
  'python/shop/prices.py': 'def net(gross):\n    return gross / 1.2\n',
  'python/helpers.py': 'VERSION = "1"\n',
  'requirements.txt': 'orjson==3.10.15\n',
};

/** Writes `files` into a new folder, in the given order, every file with the given modification time. */
function writeTree(files: Readonly<Record<string, string>>, options: { reverse?: boolean; mtime?: Date } = {}): string {
  const root = tempDir('fingerprint-');
  const entries = Object.entries(files);
  for (const [rel, content] of options.reverse ? entries.reverse() : entries) {
    const file = path.join(root, ...rel.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    if (options.mtime) fs.utimesSync(file, options.mtime, options.mtime);
  }
  return root;
}

/** The three hashes of a layer-shaped folder, to assert on all of them at once. */
function hashesOf(dir: string, target: FingerprintTarget = TARGET) {
  return {
    tree: hashTree(path.join(dir, 'python')),
    source: sourceFingerprint(dir, target),
    built: builtFingerprint(dir, target),
  };
}

/** Expects every one of the three hashes to differ between `before` and `after`. */
function expectAllDifferent(before: ReturnType<typeof hashesOf>, after: ReturnType<typeof hashesOf>) {
  expect(after.tree).not.toBe(before.tree);
  expect(after.source).not.toBe(before.source);
  expect(after.built).not.toBe(before.built);
}

describe('the layer fingerprint', () => {
  test('is a 32-digit lower-case hex string, source and built alike', () => {
    const dir = writeTree(LAYER_FILES);
    expect(sourceFingerprint(dir, TARGET)).toMatch(/^[0-9a-f]{32}$/);
    expect(builtFingerprint(dir, TARGET)).toMatch(/^[0-9a-f]{32}$/);
  });

  test('is the same for the same content in another folder, written in another order at another time', () => {
    const first = writeTree(LAYER_FILES, { mtime: new Date('2020-01-01T00:00:00Z') });
    const second = writeTree(LAYER_FILES, { reverse: true, mtime: new Date('2024-06-30T12:34:56Z') });
    expect(fs.statSync(path.join(first, 'requirements.txt')).mtimeMs).not.toBe(
      fs.statSync(path.join(second, 'requirements.txt')).mtimeMs,
    );
    expect(hashesOf(second)).toEqual(hashesOf(first));
  });

  test('changes when one byte of one file changes', () => {
    const dir = writeTree(LAYER_FILES);
    const before = hashesOf(dir);
    const file = path.join(dir, 'python', 'shop', 'prices.py');
    const bytes = fs.readFileSync(file);
    bytes[0] ^= 0x01; // one bit of one byte: `d` becomes `e`
    fs.writeFileSync(file, bytes);
    expectAllDifferent(before, hashesOf(dir));
  });

  test('changes when a file is renamed', () => {
    const dir = writeTree(LAYER_FILES);
    const before = hashesOf(dir);
    // The new name sorts where the old one did: only the name tells the trees apart, not the order of the files.
    fs.renameSync(path.join(dir, 'python', 'helpers.py'), path.join(dir, 'python', 'helper.py'));
    expectAllDifferent(before, hashesOf(dir));
  });

  test('changes with the executable bit, and with no other permission', () => {
    const dir = writeTree(LAYER_FILES);
    const file = path.join(dir, 'python', 'helpers.py');
    fs.chmodSync(file, 0o644);
    const plain = hashesOf(dir);

    fs.chmodSync(file, 0o755);
    expectAllDifferent(plain, hashesOf(dir));

    fs.chmodSync(file, 0o600); // not executable, only other read and write bits
    expect(hashesOf(dir)).toEqual(plain);
  });

  test('ignores bytecode and editor litter: __pycache__ folders, .pyc files, .DS_Store', () => {
    const dir = writeTree(LAYER_FILES);
    const before = hashesOf(dir);
    const filesBefore = listTree(dir);
    const litter = {
      'python/__pycache__/helpers.cpython-313.pyc': 'bytecode',
      'python/shop/__pycache__/prices.cpython-313.pyc': 'bytecode',
      'python/shop/__pycache__/nested/anything.txt': 'inside __pycache__',
      'python/shop/legacy.pyc': 'bytecode outside __pycache__',
      'python/.DS_Store': 'finder',
    };
    for (const [rel, content] of Object.entries(litter)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), content);
    }
    expect(listTree(dir)).toEqual(filesBefore);
    expect(hashesOf(dir)).toEqual(before);
  });

  const targets: [string, FingerprintTarget][] = [
    ['another runtime', { ...TARGET, runtimes: ['python3.12'] }],
    ['an added runtime', { ...TARGET, runtimes: ['python3.13', 'python3.12'] }],
    ['another architecture', { ...TARGET, architectures: ['x86_64'] }],
    ['an added architecture', { ...TARGET, architectures: ['arm64', 'x86_64'] }],
  ];
  test.each(targets)('changes with %s, source and built alike', (_, target) => {
    const dir = writeTree(LAYER_FILES);
    expect(sourceFingerprint(dir, target)).not.toBe(sourceFingerprint(dir, TARGET));
    expect(builtFingerprint(dir, target)).not.toBe(builtFingerprint(dir, TARGET));
  });

  test('gives every runtime and architecture combination its own fingerprint', () => {
    const dir = writeTree(LAYER_FILES);
    const all = [TARGET, ...targets.map(([, target]) => target)];
    expect(new Set(all.map((t) => sourceFingerprint(dir, t))).size).toBe(all.length);
    expect(new Set(all.map((t) => builtFingerprint(dir, t))).size).toBe(all.length);
  });

  describe('of a source, with requirements.txt', () => {
    const { 'requirements.txt': pinned, ...withoutRequirements } = LAYER_FILES;
    const missing = () => writeTree(withoutRequirements);
    const empty = () => writeTree({ ...withoutRequirements, 'requirements.txt': '' });
    const other = () => writeTree({ ...withoutRequirements, 'requirements.txt': pinned.replace('3.10.15', '3.10.16') });
    const original = () => writeTree(LAYER_FILES);

    test('changes with the pins of requirements.txt, and not the built fingerprint', () => {
      const [a, b] = [original(), other()];
      expect(sourceFingerprint(b, TARGET)).not.toBe(sourceFingerprint(a, TARGET));
      // What pip installs from the pins is in a build's python/, so only the source fingerprint reads the file.
      expect(builtFingerprint(b, TARGET)).toBe(builtFingerprint(a, TARGET));
    });

    test('tells an empty and a missing requirements.txt from one that pins packages', () => {
      const fingerprints = [missing(), empty(), other(), original()].map((dir) => sourceFingerprint(dir, TARGET));
      const pinning = fingerprints.slice(2);
      for (const unpinned of fingerprints.slice(0, 2)) expect(pinning).not.toContain(unpinned);
    });

    test('counts a missing requirements.txt as an empty one: adding an empty file changes nothing', () => {
      expect(sourceFingerprint(missing(), TARGET)).toBe(sourceFingerprint(empty(), TARGET));
    });
  });

  test('of a source and of a build of the same tree differ: they are different kinds', () => {
    const { 'requirements.txt': _, ...pythonOnly } = LAYER_FILES; // nothing but the kind tells them apart
    const dir = writeTree(pythonOnly);
    expect(sourceFingerprint(dir, TARGET)).not.toBe(builtFingerprint(dir, TARGET));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 2 and 3. Synthesized templates
// ---------------------------------------------------------------------------------------------------------------

const config = baseConfig();

/** One synth of a project root into an outdir of its own. */
interface Synth {
  readonly created: CreatedApp;
  readonly outdir: string;
  /** Template of every stack, by construct path (`PipelineStack/Dev-Layers/SharedLayers`). */
  readonly templates: ReadonlyMap<string, any>;
}

function synthesize(projectRoot: string, change?: (config: Record<string, any>) => void): Synth {
  const outdir = tempDir('cdk-out-');
  const { created, assembly } = synthApp({ projectRoot, outdir, config: change });
  return { created, outdir, templates: allTemplates(assembly) };
}

/** Every `*.template.json` below `dir`, nested assemblies included, as sorted `/`-separated relative paths. */
function templateFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((rel) => rel.split(path.sep).join('/'))
    .filter((rel) => rel.endsWith('.template.json'))
    .sort();
}

function templateOf(synth: Synth, stack: { node: { path: string } }): any {
  const template = synth.templates.get(stack.node.path);
  if (!template) throw new Error(`no template for ${stack.node.path} among ${[...synth.templates.keys()].join(', ')}`);
  return template;
}

function functionStacksOf(env: EnvironmentStages): FunctionStack[] {
  return env.functionStages.flatMap((stage) => [...stage.functionStacks]);
}

/** Logical id of the LayerVersion of `layer` in an environment's SharedLayers template, by its layer name. */
function layerVersionId(template: any, env: EnvironmentStages, layer: string): string {
  const layerName = `${config.appName}-${env.environment.name}-${layer}`;
  const ids = Object.keys(template.Resources).filter(
    (id) => template.Resources[id].Properties?.LayerName === layerName,
  );
  expect(ids).toHaveLength(1);
  return ids[0];
}

function functionId(stack: FunctionStack, fn: string): string {
  return stack.getLogicalId(stack.functions.get(fn)!.function.node.defaultChild as lambda.CfnFunction);
}

/** Logical id of the one published version of a function in a template (it changes with the version's content). */
function versionId(template: any, stack: FunctionStack, fn: string): string {
  const ids = Object.keys(template.Resources).filter(
    (id) =>
      template.Resources[id].Type === 'AWS::Lambda::Version' &&
      template.Resources[id].Properties.FunctionName.Ref === functionId(stack, fn),
  );
  expect(ids).toHaveLength(1);
  return ids[0];
}

function aliasId(stack: FunctionStack, fn: string): string {
  return stack.getLogicalId(stack.releases.get(fn)!.alias.node.defaultChild as lambda.CfnAlias);
}

/** The on-call alarms of a function: the same resources whichever version is live. */
function alarmIds(stack: FunctionStack, fn: string): string[] {
  const release = stack.releases.get(fn)!;
  return [release.errorsAlarm, release.throttlesAlarm].map((alarm) =>
    stack.getLogicalId(alarm.node.defaultChild as CfnElement),
  );
}

function deploymentGroupId(stack: FunctionStack, fn: string): string {
  return stack.getLogicalId(stack.releases.get(fn)!.deploymentGroup.node.defaultChild as CfnElement);
}

/** The alarms that gate a function's release in a template, as its deployment group lists them (new every version). */
function releaseAlarmIds(template: any, stack: FunctionStack, fn: string): string[] {
  return template.Resources[deploymentGroupId(stack, fn)].Properties.AlarmConfiguration.Alarms.map(
    (alarm: any) => alarm.Name.Ref,
  );
}

/** Logical ids of the resources added, removed or changed between two versions of a template. */
function changedResources(before: any, after: any): string[] {
  const ids = new Set([...Object.keys(before.Resources), ...Object.keys(after.Resources)]);
  return [...ids].filter((id) => !isDeepStrictEqual(before.Resources[id], after.Resources[id])).sort();
}

/** Everything of a template but its resources: parameters, outputs, rules, description. */
function withoutResources(template: any): any {
  const { Resources: _, ...rest } = template;
  return rest;
}

/** Construct paths of the stacks whose template differs between two synths of the same app. */
function changedStacks(before: Synth, after: Synth): string[] {
  expect([...after.templates.keys()].sort()).toEqual([...before.templates.keys()].sort());
  return [...before.templates.keys()]
    .filter((id) => !isDeepStrictEqual(before.templates.get(id), after.templates.get(id)))
    .sort();
}

/** The configured functions that use `layer`, and the construct ids of the function stacks that hold them. */
function usersOf(layer: string): { functions: string[]; stacks: string[] } {
  const functions = Object.keys(config.functions).filter((fn) => config.functions[fn].layers.includes(layer));
  const stacks = [...new Set(functions.map((fn) => pascalCase(config.functions[fn].stack)))].sort();
  return { functions, stacks };
}

/** Appends a comment to a Python file: a one-line change of content that leaves the code's behaviour alone. */
function touchPythonFile(file: string, note: string) {
  expect(fs.existsSync(file)).toBe(true);
  fs.appendFileSync(file, `# ${note}\n`);
}

describe('synthesized templates', () => {
  let root: string;
  let original: Synth;
  beforeAll(() => {
    root = copyProject();
    original = synthesize(root);
  });

  describe('of two synths of the same project', () => {
    let repeated: Synth;
    beforeAll(() => {
      // Another copy, in another folder: what the pipeline synthesizes is the same as on a laptop.
      repeated = synthesize(copyProject());
    });

    test('keep every function on the same version behind the same live alias', () => {
      for (const env of original.created.pipelineStack.environments) {
        for (const stack of functionStacksOf(env)) {
          const [a, b] = [original, repeated].map((synth) => templateOf(synth, stack));
          for (const fn of stack.functions.keys()) {
            expect(versionId(b, stack, fn)).toBe(versionId(a, stack, fn));
            expect(b.Resources[aliasId(stack, fn)]).toEqual(a.Resources[aliasId(stack, fn)]);
          }
        }
      }
    });

    test('are the same files, byte for byte, nested assemblies included', () => {
      const files = templateFiles(original.outdir);
      expect(files.filter((f) => f.includes('/'))).not.toHaveLength(0); // the stages' nested assemblies are there
      expect(templateFiles(repeated.outdir)).toEqual(files);
      for (const file of files) {
        const [a, b] = [original.outdir, repeated.outdir].map((dir) => fs.readFileSync(path.join(dir, file)));
        expect({ file, identical: a.equals(b) }).toEqual({ file, identical: true });
      }
    });
  });

  describe("after a change to a layer's description only", () => {
    test('publishes a new version of each function that uses it, as the layer gets a new version; the others keep theirs', () => {
      const changed = synthesize(root, (c) => {
        c.layers.domain.description = 'Domain model, described anew';
      });
      for (const env of original.created.pipelineStack.environments) {
        for (const stack of functionStacksOf(env)) {
          const [a, b] = [original, changed].map((synth) => templateOf(synth, stack));
          for (const fn of stack.functions.keys()) {
            const moved = versionId(b, stack, fn) !== versionId(a, stack, fn);
            expect({ fn, moved }).toEqual({ fn, moved: usersOf('domain').functions.includes(fn) });
          }
        }
      }
    });
  });

  describe('after a change to a layer', () => {
    const domainFile = ['python', 'domain', 'money.py'];
    const commonFile = ['python', 'lambda_kit.py'];
    let layers: Map<string, LayerConfig>;
    let fingerprints: {
      original: Record<string, string>;
      domainChanged: Record<string, string>;
      commonChanged: Record<string, string>;
    };
    let domainChanged: Synth;
    let commonChanged: Synth;

    const fingerprintsOf = () =>
      Object.fromEntries(
        [...layers.values()].map((layer) => [layer.name, sourceFingerprint(layerSourceDir(root, layer.name), layer)]),
      );

    beforeAll(() => {
      layers = new Map(parseConfig(config, { projectRoot: root }).layers.map((layer) => [layer.name, layer]));
      const before = fingerprintsOf();
      touchPythonFile(path.join(layerSourceDir(root, 'domain'), ...domainFile), 'changed by fingerprint.test.ts');
      domainChanged = synthesize(root);
      const afterDomain = fingerprintsOf();
      touchPythonFile(path.join(layerSourceDir(root, 'common'), ...commonFile), 'changed by fingerprint.test.ts');
      commonChanged = synthesize(root);
      fingerprints = { original: before, domainChanged: afterDomain, commonChanged: fingerprintsOf() };
    });

    test('the fixture: price-order in the Orders stack uses domain, every function uses common, each change moves its own layer', () => {
      expect(usersOf('domain')).toEqual({ functions: ['price-order'], stacks: ['Orders'] });
      expect(usersOf('common')).toEqual({ functions: Object.keys(config.functions), stacks: ['Orders', 'Reports'] });
      expect(fingerprints.domainChanged.domain).not.toBe(fingerprints.original.domain);
      expect(fingerprints.domainChanged.common).toBe(fingerprints.original.common);
      expect(fingerprints.commonChanged.common).not.toBe(fingerprints.domainChanged.common);
      expect(fingerprints.commonChanged.domain).toBe(fingerprints.domainChanged.domain);
    });

    describe.each([
      {
        layer: 'domain',
        before: () => original,
        after: () => domainChanged,
        fingerprints: () => [fingerprints.original, fingerprints.domainChanged],
      },
      {
        layer: 'common',
        before: () => domainChanged,
        after: () => commonChanged,
        fingerprints: () => [fingerprints.domainChanged, fingerprints.commonChanged],
      },
    ])('of the $layer layer', ({ layer, before, after, fingerprints: pair }) => {
      const otherLayers = () => [...layers.keys()].filter((name) => name !== layer);
      const environments = () => before().created.pipelineStack.environments;

      test('changes the SharedLayers stack of every environment and the function stacks that use it, and no other stack', () => {
        const expected = environments().flatMap((env) => [
          env.layerStage.layersStack.node.path,
          ...functionStacksOf(env)
            .filter((stack) => usersOf(layer).stacks.includes(stack.node.id))
            .map((stack) => stack.node.path),
        ]);
        // The pipeline stack is not among them: its asset publishing reads its buildspec from the cloud assembly at
        // run time, so a changed layer is published without the pipeline having to mutate itself.
        expect(changedStacks(before(), after())).toEqual(expected.sort());
      });

      test('publishes a new version of that layer only, described with its new fingerprint, in every environment', () => {
        const [old, current] = pair();
        for (const env of environments()) {
          const [a, b] = [before(), after()].map((synth) => templateOf(synth, env.layerStage.layersStack));
          const changed = layerVersionId(a, env, layer);
          expect(changedResources(a, b)).toEqual([changed]);
          expect(withoutResources(b)).toEqual(withoutResources(a));
          expect(a.Resources[changed].Properties.Description).toBe(
            `${layers.get(layer)!.description} [fingerprint ${old[layer]}]`,
          );
          expect(b.Resources[changed].Properties.Description).toBe(
            `${layers.get(layer)!.description} [fingerprint ${current[layer]}]`,
          );
          for (const other of otherLayers()) {
            expect(b.Resources[layerVersionId(b, env, other)].Properties.Description).toBe(
              `${layers.get(other)!.description} [fingerprint ${current[other]}]`,
            );
          }
        }
      });

      test('changes, in the functions that use it, the fingerprint variable of that layer, their version, alias and the alarms on that version, nothing else', () => {
        const [old, current] = pair();
        const variable = layerFingerprintVariable(layer);
        for (const env of environments()) {
          for (const stack of functionStacksOf(env)) {
            const [a, b] = [before(), after()].map((synth) => templateOf(synth, stack));
            const users = usersOf(layer).functions.filter((fn) => stack.functions.has(fn));
            expect(changedResources(a, b)).toEqual(
              users
                .flatMap((fn) => [
                  functionId(stack, fn),
                  versionId(a, stack, fn),
                  versionId(b, stack, fn),
                  aliasId(stack, fn),
                  // The on-call alarms watch the new version (its ExecutedVersion), so they follow it; the release
                  // alarms are new ones, which the deployment group lists instead of the old.
                  ...alarmIds(stack, fn),
                  ...releaseAlarmIds(a, stack, fn),
                  ...releaseAlarmIds(b, stack, fn),
                  deploymentGroupId(stack, fn),
                ])
                .sort(),
            );
            expect(withoutResources(b)).toEqual(withoutResources(a));
            for (const fn of users) {
              const [was, is] = [a, b].map((template) => template.Resources[functionId(stack, fn)]);
              expect(was.Properties.Environment.Variables[variable]).toBe(old[layer]);
              expect(is.Properties.Environment.Variables[variable]).toBe(current[layer]);
              const expected = structuredClone(was);
              expected.Properties.Environment.Variables[variable] = current[layer];
              expect(is).toEqual(expected); // same code, same other layers' fingerprints, same everything else
            }
          }
        }
      });

      test('publishes a new version of each function that uses it and moves its live alias there; the others keep theirs', () => {
        for (const env of environments()) {
          for (const stack of functionStacksOf(env)) {
            const [a, b] = [before(), after()].map((synth) => templateOf(synth, stack));
            for (const fn of stack.functions.keys()) {
              const uses = usersOf(layer).functions.includes(fn);
              const [versionBefore, versionAfter] = [versionId(a, stack, fn), versionId(b, stack, fn)];
              expect({ fn, newVersion: versionAfter !== versionBefore }).toEqual({ fn, newVersion: uses });
              expect(b.Resources[aliasId(stack, fn)].Properties.FunctionVersion).toEqual({
                'Fn::GetAtt': [versionAfter, 'Version'],
              });
            }
          }
        }
      });
    });
  });
});
