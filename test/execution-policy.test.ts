import * as fs from 'fs';
import * as path from 'path';
import { bootstrapCommand, deployedStacks } from '../bin/bootstrap-policy';
import { CDK_EXAMPLE_PERMISSIONS_BOUNDARY } from '../lib/config/environments-config';
import { CONFIG_CONTEXT_KEY } from '../lib/config/app-config';
import {
  DeployedStack,
  ExecutionPolicy,
  ExecutionPolicyError,
  executionPolicies,
  MAX_MANAGED_POLICY_CHARACTERS,
  SERVICE_PREFIXES,
} from '../lib/policy/execution-policy';
import { baseConfig, buildApp, cdkJsonContext, configErrorOf, FIXTURE_ROOT } from './helpers';

const BOUNDARY = CDK_EXAMPLE_PERMISSIONS_BOUNDARY;

// The fixture with a boundary: every environment's stacks and a sandbox's, as `npm run bootstrap-policy` reads them.
const config: Record<string, any> = { ...baseConfig(), permissionsBoundary: BOUNDARY };
const { stacks, pipelineAccount } = deployedStacks({
  projectRoot: FIXTURE_ROOT,
  context: { ...cdkJsonContext(), [CONFIG_CONTEXT_KEY]: config },
});
const policies = executionPolicies({ appName: config.appName, stacks, permissionsBoundary: BOUNDARY });

const statement = (policy: ExecutionPolicy, sid: string): any => policy.document.Statement.find((s) => s.Sid === sid);
const matches = (patterns: string[], arn: string) =>
  patterns.some((p) => new RegExp(`^${p.split('*').map(escape).join('.*')}$`).test(arn));
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
const resourcesOf = (stack: DeployedStack, type: string): [string, any][] =>
  Object.entries<any>(stack.template.Resources ?? {}).filter(([, r]) => r.Type === type);

describe('config.permissionsBoundary', () => {
  test('bounds every role of every environment and sandbox stack, and none of the pipeline account', () => {
    const roleStacks = stacks.filter((s) => resourcesOf(s, 'AWS::IAM::Role').length > 0);
    expect(roleStacks.some((s) => s.stackName.startsWith('Sandbox-'))).toBe(true);
    for (const stack of roleStacks)
      for (const [id, role] of resourcesOf(stack, 'AWS::IAM::Role'))
        expect([stack.stackName, id, role.Properties.PermissionsBoundary]).toEqual([
          stack.stackName,
          id,
          `arn:aws:iam::${stack.account}:policy/cdk-hnb659fds-permissions-boundary`,
        ]);
    const pipelineStack = buildApp({ config: (c) => (c.permissionsBoundary = BOUNDARY) }).pipelineStack;
    const pipelineRoles = pipelineStack.node.findAll().filter((c) => (c as any).cfnResourceType === 'AWS::IAM::Role');
    expect(pipelineRoles.length).toBeGreaterThan(0);
    for (const role of pipelineRoles) expect((role as any).permissionsBoundary).toBeUndefined();
  });

  test.each([
    [42, 'is not a text'],
    ['my-boundary-${AWS::Account}', 'holds the unknown placeholder ${AWS::Account}'],
    ['my boundary', 'is not a valid IAM policy name'],
    [`${'b'.repeat(110)}-\${AWS::AccountId}-\${AWS::Region}`, 'is not a valid IAM policy name'],
  ])('refuses %p: %s, naming the setting and the fix', (value, message) => {
    const error = configErrorOf(() => buildApp({ config: (c) => (c.permissionsBoundary = value) }));
    expect(error.problems).toEqual([
      expect.objectContaining({ setting: 'config.permissionsBoundary', value, message, fix: expect.any(String) }),
    ]);
    expect(error.problems[0].fix).toContain(CDK_EXAMPLE_PERMISSIONS_BOUNDARY);
  });
});

/** A dated copy of the CloudFormation resource types' ARN services (see the fixture's "source"). */
const spec = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'cfn-resource-spec.json'), 'utf8')) as {
  arnServicesByNamespace: Record<string, string[]>;
};

