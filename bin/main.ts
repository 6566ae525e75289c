/**
 * Composition of the app: the only code that reads `cdk.json` context. `bin/app.ts` runs it for the CDK CLI;
 * tests call {@link createApp} with the context of `cdk.json`, so they test what `cdk synth` produces.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Annotations, App, AppProps, Validations } from 'aws-cdk-lib';
import { DISABLE_CREATION_STACK_TRACES } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NagWithFixes } from '../lib/policy/nag-fixes';
import { CONFIG_CONTEXT_KEY, parseConfig, runtimeDeprecationWarnings } from '../lib/config/app-config';
import { ConfigError } from '../lib/config/config-error';
import { resolveLayerContents, STRICT_LAYERS_CONTEXT_KEY } from '../lib/layer-content/layer-source';
import { appTags } from '../lib/config/naming';
import { stagePermissionsBoundary } from '../lib/policy/permissions-boundary';
import { SERVICES_MODULE, type Services } from '../lib/service';
import { SANDBOX_CONTEXT_KEY, SandboxStage, sandboxEnvironment, sandboxStageId } from '../lib/stages/sandbox-stage';
import { PipelineStack } from '../pipeline/pipeline-stack';
import { PROJECT_ROOT } from './project';

/**
 * Set to `lean` in a jest run (test/jest-environment.ts), it leaves out of the apps the tests build the two parts of
 * a synth that read the app and change no template: cdk-nag (it reads every template) and the creation stack trace
 * aws-cdk-lib records for every CloudFormation element, for the assembly's `*.metadata.json` (under jest's source
 * maps, about a tenth of a test's synth). Most tests only read templates; test/nag.test.ts shows that leaving both
 * out changes no template, and runs cdk-nag. Outside jest it is ignored: `cdk synth`, doctor and the pipeline always
 * do both.
 */
export const TEST_SYNTH_ENV = 'PYTHON_LAYERS_TEST_SYNTH';

function leanTestSynth(): boolean {
  return process.env.JEST_WORKER_ID !== undefined && process.env[TEST_SYNTH_ENV] === 'lean';
}

/** cdk-nag's AwsSolutions pack over the whole app at synth: a finding fails it. */
function addNag(app: App): void {
  if (leanTestSynth()) return;
  Validations.of(app).addPlugins(new NagWithFixes(new AwsSolutionsChecks(app)));
}

/** Options of {@link createApp}. */
export interface CreateAppOptions extends AppProps {
  /** @default PROJECT_ROOT */
  readonly projectRoot?: string;
  /**
   * The day runtimes are judged on (deprecated: refused; deprecated within 180 days: a warning).
   * @default - today
   */
  readonly today?: Date;
  /**
   * The service modules, by stack name.
   * @default - the `SERVICES` registry of the project's `lib/services/index.ts`
   */
  readonly services?: Services;
}

/** The app and its one top-level stack. */
export interface CreatedApp {
  readonly app: App;
  readonly pipelineStack: PipelineStack;
}

/**
 * Builds the whole app from its context: the validated configuration, the layers resolved once, the pipeline stack
 * with every environment's stages, and cdk-nag over all of it.
 * @throws ConfigError for a user's mistake in the configuration or the layers.
 */
export function createApp(options: CreateAppOptions = {}): CreatedApp {
  return pipelineApp(appInputs(options));
}

function pipelineApp({ app, projectRoot, today, config, layers, services }: AppInputs): CreatedApp {
  const pipelineStack = new PipelineStack(app, 'PipelineStack', {
    config,
    layers,
    projectRoot,
    services,
    cliVersion: cdkCliVersion(),
    env: { account: config.pipeline.account, region: config.pipeline.region },
    tags: appTags(config.appName),
    description: `Self-mutating pipeline of ${config.appName}: Python functions and their shared layers`,
  });
  for (const warning of runtimeDeprecationWarnings(config, today)) {
    Annotations.of(pipelineStack).addWarningV2('python-layers:runtime-deprecation', warning);
  }
  addNag(app);
  return { app, pipelineStack };
}

/** The app and its one sandbox stage. */
export interface CreatedSandboxApp {
  readonly app: App;
  readonly sandbox: SandboxStage;
}

/**
 * Builds the app of a personal sandbox (`-c sandbox=<name>`): the sandbox stage alone, no pipeline, so that
 * `cdk deploy 'Sandbox-<Name>/*'` deploys exactly the sandbox; cdk-nag over it, like the pipeline's stages.
 * @throws ConfigError for a user's mistake in the configuration, the layers or the sandbox name.
 */
