/**
 * Services, not bare functions: what calls a function (HTTP routes, a schedule, a queue), how it runs in production
 * (tracing, JSON logs, on-failure queue, reserved concurrency), and the resources a stack's service module adds, in
 * the templates of the fixture project (whose `cdk.json` configures them, and whose `lib/services` is the tests' own).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { createApp, createSandboxApp } from '../bin/main';
import { CONFIG_CONTEXT_KEY } from '../lib/config/app-config';
import type { FunctionStack } from '../lib/constructs/function-stack';
import { HTTP_API_THROTTLE } from '../lib/constructs/http-api';
import { SANDBOX_CONTEXT_KEY } from '../lib/stages/sandbox-stage';
import { smokeTestSpec } from '../lib/local/smoke-test-spec';
import { SERVICES as FIXTURE_SERVICES } from './fixtures/project/lib/services';
import { baseConfig, buildApp, cdkJsonContext, configErrorOf, copyProject, FIXTURE_ROOT } from './helpers';

const config = baseConfig();
const { pipelineStack } = buildApp();
const dev = pipelineStack.environments[0];
const stacks = new Map(dev.functionStages.flatMap((s) => s.functionStacks).map((s) => [s.configName, s]));
const orders = stacks.get('orders')!;
const reports = stacks.get('reports')!;
const ordersTemplate = Template.fromStack(orders);
const reportsTemplate = Template.fromStack(reports);
const ordersJson = ordersTemplate.toJSON();
const reportsJson = reportsTemplate.toJSON();

/** The logical id of a function's `live` alias, or of the function itself. */
function aliasId(stack: FunctionStack, fn: string): string {
  return stack.getLogicalId(stack.releases.get(fn)!.alias.node.defaultChild as any);
}
function functionId(stack: FunctionStack, fn: string): string {
  return stack.getLogicalId(stack.functions.get(fn)!.function.node.defaultChild as any);
}
function roleId(stack: FunctionStack, fn: string): string {
  return stack.getLogicalId(stack.functions.get(fn)!.role.node.defaultChild as any);
}
/** Every statement of the policies attached to a role. */
function statementsOf(template: any, role: string): any[] {
  return Object.values<any>(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === role))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('HTTP routes', () => {
  test('one HTTP API per stack with a route, none in a stack without', () => {
    ordersTemplate.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    // Named by app, environment and stack: never by a wave, never the same as another stack's or sandbox's.
    ordersTemplate.hasResourceProperties('AWS::ApiGatewayV2::Api', { Name: 'orders-dev-orders', ProtocolType: 'HTTP' });
    reportsTemplate.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    expect(reports.httpApi).toBeUndefined();
  });

  test('routes each configured METHOD /path to the live alias of its function, with the authorization it names', () => {
    const expected = Object.entries<any>(config.functions)
      .filter(([, f]) => f.stack === 'orders')
      .flatMap(([name, f]) => f.http.map((r: any) => ({ name, ...r })));
    expect(expected).toHaveLength(3);
    ordersTemplate.resourceCountIs('AWS::ApiGatewayV2::Route', expected.length);
    for (const { name, route, authorization } of expected) {
      const routes = ordersTemplate.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: route } });
      expect(Object.keys(routes)).toHaveLength(1);
      const props = Object.values<any>(routes)[0].Properties;
      expect(props.AuthorizationType).toBe(authorization === 'iam' ? 'AWS_IAM' : 'NONE');
      const integrationId = props.Target['Fn::Join'][1][1].Ref;
      expect(ordersJson.Resources[integrationId].Properties).toEqual({
        ApiId: { Ref: ordersTemplate.getResourceId('AWS::ApiGatewayV2::Api') },
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: { Ref: aliasId(orders, name) },
        PayloadFormatVersion: '2.0',
      });
    }
  });

  test('lets API Gateway invoke each live alias from its own route only: never the function, never $LATEST', () => {
    const permissions = Object.values<any>(ordersTemplate.findResources('AWS::Lambda::Permission'));
    const sources = permissions.map((p) => ({
      functionName: p.Properties.FunctionName,
      principal: p.Properties.Principal,
      route: p.Properties.SourceArn['Fn::Join'][1][2],
    }));
    expect(sources.sort((a, b) => a.route.localeCompare(b.route))).toEqual(
      [
        ['/*/GET/health', 'health-check'],
        ['/*/GET/orders/*', 'price-order'],
        ['/*/POST/orders', 'price-order'],
      ].map(([route, fn]) => ({
        functionName: { Ref: aliasId(orders, fn) },
        principal: 'apigateway.amazonaws.com',
        route,
      })),
    );
  });

  test('deploys one auto-deployed $default stage, throttled, with JSON access logs in a log group with retention', () => {
    ordersTemplate.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    const stage = Object.values<any>(ordersTemplate.findResources('AWS::ApiGatewayV2::Stage'))[0].Properties;
    expect(stage).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: HTTP_API_THROTTLE.rateLimit,
        ThrottlingBurstLimit: HTTP_API_THROTTLE.burstLimit,
      },
    });
    const format = JSON.parse(stage.AccessLogSettings.Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    const [logGroupId] = stage.AccessLogSettings.DestinationArn['Fn::GetAtt'];
    expect(ordersJson.Resources[logGroupId]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Retain',
    });
  });

  test("publishes the API's base URL as a stack output, without an export", () => {
    expect(ordersJson.Outputs.HttpApiUrl).toEqual({
      Description: 'Base URL of the orders HTTP API',
      Value: {
        'Fn::Join': [
          '',
          [
            'https://',
            { Ref: ordersTemplate.getResourceId('AWS::ApiGatewayV2::Api') },
            '.execute-api.eu-west-1.',
            { Ref: 'AWS::URLSuffix' },
            '/',
          ],
        ],
      },
    });
  });
});

