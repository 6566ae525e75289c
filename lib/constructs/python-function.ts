import { Duration, IgnoreMode, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionConfig } from '../config/functions-config';
import { toLambdaArchitecture, toLambdaRuntime } from './lambda-types';
import { acknowledge, FUNCTION_ACKNOWLEDGEMENTS } from '../policy/nag-acknowledgements';

/** Files of `lambda/<function>/` that stay out of the deployed code: tests, sample events, bytecode. */
export const FUNCTION_ASSET_EXCLUDE = [
  'tests/',
  'test_*.py',
  '*_test.py',
  'events/',
  '__pycache__/',
  '*.pyc',
  '.DS_Store',
];

/** A layer attached to a function, with its fingerprint (carried in the function's environment). */
export interface AttachedLayer {
  readonly name: string;
  readonly layerVersion: lambda.ILayerVersion;
  readonly fingerprint: string;
  /** Changes whenever a new version of the layer is published (see `PythonLayer.versionKey`). */
  readonly versionKey: string;
}

/** Props of {@link PythonFunction}. */
export interface PythonFunctionProps {
  readonly config: FunctionConfig;
  /** The function's folder, `lambda/<function>`. */
  readonly codePath: string;
  /** In the order Lambda applies them. */
  readonly layers: readonly AttachedLayer[];
  /** The function's environment variables, with the fingerprint of each layer (see `functionEnvironment`). */
  readonly environment: Record<string, string>;
  /**
   * Whether the function's log group outlives the stack.
   * @default true
   */
  readonly retainLogs?: boolean;
}

/**
 * A Python function with production defaults: explicit memory and timeout, its own log group with a retention, JSON
 * logs filtered at the configured level, X-Ray active tracing unless turned off, reserved concurrency where
 * configured, a role that may write to that log group (and X-Ray) and nothing else, and the fingerprint of every
 * layer it uses in its environment, so that a new layer version always changes the function (aws-cdk issues 7722,
 * 29214).
 */
export class PythonFunction extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: PythonFunctionProps) {
    super(scope, id);
    const { config } = props;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.retainLogs === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${config.name} function`,
    });
    // The log group exists before the function, so the role needs no logs:CreateLogGroup and no wildcard.
    this.logGroup.grant(this.role, 'logs:CreateLogStream', 'logs:PutLogEvents');

    this.function = new lambda.Function(this, 'Function', {
      description: config.description,
      runtime: toLambdaRuntime(config.runtime),
      architecture: toLambdaArchitecture(config.architecture),
      handler: config.handler,
      code: lambda.Code.fromAsset(props.codePath, { exclude: FUNCTION_ASSET_EXCLUDE, ignoreMode: IgnoreMode.GIT }),
      memorySize: config.memorySize,
      timeout: Duration.seconds(config.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      layers: props.layers.map((l) => l.layerVersion),
      environment: props.environment,
      tracing: config.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      // JSON lines with a "level" (what lambda_kit.log writes, and Python's logging module under Lambda) are
      // filtered by level; Lambda's own START, END and REPORT lines stay at INFO.
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel[config.logLevel],
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
      ...(config.reservedConcurrency ? { reservedConcurrentExecutions: config.reservedConcurrency } : {}),
    });
    // With @aws-cdk/aws-lambda:recognizeLayerVersion (cdk.json), CDK sorts a function's layers by construct path.
    // Lambda extracts them in the order given, a later layer's files over an earlier one's: keep the configured order.
    (this.function.node.defaultChild as lambda.CfnFunction).layers = props.layers.map(
      (l) => l.layerVersion.layerVersionArn,
    );
    this.function.node.addDependency(this.role);
    acknowledge(this.function, FUNCTION_ACKNOWLEDGEMENTS.pinnedRuntime);
    if (config.tracing) acknowledge(this.role.node.findChild('DefaultPolicy'), FUNCTION_ACKNOWLEDGEMENTS.tracingWrites);
  }
}
