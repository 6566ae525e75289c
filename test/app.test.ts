import { Match, Template } from 'aws-cdk-lib/assertions';
import { layerFingerprintVariable, layerVersionParameterName } from '../lib/config/naming';
import { baseConfig, expectNoExportsOrImports, synthApp } from './helpers';

const { created, assembly } = synthApp();
const config = baseConfig();
const layerNames = Object.keys(config.layers);
const environments: { name: string; account: string; region: string }[] = config.environments;

describe('the synthesized app', () => {
  test('writes the pipeline stack and every stage of every environment', () => {
    expect(assembly.stacks.map((s) => s.stackName)).toEqual(['PipelineStack']);
    const stages = assembly.nestedAssemblies.map((a) => a.id);
    for (const env of ['Dev', 'Prod']) {
      expect(stages).toContain(`assembly-PipelineStack-${env}-Layers`);
      expect(stages).toContain(`assembly-PipelineStack-${env}-Functions-Orders`);
      expect(stages).toContain(`assembly-PipelineStack-${env}-Functions-Reports`);
    }
  });

  test('has no export and no Fn::ImportValue anywhere in the assembly', () => {
    expectNoExportsOrImports(assembly);
  });
});

describe.each(environments.map((e, i) => [e.name, i] as const))('environment %s', (envName, index) => {
  const env = created.pipelineStack.environments[index];
  const layersTemplate = Template.fromStack(env.layerStage.layersStack);
  const functionTemplates = env.functionStages.flatMap((s) =>
    s.functionStacks.map((stack) => ({ stack, template: Template.fromStack(stack) })),
  );

  test('deploys into its own account and region', () => {
    expect(env.layerStage.layersStack.account).toBe(environments[index].account);
    for (const { stack } of functionTemplates) {
      expect([stack.account, stack.region]).toEqual([environments[index].account, environments[index].region]);
    }
  });

  test('publishes one retained LayerVersion per layer', () => {
    layersTemplate.resourceCountIs('AWS::Lambda::LayerVersion', layerNames.length);
    const versions = layersTemplate.findResources('AWS::Lambda::LayerVersion');
    for (const resource of Object.values(versions)) {
      expect(resource.DeletionPolicy).toBe('Retain');
      expect(resource.UpdateReplacePolicy).toBe('Retain');
    }
    for (const name of layerNames) {
      layersTemplate.hasResourceProperties('AWS::Lambda::LayerVersion', {
        LayerName: `${config.appName}-${envName}-${name}`,
        CompatibleRuntimes: config.layers[name].runtimes,
        CompatibleArchitectures: config.layers[name].architectures,
        Description: Match.stringLikeRegexp(`\\[fingerprint ${fingerprintOf(name)}\\]$`),
      });
    }
  });

  test('writes each layer ARN and version number to its SSM parameters, named by the contract', () => {
    layersTemplate.resourceCountIs('AWS::SSM::Parameter', 2 * layerNames.length);
    const versions = layersTemplate.findResources('AWS::Lambda::LayerVersion');
    for (const name of layerNames) {
      const [logicalId] = Object.entries(versions).find(([, r]) => r.Properties.LayerName.endsWith(`-${name}`))!;
      layersTemplate.hasResourceProperties('AWS::SSM::Parameter', {
        Name: `/${config.appName}/${envName}/layers/${name}/arn`,
        Type: 'String',
        Value: { Ref: logicalId },
      });
      layersTemplate.hasResourceProperties('AWS::SSM::Parameter', {
        Name: `/${config.appName}/${envName}/layers/${name}/version`,
        Type: 'String',
        Value: { 'Fn::Select': [7, { 'Fn::Split': [':', { Ref: logicalId }] }] },
      });
    }
  });

  test("function stacks attach their environment's own layers, in their account, at the version SSM names", () => {
    expect(functionTemplates.map((f) => f.stack.node.id).sort()).toEqual(['Orders', 'Reports']);
    for (const { template } of functionTemplates) {
      const parameters = template.toJSON().Parameters;
      const functions = template.findResources('AWS::Lambda::Function');
      expect(Object.keys(functions).length).toBeGreaterThan(0);
      for (const fn of Object.values(functions)) {
        const fnName = Object.entries(config.functions).find(
          ([, f]: [string, any]) => f.description === fn.Properties.Description,
        )![0];
        const expected: string[] = config.functions[fnName].layers;
        expect(fn.Properties.Layers).toHaveLength(expected.length);
        fn.Properties.Layers.forEach((arn: any, i: number) => {
          // Only the version number comes from SSM: account, region and the layer's name are the stack's own.
          const [prefix, version] = arn['Fn::Join'][1];
          expect(prefix).toBe(
            `arn:aws:lambda:${environments[index].region}:${environments[index].account}:layer:${config.appName}-${envName}-${expected[i]}:`,
          );
          expect(parameters[version.Ref]).toEqual({
            Type: 'AWS::SSM::Parameter::Value<String>',
            Default: layerVersionParameterName(config.appName, envName, expected[i]),
          });
          expect(fn.Properties.Environment.Variables[layerFingerprintVariable(expected[i])]).toBe(
            fingerprintOf(expected[i]),
          );
        });
      }
    }
  });

  test('every function uses the shared layer, and one uses both', () => {
    const all = functionTemplates.flatMap(({ template }) =>
      Object.values(template.findResources('AWS::Lambda::Function')),
    );
    expect(all.every((fn) => fn.Properties.Environment.Variables.LAYER_FINGERPRINT_COMMON)).toBe(true);
    expect(all.filter((fn) => fn.Properties.Layers.length === 2)).toHaveLength(1);
  });

  test('functions get production defaults: memory, timeout, runtime, their own log group with retention', () => {
    for (const { template } of functionTemplates) {
      for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
        expect(fn.Properties.MemorySize).toBeGreaterThanOrEqual(128);
        expect(fn.Properties.Timeout).toBeGreaterThan(0);
        expect(fn.Properties.Runtime).toBe('python3.13');
        expect(fn.Properties.Architectures).toEqual(['arm64']);
        expect(fn.Properties.LoggingConfig.LogGroup.Ref).toBeDefined();
      }
      template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
    }
  });

  test('function roles hold no wildcard action or resource and no managed policy', () => {
    for (const { template } of functionTemplates) {
      const lambdaRoles = template.findResources('AWS::IAM::Role', {
        Properties: {
          AssumeRolePolicyDocument: {
            Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
          },
        },
      });
      const roleIds = Object.keys(lambdaRoles);
      expect(roleIds.length).toBeGreaterThan(0);
      for (const role of Object.values(lambdaRoles)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      const functionPolicies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p: any) =>
        p.Properties.Roles.some((r: any) => roleIds.includes(r.Ref)),
      );
      expect(functionPolicies.length).toBe(roleIds.length);
      for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
        for (const statement of policy.Properties.PolicyDocument.Statement) {
          expect([statement.Action].flat().some((a: string) => a.includes('*'))).toBe(false);
          // Layer ARNs are resolved at deploy: no function reads SSM at run time.
          if (policy.Properties.Roles.some((r: any) => roleIds.includes(r.Ref)))
            expect([statement.Action].flat().filter((a: string) => a.startsWith('ssm:'))).toEqual([]);
          // X-Ray's two write actions take no resource but "*": the only statement that may name it.
          if (!isTracingStatement(statement)) expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"/);
        }
      }
    }
  });

  describe('releases each function through its live alias with CodeDeploy', () => {
    const strategy = config.environments[index].deployment;

    test(`publishes a version behind a "live" alias that only CodeDeploy moves`, () => {
      for (const { stack, template } of functionTemplates) {
        const functions = template.findResources('AWS::Lambda::Function');
        template.resourceCountIs('AWS::Lambda::Alias', Object.keys(functions).length);
        for (const functionId of Object.keys(functions)) {
          const versions = Object.entries(
            template.findResources('AWS::Lambda::Version', { Properties: { FunctionName: { Ref: functionId } } }),
          );
          expect({ stack: stack.node.id, functionId, versions: versions.length }).toEqual({
            stack: stack.node.id,
            functionId,
            versions: 1,
          });
          const aliases = Object.values(
            template.findResources('AWS::Lambda::Alias', { Properties: { FunctionName: { Ref: functionId } } }),
          );
          expect(aliases).toHaveLength(1);
          expect(aliases[0].Properties).toMatchObject({
            Name: 'live',
            FunctionVersion: { 'Fn::GetAtt': [versions[0][0], 'Version'] },
          });
          expect(aliases[0].UpdatePolicy.CodeDeployLambdaAliasUpdate).toBeDefined();
        }
      }
    });

    test(`shifts traffic by the environment's strategy, and rolls back on failure, stop or alarm`, () => {
      for (const { template } of functionTemplates) {
        const groups = Object.values(template.findResources('AWS::CodeDeploy::DeploymentGroup'));
        expect(groups).toHaveLength(Object.keys(template.findResources('AWS::Lambda::Function')).length);
        for (const group of groups) {
          expect(group.Properties.DeploymentConfigName).toBe(`CodeDeployDefault.Lambda${strategy}`);
          expect(group.Properties.DeploymentStyle).toEqual({
            DeploymentType: 'BLUE_GREEN',
            DeploymentOption: 'WITH_TRAFFIC_CONTROL',
          });
          expect(group.Properties.AutoRollbackConfiguration.Enabled).toBe(true);
          expect(group.Properties.AutoRollbackConfiguration.Events).toEqual(
            expect.arrayContaining(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST']),
          );
          expect(group.Properties.AlarmConfiguration.Enabled).toBe(true);
          const alarmIds = group.Properties.AlarmConfiguration.Alarms.map((a: any) => a.Name.Ref);
          const metrics = alarmIds.map((id: string) => template.toJSON().Resources[id].Properties.MetricName).sort();
          expect(metrics).toEqual(['Errors', 'Throttles']);
        }
      }
    });

    test("alarms on the new version's own calls through the live alias, at the first error or throttle in a minute", () => {
      for (const { template } of functionTemplates) {
        const versions = template.findResources('AWS::Lambda::Version');
        for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
          const executed = alarm.Properties.Dimensions.find((d: any) => d.Name === 'ExecutedVersion');
          const [versionId] = executed.Value['Fn::GetAtt'];
          expect(executed.Value).toEqual({ 'Fn::GetAtt': [versionId, 'Version'] });
          expect(Object.keys(versions)).toContain(versionId);
          expect(alarm.Properties.Dimensions.map((d: any) => d.Name).sort()).toEqual([
            'ExecutedVersion',
            'FunctionName',
            'Resource',
          ]);
          expect(alarm.Properties).toMatchObject({
            Namespace: 'AWS/Lambda',
            Statistic: 'Sum',
            Period: 60,
            Threshold: 1,
            EvaluationPeriods: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            TreatMissingData: 'notBreaching',
          });
          const resource = alarm.Properties.Dimensions.find((d: any) => d.Name === 'Resource');
          expect(JSON.stringify(resource.Value)).toContain(':live');
        }
      }
    });
  });

  test('publishes function versions that are not retained, as the README says: the alias names the current one', () => {
    for (const { template } of functionTemplates) {
      for (const [id, version] of Object.entries(template.findResources('AWS::Lambda::Version'))) {
        expect({ id, DeletionPolicy: version.DeletionPolicy }).toEqual({ id, DeletionPolicy: undefined });
      }
    }
  });

  test("gives the pipeline's smoke test a role per function stack: invoke and read its live aliases, read its layers' parameters", () => {
    for (const { stack, template } of functionTemplates) {
      const roles = template.findResources('AWS::IAM::Role', {
        Properties: { RoleName: `${config.appName}-${envName}-${stack.configName}-smoke` },
      });
      expect(Object.keys(roles)).toHaveLength(1);
      const [roleId, role] = Object.entries(roles)[0];
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        expect.objectContaining({
          Action: 'sts:AssumeRole',
          Principal: { AWS: expect.stringMatching(/^arn:.*:iam::111111111111:root$/) },
          // Only the environment's smoke-test runner, not every principal of the pipeline account.
          Condition: {
            ArnEquals: {
              'aws:PrincipalArn': {
                'Fn::Join': [
                  '',
                  ['arn:', { Ref: 'AWS::Partition' }, `:iam::111111111111:role/orders-${envName}-smoke-runner`],
                ],
              },
            },
          },
        }),
      ]);
      const statements = Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
        .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
      const aliasIds = Object.keys(template.findResources('AWS::Lambda::Alias')).sort();
      const used = [...new Map([...stack.functionLayers.values()].flat().map((l) => [l.name, l])).values()];
      const parameters = used.map((l) => l.parameterName).sort();
      expect(statements.map((st: any) => ({ ...st, Resource: [st.Resource].flat() }))).toEqual([
        {
          Effect: 'Allow',
          Action: 'cloudformation:DescribeStacks',
          Resource: [
            `arn:aws:cloudformation:${environments[index].region}:${environments[index].account}:stack/${stack.stackName}/*`,
          ],
        },
        {
          Effect: 'Allow',
          Action: ['lambda:GetFunctionConfiguration', 'lambda:InvokeFunction'],
          Resource: aliasIds.map((id) => ({ Ref: id })),
        },
        {
          Effect: 'Allow',
          Action: 'ssm:GetParameter',
          Resource: parameters.map(
            (p) => `arn:aws:ssm:${environments[index].region}:${environments[index].account}:parameter${p}`,
          ),
        },
        {
          // The versions of its own layers, to read their descriptions (the fingerprint).
          Effect: 'Allow',
          Action: 'lambda:GetLayerVersion',
          Resource: used.map(
            (l) => `arn:aws:lambda:${environments[index].region}:${environments[index].account}:layer:${l.layerName}:*`,
          ),
        },
        // The routes that need a signature, each on its own: the smoke test calls them once.
        ...signedRoutes(stack.configName).map((routes) => ({
          Effect: 'Allow',
          Action: 'execute-api:Invoke',
          Resource: routes.map(({ method, path }) => ({
            'Fn::Join': [
              '',
              [
                `arn:aws:execute-api:${environments[index].region}:${environments[index].account}:`,
                { Ref: template.getResourceId('AWS::ApiGatewayV2::Api') },
                `/*/${method}${path.replace(/\{[^}]+\}/g, '*')}`,
              ],
            ],
          })),
        })),
      ]);
    }
  });

  test('function stages deploy after, and are built from, the layer stage of the same environment', () => {
    for (const stage of env.functionStages) {
      expect(stage.layerStage).toBe(env.layerStage);
    }
  });

  function fingerprintOf(layer: string): string {
    return created.pipelineStack.environments[index].layerStage.references.find((r) => r.name === layer)!.fingerprint;
  }
});