describe("the smoke test's view of the routes", () => {
  test('its spec lists each route of a stack with the output of the API URL; a stack without routes has none', () => {
    const spec = smokeTestSpec(dev.environment, [orders, reports]);
    expect(spec.targets[0].api).toEqual({
      output: 'HttpApiUrl',
      routes: [
        { function: 'price-order', method: 'POST', path: '/orders', authorization: 'iam' },
        { function: 'price-order', method: 'GET', path: '/orders/{id}', authorization: 'iam' },
        { function: 'health-check', method: 'GET', path: '/health', authorization: 'none' },
      ],
    });
    expect(ordersJson.Outputs[spec.targets[0].api!.output]).toBeDefined();
    expect(spec.targets[1].api).toBeUndefined();
  });
});

describe('the schedule', () => {
  const schedules = Object.values<any>(reportsTemplate.findResources('AWS::Scheduler::Schedule'));

  test('invokes the live alias by the configured expression and time zone, with the scheduled time as its event', () => {
    expect(schedules).toHaveLength(1);
    expect(schedules[0].Properties).toMatchObject({
      ScheduleExpression: config.functions['daily-report'].schedule.expression,
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'ENABLED',
      Target: {
        Arn: { Ref: aliasId(reports, 'daily-report') },
        Input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      },
    });
    ordersTemplate.resourceCountIs('AWS::Scheduler::Schedule', 0);
  });

  test('sends what Lambda never accepted to an encrypted, TLS-only dead-letter queue', () => {
    const [queueId] = schedules[0].Properties.Target.DeadLetterConfig.Arn['Fn::GetAtt'];
    expect(reportsJson.Resources[queueId].Properties).toEqual({
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
    expectTlsOnly(reportsJson, queueId);
  });

  test('its role may invoke the live alias and write to its dead-letter queue, and nothing else', () => {
    const [roleArn] = schedules[0].Properties.Target.RoleArn['Fn::GetAtt'];
    const role = reportsJson.Resources[roleArn];
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({
      Service: 'scheduler.amazonaws.com',
    });
    const [queueId] = schedules[0].Properties.Target.DeadLetterConfig.Arn['Fn::GetAtt'];
    expect(statementsOf(reportsJson, roleArn)).toEqual([
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { Ref: aliasId(reports, 'daily-report') } },
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [queueId, 'Arn'] } },
    ]);
  });
});

describe('the queue', () => {
  const mappings = Object.values<any>(reportsTemplate.findResources('AWS::Lambda::EventSourceMapping'));
  const [queueId] = mappings[0].Properties.EventSourceArn['Fn::GetAtt'];
  const queue = reportsJson.Resources[queueId];

  test("feeds the live alias in batches of the configured size, and takes back each batch's failed messages only", () => {
    expect(mappings).toHaveLength(1);
    expect(mappings[0].Properties).toEqual({
      // `<function name>:live`: the alias, qualified.
      FunctionName: {
        'Fn::Join': [
          '',
          [{ 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: aliasId(reports, 'daily-report') }] }] }, ':live'],
        ],
      },
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: config.functions['daily-report'].queue.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test("is encrypted and TLS-only, hides a message six times the function's timeout, and redrives to its own DLQ", () => {
    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * config.functions['daily-report'].timeoutSeconds,
      RedrivePolicy: { maxReceiveCount: 3, deadLetterTargetArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } },
    });
    const dlqId = queue.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
    expect(reportsJson.Resources[dlqId].Properties).toEqual({
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
    expectTlsOnly(reportsJson, queueId);
    expectTlsOnly(reportsJson, dlqId);
  });

  test('the function may receive from its queue, and the service module sees the queue', () => {
    const statement = statementsOf(reportsJson, roleId(reports, 'daily-report')).find((s) =>
      [s.Action].flat().includes('sqs:ReceiveMessage'),
    );
    expect(statement.Resource).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
    expect(reports.triggers.get('daily-report')!.queue!.queue.node.defaultChild).toBeDefined();
  });
});

