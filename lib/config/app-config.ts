/**
 * The typed configuration of the whole project, and the one validation that produces it.
 *
 * Everything a user sets lives in the `config` object of `cdk.json`'s context. `bin/` reads it and hands it to
 * {@link parseConfig}, which checks every setting, collects every problem and either returns an {@link AppConfig}
 * or throws one {@link ConfigError} that lists them all. Nothing below `bin/` reads context or the environment.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Checker } from './checker';
import {
  EnvironmentConfig,
  parseEnvironments,
  parsePermissionsBoundary,
  parseSandbox,
  SandboxConfig,
} from './environments-config';
import { FunctionConfig, parseFunctions } from './functions-config';
import { LayerConfig, parseLayers } from './layers-config';
import { parseNodejs, parsePipeline, parsePipelinePython, PipelineConfig } from './pipeline-config';
import { newestSupportedRuntime, PYTHON_RUNTIMES, runtimeStatus } from './runtimes';

/** The key of the project's settings in `cdk.json`'s `context`. */
export const CONFIG_CONTEXT_KEY = 'config';

/** The whole, validated configuration. */
export interface AppConfig {
  /** Short lower-case name of the application, the first segment of every SSM name. */
  readonly appName: string;
  readonly pipeline: PipelineConfig;
  /** In promotion order. */
  readonly environments: readonly EnvironmentConfig[];
  readonly layers: readonly LayerConfig[];
  readonly functions: readonly FunctionConfig[];
  /**
   * Where personal sandboxes deploy (`npm run sandbox`).
   * @default - the first environment's account and region
   */
  readonly sandbox?: SandboxConfig;
  /**
   * The name of the IAM policy that bounds every role the environments' and sandboxes' stacks create (their
   * permissions boundary). It may hold `${AWS::AccountId}`, `${AWS::Region}`, `${AWS::Partition}` and `${Qualifier}`,
   * so one name fits every account, like the boundary `cdk bootstrap --example-permissions-boundary` creates.
   * @default - no boundary
   */
  readonly permissionsBoundary?: string;
}

/** Options of {@link parseConfig}. */
export interface ParseConfigOptions {
  /** The project's root folder, holding `layers/` and `lambda/`; their folders are checked against the config. */
  readonly projectRoot: string;
  /**
   * The day runtimes are judged on: one Lambda has deprecated by then is refused.
   * @default - today
   */
  readonly today?: Date;
  /**
   * The stacks the service registry has a module for (see `lib/service.ts`): each must be a function stack of the
   * configuration.
   * @default - none checked
   */
  readonly services?: { readonly module: string; readonly stacks: readonly string[] };
}

/**
 * Checks the raw `config` context value and returns the typed configuration.
 * @throws ConfigError listing every problem found, each naming the setting, the value and the fix.
 */
export function parseConfig(raw: unknown, options: ParseConfigOptions): AppConfig {
  const today = options.today ?? new Date();
  const c = new Checker(today);
  const root = c.object(raw, CONFIG_CONTEXT_KEY, 'add a "config" object to the "context" of cdk.json');
  if (!root) {
    c.throwIfAny();
  }
  const r = root ?? {};

  const appName = c.name(r.appName, 'config.appName', 24);
  const pipeline = parsePipeline(c, r.pipeline);
  const environments = parseEnvironments(c, r.environments);
  const layers = parseLayers(c, r.layers, options.projectRoot);
  const functions = parseFunctions(c, r.functions, layers, options.projectRoot, declaredKeys(r.layers));
  if (options.services) unknownServiceStacks(c, options.services, r.functions);
  const nodejs = parseNodejs(c, (r.pipeline as Record<string, unknown> | undefined)?.nodejs, layers, today);
  const python = parsePipelinePython(c, layers);
  const sandbox = parseSandbox(c, r.sandbox);
  const permissionsBoundary = parsePermissionsBoundary(c, r.permissionsBoundary);
  if (pipeline) pipelineHomeTaken(c, pipeline, environments, sandbox);
  unconfiguredFolders(c, options.projectRoot, 'layers', declaredKeys(r.layers));
  unconfiguredFolders(c, options.projectRoot, 'lambda', declaredKeys(r.functions));

  c.throwIfAny();
  return {
    appName: appName!,
    pipeline: { ...pipeline!, nodejs, python },
    environments,
    layers,
    functions,
    ...(sandbox ? { sandbox } : {}),
    ...(permissionsBoundary ? { permissionsBoundary } : {}),
  };
}

