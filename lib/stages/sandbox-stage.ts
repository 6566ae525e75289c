import { Stage, StageProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { AppConfig } from '../config/app-config';
import type { EnvironmentConfig } from '../config/environments-config';
import { ALARM_DEFAULTS } from '../config/environments-config';
import { ConfigError } from '../config/config-error';
import { FunctionStack } from '../constructs/function-stack';
import { functionStacksOf } from './function-stage';
import type { LayerContent } from '../layer-content/layer-source';
import { appTags, pascalCase } from '../config/naming';
import type { Services } from '../service';
import { SharedLayersStack } from '../constructs/shared-layers-stack';

/**
 * The context key that selects a sandbox: `-c sandbox=<name>` makes an app of that sandbox's stage alone, whose stacks
 * the CLI selects by the stage's path (`npx cdk deploy 'Sandbox-Alice/*' -c sandbox=alice`; `--all` selects only the
 * stacks at the top of the assembly, and a stage's are not).
 */
export const SANDBOX_CONTEXT_KEY = 'sandbox';

/** The prefix of a sandbox's environment name, in its SSM parameters and physical names: `sandbox-<name>`. */
export const SANDBOX_PREFIX = 'sandbox-';

/** The id of a sandbox's stage, and the prefix of its stacks' names: `Sandbox-<Name>` (`Sandbox-Alice`). */
export function sandboxStageId(environment: EnvironmentConfig): string {
  return sandboxStageIdOf(environment.name.slice(SANDBOX_PREFIX.length));
}

/** The id of the stage of the sandbox called `name` (`alice` -> `Sandbox-Alice`). */
export function sandboxStageIdOf(name: string): string {
  return `Sandbox-${pascalCase(name)}`;
}

/** Sandbox names: lower-case letters, digits and inner hyphens, a letter first, at most this long. */
const SANDBOX_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const MAX_SANDBOX_NAME = 20;

/**
 * The sandbox called `name`, as an environment: in the configured sandbox account and region (the first
 * environment's by default), released all at once, nothing retained.
 * @throws ConfigError naming the setting, the value and the fix, for a name that is not valid or that an
 * environment of the pipeline already uses.
 */
export function sandboxEnvironment(config: AppConfig, name: unknown): EnvironmentConfig {
  const setting = `context ${SANDBOX_CONTEXT_KEY}`;
  if (typeof name !== 'string' || !SANDBOX_NAME.test(name) || name.length > MAX_SANDBOX_NAME) {
    throw new ConfigError([
      {
        setting,
        value: name,
        message: 'is not a valid sandbox name',
        fix: `use lower-case letters, digits and inner hyphens, starting with a letter, at most ${MAX_SANDBOX_NAME} characters (e.g. -c ${SANDBOX_CONTEXT_KEY}=alice)`,
      },
    ]);
  }
  if (config.environments.some((e) => e.name === name)) {
    throw new ConfigError([
      {
        setting,
        value: name,
        message: 'is the name of an environment of the pipeline',
        fix: 'name the sandbox after yourself (e.g. your user name), never after dev, prod or another environment',
      },
    ]);
  }
  const target = config.sandbox ?? config.environments[0];
  return {
    name: `${SANDBOX_PREFIX}${name}`,
    account: target.account,
    region: target.region,
    requiresApproval: false,
    deployment: 'AllAtOnce',
    alarms: ALARM_DEFAULTS,
    // Outside the pipeline: no stage of it rolls back, waits or bakes.
    promotion: { bakeMinutes: 0, rollbackOnFailure: false },
    sandbox: true,
  };
}

/** Props of {@link SandboxStage}. */
export interface SandboxStageProps extends StageProps {
  readonly config: AppConfig;
  /** The sandbox, from {@link sandboxEnvironment}. */
  readonly environment: EnvironmentConfig;
  readonly layers: readonly LayerContent[];
  readonly projectRoot: string;
  /**
   * The service modules, by stack name (`lib/services/index.ts`).
   * @default - none
   */
  readonly services?: Services;
}

/**
 * A developer's private copy of the layer stack and every function stack, deployed from a laptop without the
 * pipeline (`npm run sandbox -- deploy`). The same constructs as the pipeline's stages; its stacks are
 * `Sandbox-<Name>-Layers` and `Sandbox-<Name>-Functions-<Stack>` (its id is `sandboxStageId`), its SSM parameters
 * `/<app>/sandbox-<name>/layers/<layer>/...`, so it never collides with another sandbox or the pipeline's
 * environments. The function stacks depend on the layer stack (one stage, so CloudFormation order holds: deploying the
 * stage's stacks deploys the layers first, and a function stack deployed alone brings its layer stack along). Nothing is retained.
 */
export class SandboxStage extends Stage {
  readonly environment: EnvironmentConfig;
  readonly layersStack: SharedLayersStack;
  readonly functionStacks: readonly FunctionStack[];

  constructor(scope: Construct, id: string, props: SandboxStageProps) {
    super(scope, id, props);
    const { config, environment } = props;
    this.environment = environment;
    const prefix = id;
    const env = { account: environment.account, region: environment.region };
    const tags = appTags(config.appName);
    this.layersStack = new SharedLayersStack(this, 'Layers', {
      stackName: `${prefix}-Layers`,
      appName: config.appName,
      environmentName: environment.name,
      layers: props.layers,
      retainLayers: false,
      alarmEmails: environment.alarms.notify,
      env,
      tags,
      description: `Shared Python layers of ${config.appName} in the sandbox ${environment.name}`,
    });
    this.functionStacks = [...functionStacksOf(config.functions)].map(([stackName, functions]) => {
      const stack = new FunctionStack(this, pascalCase(stackName), {
        stackName: `${prefix}-Functions-${pascalCase(stackName)}`,
        appName: config.appName,
        environmentName: environment.name,
        name: stackName,
        pipelineAccount: environment.account,
        functions,
        layers: this.layersStack.references,
        projectRoot: props.projectRoot,
        deployment: environment.deployment,
        alarms: environment.alarms,
        sandbox: true,
        service: props.services?.[stackName],
        env,
        tags,
        description: `${config.appName} functions: ${stackName} (sandbox ${environment.name})`,
      });
      // Its layers' SSM parameters are no CloudFormation reference: the order is said here.
      stack.addStackDependency(this.layersStack, 'reads the layer versions the layer stack writes to SSM');
      return stack;
    });
  }
}
