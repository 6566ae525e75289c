/**
 * The one test harness: apps built exactly as `cdk synth` builds them (the feature flags of the project's cdk.json),
 * configuration variants, throw-away copies of the fixture project, and template access.
 *
 * The machinery's tests run against the fixture project the tests own (`test/fixtures/project`), never against the
 * user's committed configuration: a team that changes `cdk.json`, `layers/` or `lambda/` by the README keeps every
 * one of them green. What must hold for the user's own configuration is tested in `project.test.ts`, by invariants.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ASSET_RESOURCE_METADATA_ENABLED_CONTEXT, CloudAssembly } from 'aws-cdk-lib/cx-api';
import { createApp, CreatedApp, TEST_SYNTH_ENV } from '../bin/main';
import { cdkJsonContext as projectContext, PROJECT_ROOT } from '../bin/project';
import { CONFIG_CONTEXT_KEY } from '../lib/config/app-config';
import { ConfigError } from '../lib/config/config-error';
import type { Services } from '../lib/service';
import { SERVICES as FIXTURE_SERVICES } from './fixtures/project/lib/services';

/**
 * The fixture project: a `cdk.json` holding only `config`, with the `layers/` and `lambda/` it names, and its own
 * service modules in `lib/services`.
 */
export const FIXTURE_ROOT = path.join(__dirname, 'fixtures', 'project');

/** The context `cdk synth` of the fixture would get: the project's feature flags, and the fixture's `config`. */
export function cdkJsonContext(): Record<string, any> {
  return { ...projectContext(PROJECT_ROOT), [CONFIG_CONTEXT_KEY]: projectContext(FIXTURE_ROOT)[CONFIG_CONTEXT_KEY] };
}

/** A deep copy of the fixture's `config`, for a test to change. */
export function baseConfig(): Record<string, any> {
  return structuredClone(cdkJsonContext()[CONFIG_CONTEXT_KEY]);
}

/** Options of {@link synthApp}. */
export interface TestAppOptions {
  /** Changes to make to a copy of the committed configuration. */
  readonly config?: (config: Record<string, any>) => void;
  /** Context besides `config` (e.g. `strictLayers`). */
  readonly context?: Record<string, unknown>;
  /** @default FIXTURE_ROOT */
  readonly projectRoot?: string;
  readonly outdir?: string;
  /** @default - the fixture's service modules, for the stacks the configuration keeps */
  readonly services?: Services;
}

/** Builds the fixture's app as `cdk synth` does, with the project's feature flags and the given changes. */
export function buildApp(options: TestAppOptions = {}): CreatedApp {
  const config = baseConfig();
  options.config?.(config);
  return createApp({
    // The CLI also asks for asset paths in the templates' metadata: tests see what `cdk synth` writes.
    context: {
      ...cdkJsonContext(),
      [ASSET_RESOURCE_METADATA_ENABLED_CONTEXT]: true,
      [CONFIG_CONTEXT_KEY]: config,
      ...options.context,
    },
    projectRoot: options.projectRoot ?? FIXTURE_ROOT,
    outdir: options.outdir,
    // The fixture's service modules, for those of its stacks the test's configuration keeps.
    services:
      options.services ??
      Object.fromEntries(
        Object.entries(FIXTURE_SERVICES).filter(([stack]) =>
          Object.values<any>(config.functions ?? {}).some((f) => f?.stack === stack),
        ),
      ),
  });
}

/** Builds and synthesizes the app; returns the cloud assembly of the pipeline stack's app. */
export function synthApp(options: TestAppOptions = {}): { created: CreatedApp; assembly: CloudAssembly } {
  const created = buildApp(options);
  return { created, assembly: created.app.synth() };
}

/**
 * The stages of the fixture's pipeline, in order: two environments, each a layers wave, a functions wave and its
 * health; prod's review and approval before them.
 */
export const FIXTURE_PIPELINE_STAGES = [
  'Source',
  'Build',
  'UpdatePipeline',
  'Assets',
  'Dev-Layers',
  'Dev-Functions',
  'Dev-Health',
  'Prod-Approval',
  'Prod-Layers',
  'Prod-Functions',
  'Prod-Health',
] as const;

/**
 * Expects no export and no `Fn::ImportValue` in any template of the assembly: a stack that imports a layer's ARN
 * locks the layer stack ("Export ... cannot be updated as it is in use").
 */
export function expectNoExportsOrImports(assembly: CloudAssembly): void {
  for (const [id, template] of allTemplates(assembly)) {
    const text = JSON.stringify(template);
    expect({ id, imports: text.includes('Fn::ImportValue') }).toEqual({ id, imports: false });
    const exports = Object.values(template.Outputs ?? {}).filter((o: any) => o.Export);
    expect({ id, exports }).toEqual({ id, exports: [] });
  }
}