/**
 * Warnings for the runtimes in use that Lambda deprecates within {@link DEPRECATION_WARNING_DAYS} of `today`: one
 * per runtime, naming who uses it. Deprecated runtimes are refused by {@link parseConfig} instead.
 */
export function runtimeDeprecationWarnings(config: AppConfig, today: Date): string[] {
  const users = new Map<string, string[]>();
  for (const layer of config.layers)
    for (const r of layer.runtimes) users.set(r, [...(users.get(r) ?? []), `layer ${layer.name}`]);
  for (const fn of config.functions) users.set(fn.runtime, [...(users.get(fn.runtime) ?? []), `function ${fn.name}`]);
  return [...users].flatMap(([runtime, who]) => {
    const status = runtimeStatus(runtime as (typeof PYTHON_RUNTIMES)[number], today);
    if (status.state !== 'deprecated-soon') return [];
    return [
      `${runtime} is deprecated by Lambda on ${status.date} (used by ${who.join(', ')}): move to ${newestSupportedRuntime(today)} before then, or synth will refuse it.`,
    ];
  });
}

/**
 * Reports an environment or the sandbox in the pipeline's own account and region. There is one bootstrap stack per
 * account and region: the environments' is bootstrapped with the restricted execution policy and the permissions
 * boundary (`npm run bootstrap-policy`), the pipeline's with the rights to create the pipeline (its CodePipeline,
 * CodeBuild projects, buckets and roles). Sharing one, either the pipeline could no longer deploy itself (`cdk deploy
 * PipelineStack` and every self-mutation) or the environment would deploy with the pipeline's rights.
 */
function pipelineHomeTaken(
  c: Checker,
  pipeline: Pick<PipelineConfig, 'account' | 'region'>,
  environments: readonly EnvironmentConfig[],
  sandbox: SandboxConfig | undefined,
): void {
  const home = `${pipeline.account}/${pipeline.region}`;
  const why =
    `is the pipeline's own account and region (${home}): its one bootstrap stack cannot be both the pipeline's ` +
    "(rights to create the pipeline) and an environment's (the restricted execution policy and boundary)";
  environments.forEach((e, i) => {
    if (`${e.account}/${e.region}` !== home) return;
    c.problem(
      `config.environments[${i}] (${e.name})`,
      home,
      why,
      `give "${e.name}" an account of its own (recommended: accounts are what isolates environments), or another region of account ${e.account}`,
    );
  });
  // The sandbox defaults to the first environment's account and region, which is checked above.
  if (sandbox && `${sandbox.account}/${sandbox.region}` === home) {
    c.problem(
      'config.sandbox',
      home,
      why,
      `deploy sandboxes to a development account, or to another region of account ${sandbox.account}`,
    );
  }
}

/** Reports each service module registered for a stack that no function of the configuration is in. */
function unknownServiceStacks(
  c: Checker,
  services: NonNullable<ParseConfigOptions['services']>,
  rawFunctions: unknown,
): void {
  const stacks = new Set(
    Object.values(typeof rawFunctions === 'object' && rawFunctions !== null ? rawFunctions : {})
      .map((f) => (typeof f === 'object' && f !== null ? (f as Record<string, unknown>).stack : undefined))
      .filter((s): s is string => typeof s === 'string'),
  );
  for (const name of services.stacks) {
    if (stacks.has(name)) continue;
    c.problem(
      `${services.module}: SERVICES["${name}"]`,
      undefined,
      `is a service module for the stack "${name}", which no function of config.functions is in`,
      stacks.size > 0
        ? `register it under one of the stacks ${[...stacks].map((n) => `"${n}"`).join(', ')}, give a function "stack": "${name}", or remove the entry`
        : `give a function "stack": "${name}", or remove the entry`,
    );
  }
}

/** The names written in a config object, valid or not: a folder with an invalid entry is not unconfigured. */
function declaredKeys(v: unknown): string[] {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(v) : [];
}

function unconfiguredFolders(c: Checker, projectRoot: string, folder: 'layers' | 'lambda', configured: string[]) {
  const dir = path.join(projectRoot, folder);
  if (!fs.existsSync(dir)) return;
  const known = new Set(configured);
  const key = folder === 'layers' ? 'config.layers' : 'config.functions';
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (
      !entry.isDirectory() ||
      entry.name.startsWith('.') ||
      entry.name.startsWith('_') ||
      entry.name === '__pycache__'
    )
      continue;
    if (!known.has(entry.name)) {
      c.problem(
        `${key}.${entry.name}`,
        undefined,
        `is missing, but the folder ${folder}/${entry.name} exists`,
        `declare "${entry.name}" under ${key}, or remove the folder`,
      );
    }
  }
}
