import { ArnFormat, CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { AlarmsConfig, FunctionConfig } from './config';
import type { DeploymentStrategy } from './deployment-strategies';
import { LiveAlias } from './live-alias';
import { functionCodeDir } from './project-layout';
import { functionEnvironment, pascalCase, smokeTestRoleName, smokeTestRunnerRoleName } from './naming';
import { AttachedLayer, PythonFunction } from './python-function';
import type { LayerReference } from './shared-layers-stack';
import { SmokeTestAccess } from './smoke-test-access';

/** Props of {@link FunctionStack}. */
export interface FunctionStackProps extends StackProps {
  readonly appName: string;
  readonly environmentName: string;
  /** The stack's name in the configuration (`config.functions.<fn>.stack`). */
  readonly name: string;
  /** The account of the pipeline, whose smoke test may assume this stack's smoke-test role. */
  readonly pipelineAccount: string;
  /** The functions of this stack. */
  readonly functions: readonly FunctionConfig[];
  /** The layers the environment's layer stack publishes. */
  readonly layers: readonly LayerReference[];
  /** The project's root folder, holding `lambda/`. */
  readonly projectRoot: string;
  /** How CodeDeploy shifts each function's `live` alias to a new version. */
  readonly deployment: DeploymentStrategy;
  /**
   * When the new version's errors or throttles stop a release.
   * @default ALARM_DEFAULTS
   */
  readonly alarms?: AlarmsConfig;
  /**
   * A personal sandbox outside the pipeline: its log groups are not retained, and its smoke-test role is trusted by
   * its own account (there is no pipeline runner to name).
   * @default false
   */
  readonly sandbox?: boolean;
}

/**
 * A group of functions deployed together. Each layer's ARN comes from its SSM parameter as a CloudFormation
 * parameter of type `AWS::SSM::Parameter::Value<String>`, resolved at every deploy: never an export, never a value
 * cached at synth.
 */
export class FunctionStack extends Stack {
  readonly functions: ReadonlyMap<string, PythonFunction>;
  /** Each function's `live` alias and its CodeDeploy release. */
  readonly releases: ReadonlyMap<string, LiveAlias>;
  /** Each function's physical name, as a stack output: the smoke test reads them. */
  readonly functionNameOutputs: ReadonlyMap<string, CfnOutput>;
  /** The role the pipeline's smoke test assumes in this stack's account. */
  readonly smokeTestAccess: SmokeTestAccess;
  /** The stack's name in the configuration. */
  readonly configName: string;
  /** The layers of each function, in the order Lambda applies them. */
  readonly functionLayers: ReadonlyMap<string, readonly LayerReference[]>;

  constructor(scope: Construct, id: string, props: FunctionStackProps) {
    super(scope, id, props);
    this.configName = props.name;
    const references = new Map(props.layers.map((l) => [l.name, l]));
    const imported = new Map<string, AttachedLayer>();
    const attach = (name: string): AttachedLayer => {
      const reference = references.get(name);
      if (!reference) {
        // parseConfig rejects a function naming an undeclared layer; this guards direct use of the construct.
        throw new Error(`FunctionStack ${id}: no layer "${name}" among ${[...references.keys()].join(', ')}`);
      }
      let layer = imported.get(name);
      if (!layer) {
        // Only the version comes from SSM: account, region and name are this stack's own, so the parameter can
        // choose a version of this environment's layer and nothing else.
        const version = ssm.StringParameter.valueForStringParameter(this, reference.versionParameterName);
        const arn = this.formatArn({
          service: 'lambda',
          resource: 'layer',
          resourceName: `${reference.layerName}:${version}`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        });
        layer = {
          name,
          fingerprint: reference.fingerprint,
          versionKey: reference.versionKey,
          layerVersion: lambda.LayerVersion.fromLayerVersionArn(this, `${pascalCase(name)}Layer`, arn),
        };
        imported.set(name, layer);
      }
      return layer;
    };

    const application = new codedeploy.LambdaApplication(this, 'Releases');
    const functions = new Map<string, PythonFunction>();
    const releases = new Map<string, LiveAlias>();
    const outputs = new Map<string, CfnOutput>();
    for (const config of props.functions) {
      const layers = config.layers.map(attach);
      const fn = new PythonFunction(this, pascalCase(config.name), {
        config,
        codePath: functionCodeDir(props.projectRoot, config.name),
        layers,
        environment: functionEnvironment(props.appName, props.environmentName, layers),
        retainLogs: !props.sandbox,
      });
      outputs.set(
        config.name,
        new CfnOutput(this, `${pascalCase(config.name)}FunctionName`, {
          value: fn.function.functionName,
          description: `Name of the ${config.name} function`,
        }),
      );
      releases.set(
        config.name,
        new LiveAlias(fn, 'Live', {
          function: fn.function,
          layerVersionKeys: layers.map((l) => `${l.name}=${l.versionKey}`),
          strategy: props.deployment,
          alarms: props.alarms,
          application,
        }),
      );
      functions.set(config.name, fn);
    }
    this.functions = functions;
    this.releases = releases;
    this.functionNameOutputs = outputs;
    this.functionLayers = new Map(
      props.functions.map((fn) => [fn.name, fn.layers.map((name) => references.get(name)!)]),
    );
    this.smokeTestAccess = new SmokeTestAccess(this, 'SmokeTest', {
      roleName: smokeTestRoleName(props.appName, props.environmentName, props.name),
      runnerRoleName: props.sandbox ? undefined : smokeTestRunnerRoleName(props.appName, props.environmentName),
      pipelineAccount: props.pipelineAccount,
      aliases: [...releases.values()].map((release) => release.alias),
      layers: [...imported.keys()].map((name) => references.get(name)!),
    });
  }
}