describe('production defaults of the functions', () => {
  const functions = [
    ...['price-order', 'health-check'].map((name) => ({ name, stack: orders, json: ordersJson })),
    { name: 'daily-report', stack: reports, json: reportsJson },
  ];

  test.each(functions.map((f) => [f.name, f] as const))(
    '%s: X-Ray tracing unless turned off, JSON logs at its level',
    (name, f) => {
      const props = f.json.Resources[functionId(f.stack, name)].Properties;
      const settings = config.functions[name];
      expect(props.TracingConfig).toEqual(settings.tracing === false ? undefined : { Mode: 'Active' });
      expect(props.LoggingConfig).toMatchObject({
        LogFormat: 'JSON',
        ApplicationLogLevel: settings.logLevel ?? 'INFO',
        SystemLogLevel: 'INFO',
      });
      expect(props.ReservedConcurrentExecutions).toBe(settings.reservedConcurrency);
    },
  );

  test('a scheduled function keeps its failed asynchronous calls in an on-failure queue, set on the live alias', () => {
    const configs = Object.values<any>(reportsTemplate.findResources('AWS::Lambda::EventInvokeConfig'));
    expect(configs).toHaveLength(1);
    const [queueId] = configs[0].Properties.DestinationConfig.OnFailure.Destination['Fn::GetAtt'];
    expect(configs[0].Properties).toMatchObject({
      FunctionName: { Ref: functionId(reports, 'daily-report') },
      Qualifier: { 'Fn::Select': [7, { 'Fn::Split': [':', { Ref: aliasId(reports, 'daily-report') }] }] },
    });
    expect(reportsJson.Resources[queueId].Properties.SqsManagedSseEnabled).toBe(true);
    expectTlsOnly(reportsJson, queueId);
    // A function without a schedule (or "onFailure": true) has none.
    ordersTemplate.resourceCountIs('AWS::Lambda::EventInvokeConfig', 0);
  });
});