/** The fixture's routes with IAM authorization in a stack, sorted as IAM sorts them; none: no statement. */
function signedRoutes(stack: string): { method: string; path: string }[][] {
  const routes = Object.values<any>(baseConfig().functions)
    .filter((f) => f.stack === stack)
    .flatMap((f) => f.http ?? [])
    .filter((r: any) => r.authorization === 'iam')
    .map((r: any) => {
      const [method, path] = r.route.split(' ');
      return { method, path };
    })
    .sort((a: any, b: any) => `${a.method}${a.path}`.localeCompare(`${b.method}${b.path}`));
  return routes.length > 0 ? [routes] : [];
}

/** The statement active tracing adds to a function's role: X-Ray's write actions on "*", and nothing else. */
function isTracingStatement(statement: any): boolean {
  const actions = [statement.Action].flat().sort();
  return (
    statement.Resource === '*' && JSON.stringify(actions) === '["xray:PutTelemetryRecords","xray:PutTraceSegments"]'
  );
}

describe("a function's layers", () => {
  /** The layer names a function's template attaches, in order, and its published version's logical id. */
  const attachedOf = (layers: string[]) => {
    const { created } = synthApp({ config: (c) => (c.functions['price-order'].layers = layers) });
    const stack = created.pipelineStack.environments[0].functionStages
      .flatMap((stage) => stage.functionStacks)
      .find((s) => s.functions.has('price-order'))!;
    const template = Template.fromStack(stack).toJSON();
    const fn = stack.functions.get('price-order')!;
    const resource = template.Resources[stack.getLogicalId(fn.function.node.defaultChild as any)];
    const names = resource.Properties.Layers.map(
      (arn: any) => /layer:[a-z]+-[a-z]+-([a-z-]+):$/.exec(arn['Fn::Join'][1][0])![1],
    );
    const versions = Object.keys(template.Resources).filter(
      (id) => template.Resources[id].Type === 'AWS::Lambda::Version',
    );
    return { names, versions };
  };

  test('are attached in the order the configuration lists them, not sorted (Lambda applies a later one over an earlier one)', () => {
    const reversed = attachedOf(['domain', 'common']);
    expect(reversed.names).toEqual(['domain', 'common']);
    const listed = attachedOf(['common', 'domain']);
    expect(listed.names).toEqual(['common', 'domain']);
    // A new order is a new release: the function's version moves with it.
    expect(reversed.versions).not.toEqual(listed.versions);
  });
});