/** Every template of an assembly and its nested (stage) assemblies, by artifact id. */
export function allTemplates(assembly: CloudAssembly): Map<string, any> {
  const out = new Map<string, any>();
  for (const stack of assembly.stacks) out.set(stack.hierarchicalId, stack.template);
  for (const artifact of assembly.nestedAssemblies) {
    for (const [id, template] of allTemplates(artifact.nestedAssembly)) out.set(id, template);
  }
  return out;
}

/** The templates of every stack of a stage, by construct id. */
export function stageTemplates(stage: Stage): Map<string, Template> {
  return new Map(
    stage.node.children
      .filter((c): c is Stack => c instanceof Stack)
      .map((stack) => [stack.node.id, Template.fromStack(stack)]),
  );
}

const temporaryDirs: string[] = [];
afterAll(() => {
  for (const dir of temporaryDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test file has run. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temporaryDirs.push(dir);
  return dir;
}

/**
 * A throw-away copy of the fixture project (`cdk.json`, `layers/`, `lambda/`, and its service modules in `lib/`, with
 * a link to `node_modules` for what they import), removed after the test file has run.
 */
export function copyProject(): string {
  const root = tempDir('layers-project-');
  for (const entry of ['cdk.json', 'layers', 'lambda', 'lib']) {
    fs.cpSync(path.join(FIXTURE_ROOT, entry), path.join(root, entry), {
      recursive: true,
      filter: (src) => !src.includes('__pycache__'),
    });
  }
  fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'));
  return root;
}

/**
 * A copy of the fixture project with the template's own code (`bin/`, `lib/`, `pipeline/`, `tools/`, `buildspecs/`,
 * package and compiler settings): the command-line tools run in it as they run in a project, on the fixture's
 * configuration, with the fixture's `cdk.json` completed by the project's feature flags.
 */
export function copyProjectWithTools(): string {
  const root = copyProject();
  // Everything but your service modules: the copy keeps the fixture's.
  const yourServices = path.join(PROJECT_ROOT, 'lib', 'services');
  for (const entry of ['bin', 'lib', 'pipeline', 'tools', 'buildspecs', 'package.json', 'tsconfig.json']) {
    fs.cpSync(path.join(PROJECT_ROOT, entry), path.join(root, entry), {
      recursive: true,
      filter: (src) => !src.includes('__pycache__') && src !== yourServices,
    });
  }
  const cdkJson = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8'));
  fs.writeFileSync(path.join(root, 'cdk.json'), JSON.stringify({ ...cdkJson, context: cdkJsonContext() }, null, 2));
  return root;
}

/** Runs `fn` and returns the ConfigError it throws; any other outcome fails the test. */
export function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

/** Runs `fn` and returns the message of the error it throws (fails the test when nothing is thrown). */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error, but none was thrown');
}

/**
 * Runs `fn` with the apps it builds synthesized as `cdk synth` does: cdk-nag and creation stack traces in (the tests
 * leave them out: jest-environment.ts).
 */
export function asCdkSynth<T>(fn: () => T): T {
  const saved = process.env[TEST_SYNTH_ENV];
  delete process.env[TEST_SYNTH_ENV];
  try {
    return fn();
  } finally {
    process.env[TEST_SYNTH_ENV] = saved;
  }
}

/**
 * Runs one of the project's command-line entry points in `root` exactly as its npm script does
 * (`node bin/launch.cjs <entry> ...`), and returns what it printed and its exit code.
 */
export function runEntryPoint(
  root: string,
  entry: string,
  args: readonly string[] = [],
  options: { readonly env?: NodeJS.ProcessEnv; readonly timeout?: number } = {},
) {
  return spawnSync(process.execPath, [path.join(root, 'bin', 'launch.cjs'), entry, ...args], {
    cwd: root,
    encoding: 'utf8',
    // A full synth, cdk-nag included, as the tool always does (the tests' own apps are lean: test/jest-environment.ts).
    env: { ...(options.env ?? process.env), [TEST_SYNTH_ENV]: undefined },
    timeout: options.timeout ?? 120_000,
  });
}

/**
 * The environment of a command that must find no AWS credentials (a profile file of nowhere, no instance metadata):
 * the CDK CLI then goes as far as it can, and stops at "no credentials have been configured".
 */
export function noCredentialsEnv(root: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_CONFIG_FILE: path.join(root, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(root, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_VERSION_CHECK: '1',
  };
}