describe("a stack's service module", () => {
  const table = Object.entries<any>(ordersTemplate.findResources('AWS::DynamoDB::Table'));

  test('adds its resources to its own stack only', () => {
    expect(table).toHaveLength(1);
    expect(table[0][1]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
    reportsTemplate.resourceCountIs('AWS::DynamoDB::Table', 0);
  });

  test('grants the one function it names access to its table, on that table, and tells it the name', () => {
    const [tableId] = table[0];
    const mentions = (role: string) =>
      statementsOf(ordersJson, role).filter((s) => JSON.stringify(s.Resource).includes(tableId));
    const granted = mentions(roleId(orders, 'price-order'));
    expect(granted).toHaveLength(1);
    expect([granted[0].Resource].flat()).toEqual([{ 'Fn::GetAtt': [tableId, 'Arn'] }]);
    expect([granted[0].Action].flat().every((a: string) => a.startsWith('dynamodb:') && !a.includes('*'))).toBe(true);
    expect(mentions(roleId(orders, 'health-check'))).toEqual([]);
    const smokeRole = orders.getLogicalId(orders.smokeTestAccess.role.node.defaultChild as any);
    expect(mentions(smokeRole)).toEqual([]);
    const env = ordersJson.Resources[functionId(orders, 'price-order')].Properties.Environment.Variables;
    expect(env.ORDERS_TABLE).toEqual({ Ref: tableId });
    expect(
      ordersJson.Resources[functionId(orders, 'health-check')].Properties.Environment.Variables.ORDERS_TABLE,
    ).toBeUndefined();
  });

  test('in a sandbox, lets its stateful resources go with the stack, like the API access logs', () => {
    const { sandbox } = createSandboxApp({
      context: { ...cdkJsonContext(), [SANDBOX_CONTEXT_KEY]: 'tester' },
      projectRoot: FIXTURE_ROOT,
      services: FIXTURE_SERVICES,
    });
    const template = Template.fromStack(sandbox.functionStacks.find((s) => s.configName === 'orders')!);
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    const stage = Object.values<any>(template.findResources('AWS::ApiGatewayV2::Stage'))[0];
    const [logGroupId] = stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'];
    expect(template.toJSON().Resources[logGroupId].DeletionPolicy).toBe('Delete');
  });

  test('registered for a stack no function is in, fails with the stacks there are, with the other problems', () => {
    const context = cdkJsonContext();
    context[CONFIG_CONTEXT_KEY].functions['health-check'].http[0].route = 'GET health';
    const error = configErrorOf(() =>
      createApp({
        context,
        projectRoot: FIXTURE_ROOT,
        services: { ...FIXTURE_SERVICES, billing: () => undefined },
      }),
    );
    expect(error.problems.map((p) => p.setting)).toEqual([
      'config.functions.health-check.http[0].route',
      'lib/services/index.ts: SERVICES["billing"]',
    ]);
    expect(error.message).toContain(
      'lib/services/index.ts: SERVICES["billing"] is a service module for the stack "billing", which no function of ' +
        'config.functions is in. Fix: register it under one of the stacks "orders", "reports", give a function ' +
        '"stack": "billing", or remove the entry.',
    );
  });

  test('asking for a function its stack does not have fails naming the function and those it has', () => {
    const error = configErrorOf(() =>
      createApp({
        context: cdkJsonContext(),
        projectRoot: FIXTURE_ROOT,
        services: {
          reports: (ctx) => {
            new s3.Bucket(ctx.scope, 'Reports').grantWrite(ctx.function('price-order').role);
          },
        },
      }),
    );
    expect(error.message).toBe(
      'A service module has 1 problem:\n' +
        '  - the service module of stack "reports" (lib/services/index.ts) = "price-order" asks for a function the ' +
        'stack "reports" does not have. Fix: use one of "daily-report", or give the function "stack": "reports" in ' +
        'config.functions.',
    );
  });
});

describe("a project's own service modules", () => {
  /** The Orders stack of the dev stage of an app built with no `services` option, as cdk synth builds it. */
  const ordersStack = (projectRoot: string) =>
    createApp({ context: cdkJsonContext(), projectRoot })
      .pipelineStack.environments[0].functionStages.flatMap((stage) => stage.functionStacks)
      .find((stack) => stack.configName === 'orders')!;

  /** A copy of the fixture whose lib/services/index.ts is `source`. */
  const projectWithRegistry = (source: string) => {
    const root = copyProject();
    fs.writeFileSync(path.join(root, 'lib', 'services', 'index.ts'), source);
    return root;
  };

  test("are those of the project's lib/services/index.ts, never this project's registry", () => {
    // The fixture's orders module makes a table without deletion protection; this project's protects its table.
    const tables = Template.fromStack(ordersStack(FIXTURE_ROOT)).findResources('AWS::DynamoDB::Table');
    expect(Object.values<any>(tables).map((t) => t.Properties.DeletionProtectionEnabled)).toEqual([undefined]);
    const none = ordersStack(projectWithRegistry('export const SERVICES = {};\n'));
    expect(Template.fromStack(none).findResources('AWS::DynamoDB::Table')).toEqual({});
  });

  test('a missing lib/services/index.ts is named, with the fix', () => {
    const root = copyProject();
    fs.rmSync(path.join(root, 'lib', 'services', 'index.ts'));
    expect(configErrorOf(() => ordersStack(root)).message).toBe(
      'The configuration has 1 problem:\n' +
        "  - lib/services/index.ts is missing: it registers the service modules of the project's stacks. Fix: " +
        'restore it, with export const SERVICES: Services = {} where no stack has a service module.',
    );
  });

  test('a lib/services/index.ts that exports no SERVICES registry is named, with the fix', () => {
    const error = configErrorOf(() => ordersStack(projectWithRegistry('export const SERVICE = {};\n')));
    expect(error.message).toContain(
      '  - lib/services/index.ts: SERVICES is not the registry of service modules. Fix: export const ' +
        'SERVICES: Services = { <stack>: <its module function> } from it, as the template does.',
    );
  });

  test('entries that are not service modules are named, all at once', () => {
    const root = projectWithRegistry("export const SERVICES = { orders: 'table', reports: { bucket: true } };\n");
    const error = configErrorOf(() => ordersStack(root));
    expect(error.problems.map((p) => [p.setting, p.value])).toEqual([
      ['lib/services/index.ts: SERVICES["orders"]', 'table'],
      ['lib/services/index.ts: SERVICES["reports"]', { bucket: true }],
    ]);
    expect(error.message).toContain(
      "is not a service module. Fix: register the function that adds the stack's resources, " +
        "(ctx: ServiceContext) => void, as the template's orders does.",
    );
  });
});

/** Expects the queue's policy to deny every request not made over TLS. */
function expectTlsOnly(template: any, queueId: string): void {
  const policies = Object.values<any>(template.Resources).filter(
    (r) => r.Type === 'AWS::SQS::QueuePolicy' && r.Properties.Queues.some((q: any) => q.Ref === queueId),
  );
  expect(policies).toHaveLength(1);
  expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
    expect.objectContaining({
      Effect: 'Deny',
      Action: 'sqs:*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      Principal: { AWS: '*' },
    }),
  ]);
}