export function createSandboxApp(options: CreateAppOptions = {}): CreatedSandboxApp {
  return sandboxApp(appInputs(options));
}

function sandboxApp({ app, projectRoot, config, layers, services }: AppInputs): CreatedSandboxApp {
  const environment = sandboxEnvironment(config, app.node.tryGetContext(SANDBOX_CONTEXT_KEY));
  const sandbox = new SandboxStage(app, sandboxStageId(environment), {
    config,
    environment,
    layers,
    projectRoot,
    permissionsBoundary: stagePermissionsBoundary(config),
    services,
  });
  addNag(app);
  return { app, sandbox };
}

/** What every app is built from: the validated configuration and the layers, resolved once. */
type AppInputs = ReturnType<typeof appInputs>;

function appInputs(options: CreateAppOptions) {
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;
  const app = new App(
    leanTestSynth() ? { ...options, context: { [DISABLE_CREATION_STACK_TRACES]: true, ...options.context } } : options,
  );
  const today = options.today ?? new Date();
  const services = options.services ?? projectServices(projectRoot);
  const config = parseConfig(app.node.tryGetContext(CONFIG_CONTEXT_KEY), {
    projectRoot,
    today,
    services: { module: SERVICES_MODULE, stacks: Object.keys(services) },
  });
  const strict = parseStrict(app.node.tryGetContext(STRICT_LAYERS_CONTEXT_KEY));
  const layers = resolveLayerContents(config.layers, { projectRoot, strict });
  return { app, projectRoot, today, config, layers, services };
}

/**
 * The service modules of the project at `projectRoot`: the registry of its `lib/services/index.ts`, so that an app
 * is built from one project's configuration and services, never one project's configuration with another's.
 */
function projectServices(projectRoot: string): Services {
  const registry = path.resolve(projectRoot, SERVICES_MODULE);
  if (!fs.existsSync(registry)) {
    throw new ConfigError([
      {
        setting: SERVICES_MODULE,
        value: undefined,
        message: "is missing: it registers the service modules of the project's stacks",
        fix: 'restore it, with export const SERVICES: Services = {} where no stack has a service module',
      },
    ]);
  }
  // The source itself, never a compiled file beside it (as jest.config.js orders `ts` before `js`).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SERVICES } = require(registry);
  const isRegistry = typeof SERVICES === 'object' && SERVICES !== null && !Array.isArray(SERVICES);
  const problems = isRegistry
    ? Object.entries<unknown>(SERVICES)
        .filter(([, module]) => typeof module !== 'function')
        .map(([stack, module]) => ({
          setting: `${SERVICES_MODULE}: SERVICES["${stack}"]`,
          value: module,
          message: 'is not a service module',
          fix:
            "register the function that adds the stack's resources, (ctx: ServiceContext) => void, as the " +
            "template's orders does",
        }))
    : [
        {
          setting: `${SERVICES_MODULE}: SERVICES`,
          value: SERVICES,
          message: 'is not the registry of service modules',
          fix: 'export const SERVICES: Services = { <stack>: <its module function> } from it, as the template does',
        },
      ];
  if (problems.length > 0) throw new ConfigError(problems);
  return SERVICES;
}

/** The exact CDK CLI version the project pins: the pipeline runs the same one. */
function cdkCliVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8'));
  return pkg.devDependencies['aws-cdk'];
}

function parseStrict(value: unknown): boolean {
  if (value === undefined || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new ConfigError([
    {
      setting: `context ${STRICT_LAYERS_CONTEXT_KEY}`,
      value,
      message: 'is not a boolean',
      fix: `pass -c ${STRICT_LAYERS_CONTEXT_KEY}=true or leave it out`,
    },
  ]);
}

/** Runs the app for the CDK CLI: a user's mistake is printed as a message and exit code 1, never a stack trace. */
export function main(): void {
  try {
    // `-c sandbox=<name>`: the sandbox alone; otherwise the pipeline and its stages.
    const inputs = appInputs({});
    const sandbox = inputs.app.node.tryGetContext(SANDBOX_CONTEXT_KEY) !== undefined;
    (sandbox ? sandboxApp(inputs) : pipelineApp(inputs)).app.synth();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`\n${error.message}\n\n`);
      process.exit(1);
    }
    throw error;
  }
}