describe('SERVICE_PREFIXES', () => {
  // A dated copy of the CloudFormation resource types' ARN templates (test/fixtures/cfn-resource-spec.json): the
  // service segment of a type's ARN is the IAM prefix of its actions.

  test.each(Object.entries(SERVICE_PREFIXES))(
    "maps AWS::%s:: to %s, the service of that namespace's resource ARNs",
    (namespace, prefix) => {
      expect(spec.arnServicesByNamespace[namespace]).toEqual([prefix]);
    },
  );
});

describe('the execution policy derived from the stacks', () => {
  test('one per environment account, covering each of its regions, none for the pipeline account', () => {
    const accounts = [...new Set(stacks.map((s) => s.account))].sort();
    expect(policies.map((p) => p.account)).toEqual(accounts);
    expect(accounts).not.toContain(pipelineAccount);
    for (const policy of policies)
      expect(policy.regions).toEqual(
        [...new Set(stacks.filter((s) => s.account === policy.account).map((s) => s.region))].sort(),
      );
  });

  test('allows the service of every resource type the stacks create, and no other service', () => {
    for (const policy of policies) {
      const mine = stacks.filter((s) => s.account === policy.account);
      const expected = new Set<string>();
      for (const stack of mine)
        for (const r of Object.values<any>(stack.template.Resources ?? {})) {
          const service = /^AWS::(\w+)::/.exec(r.Type)![1];
          if (!['CDK', 'IAM', 'SSM'].includes(service)) expected.add(`${spec.arnServicesByNamespace[service][0]}:*`);
        }
      expect(expected.size).toBeGreaterThan(0);
      expect(statement(policy, 'ServicesTheStacksUse')).toEqual({
        Sid: 'ServicesTheStacksUse',
        Effect: 'Allow',
        Action: [...expected].sort(),
        Resource: '*',
      });
    }
  });

  test("lets IAM act only on the stacks' own roles, creating and changing them only within the boundary", () => {
    for (const policy of policies) {
      const create = statement(policy, 'CreateTheStacksRolesWithinTheBoundary');
      const manage = statement(policy, 'ManageTheStacksRoles');
      const pass = statement(policy, 'PassTheStacksRolesToTheirServices');
      expect(create.Action).toEqual(expect.arrayContaining(['iam:CreateRole', 'iam:PutRolePolicy']));
      expect(create.Condition).toEqual({
        StringEquals: {
          'iam:PermissionsBoundary': `arn:aws:iam::${policy.account}:policy/cdk-hnb659fds-permissions-boundary`,
        },
      });
      for (const s of [create, manage, pass]) {
        expect(s.Resource.every((arn: string) => arn.startsWith(`arn:aws:iam::${policy.account}:role/`))).toBe(true);
        expect(s.Resource.some((arn: string) => /role\/cdk-|role\/\*$/.test(arn))).toBe(false);
      }
      for (const stack of stacks.filter((s) => s.account === policy.account))
        for (const [id, role] of resourcesOf(stack, 'AWS::IAM::Role')) {
          // CloudFormation names an unnamed role `<stack name>-<logical id>-<suffix>`.
          const name = role.Properties.RoleName ?? `${stack.stackName}-${id}-ABC123`;
          expect([name, matches(create.Resource, `arn:aws:iam::${policy.account}:role/${name}`)]).toEqual([name, true]);
        }
      expect(pass.Condition.StringEquals['iam:PassedToService']).toEqual(
        expect.arrayContaining(['lambda.amazonaws.com']),
      );
      expect(policy.document.Statement).toContainEqual({
        Sid: 'KeepTheBoundary',
        Effect: 'Deny',
        Action: ['iam:DeleteRolePermissionsBoundary'],
        Resource: '*',
      });
    }
  });

  test('needs no update when a function stack or a layer is added: it covers them by their names', () => {
    for (const policy of policies) {
      const text = JSON.stringify(policy.document);
      expect(text).toMatch(/role\/[A-Z][a-z]*-Functions-\*-\*"/);
      expect(text).toMatch(/parameter\/orders\/[a-z]+\/layers\/\*"/);
      expect(text).not.toMatch(/Functions-(Orders|Reports)|layers\/(common|domain)|-(orders|reports)-smoke/);
    }
    const functions = {
      ...config.functions,
      'health-check': { ...config.functions['health-check'], stack: 'billing' },
    };
    const grown = deployedStacks({
      projectRoot: FIXTURE_ROOT,
      context: { ...cdkJsonContext(), [CONFIG_CONTEXT_KEY]: { ...config, functions } },
    });
    expect(grown.stacks.length).toBe(stacks.length + 3); // Dev-, Prod- and Sandbox-*-Functions-Billing
    const grownPolicies = executionPolicies({
      appName: config.appName,
      stacks: grown.stacks,
      permissionsBoundary: BOUNDARY,
    });
    expect(grownPolicies).toEqual(policies);
  });

  test('covers every sandbox by its names, not the one it was read from', () => {
    const dev = policies.find((p) => p.account === stacks.find((s) => s.stackName.startsWith('Sandbox-'))!.account)!;
    const text = JSON.stringify(dev.document);
    expect(text).toContain(`role/Sandbox-*-`);
    expect(text).toContain(`/sandbox-*/layers/`);
    expect(text).not.toMatch(/sandbox-policy|Sandbox-Policy/);
  });

  test('reads and writes only the SSM parameters the stacks name, and reads only their asset buckets', () => {
    for (const policy of policies) {
      const parameters = statement(policy, 'TheStacksParameters').Resource as string[];
      expect(parameters).toContain(
        `arn:aws:ssm:${policy.regions[0]}:${policy.account}:parameter/cdk-bootstrap/hnb659fds/version`,
      );
      for (const stack of stacks.filter((s) => s.account === policy.account)) {
        const names = [
          ...resourcesOf(stack, 'AWS::SSM::Parameter').map(([, p]) => p.Properties.Name),
          ...Object.values<any>(stack.template.Parameters ?? {})
            .filter((p) => p.Type.startsWith('AWS::SSM::Parameter::Value'))
            .map((p) => p.Default),
        ];
        expect(names.length).toBeGreaterThan(0);
        for (const name of names) {
          const arn = `arn:aws:ssm:${stack.region}:${stack.account}:parameter${name}`;
          expect([arn, matches(parameters, arn)]).toEqual([arn, true]);
        }
      }
      expect(parameters.every((arn) => !arn.endsWith(':parameter/*'))).toBe(true);
      expect(statement(policy, 'ReadTheAssetsLambdaDeploys').Resource).toEqual(
        policy.regions.map((r) => `arn:aws:s3:::cdk-hnb659fds-assets-${policy.account}-${r}/*`),
      );
    }
  });

  test('lets a service create the service-linked role it needs, and only that role, only where its resources are', () => {
    for (const policy of policies) {
      const mine = stacks.filter((s) => s.account === policy.account);
      const types = new Set(mine.flatMap((s) => Object.values<any>(s.template.Resources ?? {}).map((r) => r.Type)));
      const linked = statement(policy, 'TheServiceLinkedRolesOfTheServices');
      // The fixture has HTTP routes in every environment: API Gateway creates its role with the first API.
      expect(types.has('AWS::ApiGatewayV2::Api')).toBe(true);
      expect(linked).toEqual({
        Sid: 'TheServiceLinkedRolesOfTheServices',
        Effect: 'Allow',
        Action: 'iam:CreateServiceLinkedRole',
        Resource: [
          `arn:aws:iam::${policy.account}:role/aws-service-role/ops.apigateway.amazonaws.com/AWSServiceRoleForAPIGateway`,
        ],
        Condition: { StringEquals: { 'iam:AWSServiceName': ['ops.apigateway.amazonaws.com'] } },
      });
    }
    const layersOnly = stacks.filter((s) => /-Layers-/.test(s.stackName));
    const [policy] = executionPolicies({ appName: 'orders', stacks: layersOnly });
    expect(statement(policy, 'TheServiceLinkedRolesOfTheServices')).toBeUndefined();
  });

  test('passes roles only to the services that assume them, the scheduler among them where there is a schedule', () => {
    for (const policy of policies) {
      const principals = new Set<string>();
      for (const stack of stacks.filter((s) => s.account === policy.account))
        for (const [, role] of resourcesOf(stack, 'AWS::IAM::Role'))
          for (const st of role.Properties.AssumeRolePolicyDocument.Statement)
            for (const p of [st.Principal?.Service ?? []].flat()) principals.add(p);
      expect(principals.has('scheduler.amazonaws.com')).toBe(true);
      expect(statement(policy, 'PassTheStacksRolesToTheirServices').Condition).toEqual({
        StringEquals: { 'iam:PassedToService': [...principals].sort() },
      });
    }
  });

  test("stays within IAM's size limit of a managed policy", () => {
    for (const policy of policies)
      expect(JSON.stringify(policy.document).length).toBeLessThanOrEqual(MAX_MANAGED_POLICY_CHARACTERS);
  });

  test("without a boundary, still only on the stacks' roles, with no boundary condition", () => {
    const [policy] = executionPolicies({ appName: 'orders', stacks });
    expect(statement(policy, 'CreateTheStacksRolesWithinTheBoundary')).toBeUndefined();
    expect(statement(policy, 'CreateTheStacksRoles').Condition).toBeUndefined();
    expect(statement(policy, 'KeepTheBoundary')).toBeUndefined();
  });

  test('names every resource type it does not know, and the fix', () => {
    const odd: DeployedStack = {
      stackName: 'Dev-Functions-Odd',
      account: '222222222222',
      region: 'eu-west-1',
      template: { Resources: { A: { Type: 'AWS::Glue::Job' }, B: { Type: 'AWS::Batch::JobQueue' } } },
    };
    expect(() => executionPolicies({ appName: 'orders', stacks: [...stacks, odd] })).toThrow(ExecutionPolicyError);
    expect(() => executionPolicies({ appName: 'orders', stacks: [odd] })).toThrow(
      /AWS::Batch::JobQueue, AWS::Glue::Job\. Fix: add each service to SERVICE_PREFIXES in lib\/policy\/execution-policy\.ts/,
    );
  });
});

describe('the bootstrap command', () => {
  const arn = 'arn:aws:iam::222222222222:policy/orders-cdk-execution';
  test("uses CDK's example boundary by its flag, and any other by name", () => {
    expect(bootstrapCommand('222222222222', 'eu-west-1', '111111111111', arn, BOUNDARY)).toBe(
      'npx cdk bootstrap aws://222222222222/eu-west-1 --profile <profile of 222222222222> \\\n' +
        '    --trust 111111111111 \\\n' +
        `    --cloudformation-execution-policies ${arn} \\\n` +
        '    --example-permissions-boundary',
    );
    expect(bootstrapCommand('222222222222', 'eu-west-1', '111111111111', arn, 'team-boundary')).toMatch(
      / \\\n {4}--custom-permissions-boundary 'team-boundary'$/,
    );
    expect(bootstrapCommand('222222222222', 'eu-west-1', '111111111111', arn, undefined)).not.toContain('boundary');
  });

  test('fills in the placeholders of a custom boundary for each account and region: the CLI takes plain IAM names', () => {
    const boundary = 'team-${Qualifier}-${AWS::Partition}-${AWS::AccountId}-${AWS::Region}';
    const command = bootstrapCommand('222222222222', 'us-east-1', '111111111111', arn, boundary);
    expect(command).toMatch(/ \\\n {4}--custom-permissions-boundary 'team-hnb659fds-aws-222222222222-us-east-1'$/);
    // The CLI's own check of the name (validatePolicyName): letters, digits and +/=,.@_- only.
    expect(command.split("'")[1]).toMatch(/^[\w+/=,.@-]+$/);
  });
});
