import { ArnFormat, CfnOutput, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { AlarmsConfig } from '../config/environments-config';
import type { FunctionConfig } from '../config/functions-config';
import { ConfigError } from '../config/config-error';
import type { DeploymentStrategy } from '../config/deployment-strategies';
import { FunctionHttpApi } from './http-api';
import { FunctionQueue } from './function-queue';
import { FunctionSchedule } from './function-schedule';
import { LiveAlias } from './live-alias';
import { functionCodeDir } from '../config/project-layout';
import {
  alarmName,
  releaseAlarmName,
  alarmTopicName,
  functionEnvironment,
  pascalCase,
  smokeTestRoleName,
  smokeTestRunnerRoleName,
  stackHealthAlarmName,
} from '../config/naming';
import { HealthAlarm } from './health-alarm';
import { AttachedLayer, PythonFunction } from './python-function';
import { deadLetterQueue } from './secure-queue';
import { SERVICES_MODULE, type Service, type ServiceContext, type ServiceFunction } from '../service';
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
  /**
   * The stack's service module (`lib/services/<stack>.ts`), called once the functions and their triggers exist.
   * @default - none
   */
  readonly service?: Service;
  /**
   * Whether the stack has a health alarm (`<app>-<environment>-<stack>-health`, in ALARM while any of its functions'
   * error alarms is), which the environment's health alarm is made of. The pipeline's environments have one; a
   * sandbox has no gate to read it.
   * @default false
   */
  readonly healthAlarm?: boolean;
}

