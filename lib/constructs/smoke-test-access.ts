import { ArnFormat, Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledge, SMOKE_TEST_ACKNOWLEDGEMENTS } from '../policy/nag-acknowledgements';
import type { LayerReference } from './shared-layers-stack';

/** Props of {@link SmokeTestAccess}. */
export interface SmokeTestAccessProps {
  /** The role's name: `smokeTestRoleName(...)`, which the pipeline derives too. */
  readonly roleName: string;
  /** The account whose pipeline runs the smoke test. */
  readonly pipelineAccount: string;
  /**
   * The role in that account the smoke test runs as (`smokeTestRunnerRoleName(...)`): the only principal that may
   * assume this role, not every principal of the pipeline's account.
   * @default - any principal of `pipelineAccount` its own policies allow (a sandbox, smoke-tested from a laptop)
   */
  readonly runnerRoleName?: string;
  /** The `live` alias of every function of the stack: the smoke test invokes them and reads their configuration. */
  readonly aliases: readonly lambda.IAlias[];
  /** The layers the stack's functions use: the smoke test reads their ARN parameters and their versions. */
  readonly layers: readonly LayerReference[];
  /**
   * The `execute-api` ARNs of the stack's routes with IAM authorization: the smoke test calls each once, signed.
   * @default - none
   */
  readonly signedRoutes?: readonly string[];
}

/**
 * The role through which the pipeline's smoke test reaches a function stack in its own account: it may read the
 * stack's outputs (the functions' names, the HTTP API's URL), invoke each function's `live` alias, read that alias's
 * configuration (to see its layers), read the layers' SSM parameters, and call the routes that need IAM
 * authorization. Nothing else, and only these resources.
 */
export class SmokeTestAccess extends Construct {
  readonly role: iam.Role;
  /** The role's name, as a plain string: the pipeline (another stage) names the role by it. */
  readonly roleName: string;

  constructor(scope: Construct, id: string, props: SmokeTestAccessProps) {
    super(scope, id);
    this.roleName = props.roleName;
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      assumedBy: props.runnerRoleName
        ? new iam.AccountPrincipal(props.pipelineAccount).withConditions({
            ArnEquals: {
              'aws:PrincipalArn': `arn:${Aws.PARTITION}:iam::${props.pipelineAccount}:role/${props.runnerRoleName}`,
            },
          })
        : new iam.AccountPrincipal(props.pipelineAccount),
      description: "The pipeline's smoke test: invokes the live aliases and checks their layers against SSM",
    });
    const stack = Stack.of(this);
    // A stack's ARN ends in an id CloudFormation makes when it creates the stack: `/*` stands for it.
    const stackArn = stack.formatArn({
      service: 'cloudformation',
      resource: 'stack',
      resourceName: `${stack.stackName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [stackArn] }),
    );
    acknowledge(
      this.role.node.findChild('DefaultPolicy'),
      SMOKE_TEST_ACKNOWLEDGEMENTS.ownStackOutputs(stack.resolve(stackArn)),
    );
    if (props.aliases.length > 0) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
          resources: props.aliases.map((alias) => alias.functionArn),
        }),
      );
    }
    if (props.layers.length > 0) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['ssm:GetParameter'],
          resources: props.layers.map(({ parameterName: name }) =>
            stack.formatArn({
              service: 'ssm',
              resource: 'parameter',
              resourceName: name.replace(/^\//, ''),
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          ),
        }),
      );
    }
    if (props.layers.length > 0) {
      // Each version's description carries its fingerprint: the smoke test compares it with the one synthesized.
      const layerVersions = props.layers.map((layer) =>
        stack.formatArn({
          service: 'lambda',
          resource: 'layer',
          resourceName: `${layer.layerName}:*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      );
      this.role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:GetLayerVersion'], resources: layerVersions }));
      acknowledge(
        this.role.node.findChild('DefaultPolicy'),
        ...layerVersions.map((arn) => SMOKE_TEST_ACKNOWLEDGEMENTS.ownLayerVersions(stack.resolve(arn))),
      );
    }
    const routes = props.signedRoutes ?? [];
    if (routes.length > 0) {
      this.role.addToPolicy(new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: [...routes] }));
      acknowledge(
        this.role.node.findChild('DefaultPolicy'),
        ...routes.map((arn) => SMOKE_TEST_ACKNOWLEDGEMENTS.ownRoutes(stack.resolve(arn))),
      );
    }
  }
}