/** What invokes one function besides direct calls: made from its configuration. */
export interface FunctionTriggers {
  readonly schedule?: FunctionSchedule;
  readonly queue?: FunctionQueue;
  /** Where asynchronous calls of the `live` alias go when they still fail after Lambda's retries. */
  readonly onFailureQueue?: sqs.Queue;
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
  /** The stack's health alarm, where it has one (`healthAlarm`). */
  readonly healthAlarm?: cloudwatch.CompositeAlarm;
  /** Each function's physical name, as a stack output: the smoke test reads them. */
  readonly functionNameOutputs: ReadonlyMap<string, CfnOutput>;
  /** The role the pipeline's smoke test assumes in this stack's account. */
  readonly smokeTestAccess: SmokeTestAccess;
  /** The stack's name in the configuration. */
  readonly configName: string;
  /** The layers of each function, in the order Lambda applies them. */
  readonly functionLayers: ReadonlyMap<string, readonly LayerReference[]>;
  /** The stack's HTTP API, when one of its functions has a route. */
  readonly httpApi?: FunctionHttpApi;
  /** The base URL of the HTTP API, as a stack output: the smoke test calls each route through it. */
  readonly httpApiUrlOutput?: CfnOutput;
  /** What invokes each function: its schedule, its queue, its on-failure queue. */
  readonly triggers: ReadonlyMap<string, FunctionTriggers>;

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
    // The environment's alarm topic, in its layer stack: the ARN is built from this stack's own account and region.
    const alarmTopic = sns.Topic.fromTopicArn(
      this,
      'AlarmTopic',
      this.formatArn({ service: 'sns', resource: alarmTopicName(props.appName, props.environmentName) }),
    );
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
          alarmNames: (metric) => alarmName(props.appName, props.environmentName, props.name, config.name, metric),
          releaseAlarmNames: (metric, release) =>
            releaseAlarmName(props.appName, props.environmentName, props.name, config.name, metric, release),
          alarmTopic,
          application,
        }),
      );
      functions.set(config.name, fn);
    }
    this.functions = functions;
    this.releases = releases;
    if (props.healthAlarm) {
      this.healthAlarm = new HealthAlarm(this, 'Health', {
        alarmName: stackHealthAlarmName(props.appName, props.environmentName, props.name),
        watches: `The functions of the ${props.name} stack of ${props.appName} in ${props.environmentName}`,
        alarms: [...releases.values()].map((release) => release.errorsAlarm),
      }).alarm;
    }
    this.functionNameOutputs = outputs;
    this.functionLayers = new Map(
      props.functions.map((fn) => [fn.name, fn.layers.map((name) => references.get(name)!)]),
    );

    // Every trigger invokes the live alias, so that CodeDeploy's canary and alarms see real traffic.
    const routed = props.functions.filter((f) => f.http.length > 0);
    if (routed.length > 0) {
      this.httpApi = new FunctionHttpApi(this, 'Http', {
        apiName: `${props.appName}-${props.environmentName}-${props.name}`,
        description: `${props.appName} ${props.name} (${props.environmentName}): routes to the live aliases`,
        logRetentionDays: Math.max(...routed.map((f) => f.logRetentionDays)),
        retainLogs: !props.sandbox,
      });
      for (const config of routed) this.httpApi.addRoutes(config.name, releases.get(config.name)!.alias, config.http);
      this.httpApiUrlOutput = new CfnOutput(this, 'HttpApiUrl', {
        value: this.httpApi.url,
        description: `Base URL of the ${props.name} HTTP API`,
      });
    }
    const triggers = new Map<string, FunctionTriggers>();
    for (const config of props.functions) {
      const fn = functions.get(config.name)!;
      const alias = releases.get(config.name)!.alias;
      let onFailureQueue: sqs.Queue | undefined;
      if (config.onFailure) {
        onFailureQueue = deadLetterQueue(fn, 'OnFailure', `the asynchronous calls of ${config.name}`);
        alias.configureAsyncInvoke({ onFailure: new SqsDestination(onFailureQueue) });
      }
      triggers.set(config.name, {
        ...(config.schedule
          ? {
              schedule: new FunctionSchedule(fn, 'Schedule', {
                functionName: config.name,
                alias,
                config: config.schedule,
              }),
            }
          : {}),
        ...(config.queue ? { queue: new FunctionQueue(fn, 'Queue', { alias, config: config.queue }) } : {}),
        ...(onFailureQueue ? { onFailureQueue } : {}),
      });
    }
    this.triggers = triggers;

    if (props.service) props.service(this.serviceContext(props));

    this.smokeTestAccess = new SmokeTestAccess(this, 'SmokeTest', {
      roleName: smokeTestRoleName(props.appName, props.environmentName, props.name),
      runnerRoleName: props.sandbox ? undefined : smokeTestRunnerRoleName(props.appName, props.environmentName),
      pipelineAccount: props.pipelineAccount,
      aliases: [...releases.values()].map((release) => release.alias),
      layers: [...imported.keys()].map((name) => references.get(name)!),
      signedRoutes: (this.httpApi?.routes ?? []).filter((r) => r.authorization === 'iam').map((r) => r.invokeArn),
    });
  }

  /** What the stack's service module receives. */
  private serviceContext(props: FunctionStackProps): ServiceContext {
    const functions = new Map<string, ServiceFunction>(
      props.functions.map((config) => {
        const fn = this.functions.get(config.name)!;
        const queue = this.triggers.get(config.name)?.queue?.queue;
        return [
          config.name,
          {
            config,
            function: fn.function,
            alias: this.releases.get(config.name)!.alias,
            role: fn.role,
            ...(queue ? { queue } : {}),
          },
        ];
      }),
    );
    const stackName = props.name;
    return {
      stack: this,
      scope: new Construct(this, 'Service'),
      appName: props.appName,
      environmentName: props.environmentName,
      sandbox: props.sandbox ?? false,
      removalPolicy: props.sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      functions,
      ...(this.httpApi ? { httpApi: this.httpApi } : {}),
      function(name: string): ServiceFunction {
        const fn = functions.get(name);
        if (fn) return fn;
        throw new ConfigError(
          [
            {
              setting: `the service module of stack "${stackName}" (${SERVICES_MODULE})`,
              value: name,
              message: `asks for a function the stack "${stackName}" does not have`,
              fix: `use one of ${[...functions.keys()].map((n) => `"${n}"`).join(', ')}, or give the function "stack": "${stackName}" in config.functions`,
            },
          ],
          'A service module',
        );
      },
    };
  }
}
