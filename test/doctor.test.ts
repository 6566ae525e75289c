/**
 * `npm run doctor`: the offline checks against this machine and copies of the fixture project, and the AWS checks
 * against the AWS SDK itself, its calls answered by aws-sdk-client-mock.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CloudFormationClient, DescribeStacksCommand, Stack as CfnStack } from '@aws-sdk/client-cloudformation';
import {
  CodeStarConnectionsClient,
  GetConnectionCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-codestar-connections';
import { GetPolicyCommand, GetRoleCommand, IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { aws_s3 as s3 } from 'aws-cdk-lib';
import { mockClient } from 'aws-sdk-client-mock';
import { checkConfig, checkSynth } from '../bin/doctor';
import { createApp } from '../bin/main';
import { loadProjectConfig, PROJECT_ROOT } from '../bin/project';
import { CONFIG_CONTEXT_KEY } from '../lib/config/app-config';
import { layerBuildDir, layerSourceDir } from '../lib/config/project-layout';
import { checkAws } from '../lib/doctor/aws-checks';
import { AccountClients, ClientsFor } from '../lib/doctor/aws-clients';
import { cliBootstrapVersion } from '../lib/doctor/bootstrap-check';
import { Finding } from '../lib/doctor/finding';
import { checkLayers } from '../lib/doctor/layers-check';
import { checkOrphanStacks } from '../lib/doctor/orphan-stacks-check';
import { checkPlaceholders } from '../lib/doctor/placeholders-check';
import { appStacks } from '../lib/doctor/synth-check';
import { checkNode, checkPython } from '../lib/doctor/tools-check';
import { sourceFingerprint } from '../lib/layer-content/layer-fingerprint';
import { MANIFEST_FILE } from '../lib/layer-content/layer-manifest';
import { SBOM_FILE } from '../lib/layer-content/layer-sbom-location';
import { STRICT_LAYERS_CONTEXT_KEY } from '../lib/layer-content/layer-source';
import {
  asCdkSynth,
  baseConfig,
  buildApp,
  cdkJsonContext,
  copyProject,
  copyProjectWithTools,
  FIXTURE_ROOT,
  runEntryPoint,
} from './helpers';

const PIPELINE = '111111111111';
const DEV = '222222222222';
const PROD = '333333333333';
const REGION = 'eu-west-1';
const CONNECTION = 'arn:aws:codeconnections:eu-west-1:111111111111:connection/00000000-0000-0000-0000-000000000000';

const config = loadProjectConfig(FIXTURE_ROOT);

/** The fixture's configuration with every placeholder replaced by a real-looking value. */
function realConfig(): Record<string, any> {
  const c = baseConfig();
  c.pipeline.account = '210987654321';
  c.environments[0].account = '345678901234';
  c.environments[1].account = '456789012345';
  c.pipeline.source.connectionArn =
    'arn:aws:codeconnections:eu-west-1:210987654321:connection/5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
  c.pipeline.source.repository = 'acme-retail/orders-platform';
  c.pipeline.notifications.emails = ['pipeline-team@acme-retail.io'];
  c.environments[1].alarms.notify = ['orders-oncall@acme-retail.io'];
  return c;
}

/** Writes `config` into the `cdk.json` of a copied project, keeping the rest of its context. */
function writeConfig(root: string, c: Record<string, any>): void {
  const file = path.join(root, 'cdk.json');
  const cdkJson = JSON.parse(fs.readFileSync(file, 'utf8'));
  cdkJson.context[CONFIG_CONTEXT_KEY] = c;
  fs.writeFileSync(file, JSON.stringify(cdkJson, null, 2));
}

/** Runs `npm run doctor`'s entry point in a copied project, as the script does. */
function runDoctor(root: string) {
  return runEntryPoint(root, 'bin/doctor.ts');
}

describe('offline', () => {
  test('the fixture configuration parses, summarised', () => {
    const { findings, config: parsed } = checkConfig(FIXTURE_ROOT);
    expect(parsed).toBeDefined();
    expect(findings).toEqual([
      { level: 'ok', check: 'configuration', message: '2 environments in 3 accounts, 2 layers, 3 functions' },
    ]);
  });

  test('a bad configuration fails, one finding per problem, each with its fix', () => {
    const root = copyProject();
    const cdkJson = JSON.parse(fs.readFileSync(path.join(root, 'cdk.json'), 'utf8'));
    cdkJson.context.config.environments[1].account = '33';
    cdkJson.context.config.pipeline.region = 'eu-middle-9';
    fs.writeFileSync(path.join(root, 'cdk.json'), JSON.stringify(cdkJson));

    const { findings, config: parsed } = checkConfig(root);

    expect(parsed).toBeUndefined();
    expect(findings.map((f) => [f.level, f.message])).toEqual([
      ['fail', 'config.pipeline.region = "eu-middle-9" is not a known AWS region'],
      ['fail', 'config.environments[1].account = "33" is not a 12-digit AWS account id'],
    ]);
    for (const finding of findings) expect(finding.fix).toMatch(/\w+ \w+/);
  });

  test('Node.js older than 20 fails; one past its end of life is a warning naming the date and the fix', () => {
    const today = new Date('2026-11-22T12:00:00Z');
    expect(checkNode('22.12.0', today)).toEqual({ level: 'ok', check: 'Node.js', message: 'v22.12.0' });
    expect(checkNode('20.20.2', new Date('2026-04-29T12:00:00Z')).level).toBe('ok');
    expect(checkNode('20.20.2', today)).toEqual({
      level: 'warn',
      check: 'Node.js',
      message:
        'v20.20.2 reached its end of life on 2026-04-30: it still works for development, but gets no security fixes',
      fix: "install Node.js 22, which the pipeline's CodeBuild steps run",
    });
    expect(checkNode('18.19.0', today)).toEqual({
      level: 'fail',
      check: 'Node.js',
      message: 'v18.19.0 is older than 20',
      fix: 'install Node.js 22',
    });
  });

  test('Python and pip: present and recent enough, missing, or too old, each with its fix', () => {
    const machine = (python?: string, pip?: string) => (_: string, args: string[]) =>
      args[0] === '--version' ? python : pip;
    expect(checkPython(machine('Python 3.11.7', 'pip 23.2.1 from /x (python 3.11)')).map((f) => f.level)).toEqual([
      'ok',
      'ok',
    ]);
    expect(checkPython(machine(undefined))).toEqual([
      {
        level: 'fail',
        check: 'Python',
        message: 'python3 does not run',
        fix: 'install Python 3 (python3 on the PATH, or set PYTHON to its path)',
      },
    ]);
    expect(checkPython(machine('Python 3.8.10', 'pip 21.0 from /x'))).toEqual([
      {
        level: 'fail',
        check: 'Python',
        message: 'Python 3.8.10 is older than 3.9',
        fix: 'install Python 3.9 or newer',
      },
      {
        level: 'fail',
        check: 'pip',
        message: 'pip 21.0 is older than 22',
        fix: 'python3 -m pip install --upgrade pip',
      },
    ]);
    expect(checkPython(machine('Python 3.12.1', undefined))[1]).toMatchObject({
      level: 'fail',
      check: 'pip',
      fix: 'python3 -m ensurepip --upgrade',
    });
  });

  test('an unbuilt layer with packages is a warning that names the command that builds it; one without, complete', () => {
    const root = copyProject();
    const findings = checkLayers(config, root);
    expect(findings.map((f) => [f.level, f.check, f.fix])).toEqual([
      ['warn', 'layer common', 'npm run build:layers -- common'],
      ['ok', 'layer domain', undefined],
    ]);
  });

  test("the template's placeholders fail, each naming the setting, the value and the fix", () => {
    const findings = checkPlaceholders(baseConfig());
    expect(findings.map((f) => [f.level, f.check, f.message])).toEqual([
      ['fail', 'placeholder', `config.pipeline.account = "${PIPELINE}" is the template's placeholder account`],
      ['fail', 'placeholder', `config.environments[0].account = "${DEV}" is the template's placeholder account`],
      ['fail', 'placeholder', `config.environments[1].account = "${PROD}" is the template's placeholder account`],
      [
        'fail',
        'placeholder',
        `config.pipeline.source.connectionArn = "${CONNECTION}" has the placeholder account ${PIPELINE} and the ` +
          "placeholder connection id 00000000-0000-0000-0000-000000000000: the template's, no connection of yours",
      ],
      [
        'fail',
        'placeholder',
        'config.pipeline.source.repository = "example-org/python-layers-pipeline" is the template\'s placeholder ' +
          'repository (owner example-org)',
      ],
      [
        'fail',
        'placeholder',
        'config.pipeline.notifications.emails[0] = "pipeline-team@example.com" is a placeholder address ' +
          '(example.com receives no mail)',
      ],
      [
        'fail',
        'placeholder',
        'config.environments[1].alarms.notify[0] = "orders-oncall@example.com" is a placeholder address ' +
          '(example.com receives no mail)',
      ],
    ]);
    expect(findings[6].fix).toBe(
      "put the address that should hear of the prod environment's alarms there, or remove it",
    );
    expect(findings[1].fix).toBe(
      "put the dev environment's 12-digit AWS account id there (aws sts get-caller-identity --profile <a profile of that account>)",
    );
    expect(findings[3].fix).toContain('put its ARN there');
    for (const finding of findings) expect(finding.fix).toMatch(/^put |^create /);
  });

  test('real values are no placeholders; a placeholder is found even where the rest of the configuration is wrong', () => {
    expect(checkPlaceholders(realConfig())).toEqual([]);
    const broken = realConfig();
    broken.environments[1].account = PROD;
    broken.environments[1].region = 'eu-middle-9';
    broken.pipeline.source = { type: 'codecommit', repository: 'example-org/orders', branch: 'main' };
    expect(checkPlaceholders(broken).map((f) => f.message.split(' = ')[0])).toEqual([
      'config.environments[1].account',
      'config.pipeline.source.repository',
    ]);
  });

  test('a configuration that parses but fails synth (strict mode, unbuilt layers) fails, one finding per problem', () => {
    const context = { ...cdkJsonContext(), [STRICT_LAYERS_CONTEXT_KEY]: true };
    const { findings, stacks } = checkSynth(FIXTURE_ROOT, { context });
    expect(stacks).toBeUndefined();
    expect(findings.map((f) => [f.level, f.check, f.message, f.fix])).toEqual(
      ['common', 'domain'].map((layer) => [
        'fail',
        'synth',
        `layer "${layer}" is not built`,
        `run "npm run build:layers -- ${layer}" before synth (strict mode packages built layers only)`,
      ]),
    );
  });

  test('a layer build synth cannot read fails synth although the configuration parses', () => {
    // A build whose manifest matches the layer's source, with its SBOM, but whose python/ is a file: synth throws
    // reading it.
    const root = copyProject();
    const domain = config.layers.find((l) => l.name === 'domain')!;
    const buildDir = layerBuildDir(root, 'domain');
    fs.mkdirSync(buildDir, { recursive: true });
    fs.writeFileSync(path.join(buildDir, 'python'), 'not a folder');
    fs.writeFileSync(path.join(buildDir, SBOM_FILE), '{}');
    fs.writeFileSync(
      path.join(buildDir, MANIFEST_FILE),
      JSON.stringify({
        formatVersion: 1,
        fingerprint: 'f'.repeat(32),
        sourceFingerprint: sourceFingerprint(layerSourceDir(root, 'domain'), domain),
      }),
    );
    expect(checkConfig(root).findings.map((f) => f.level)).toEqual(['ok']);

    const { findings, stacks } = checkSynth(root, { context: cdkJsonContext() });

    expect(stacks).toBeUndefined();
    expect(findings).toEqual([
      expect.objectContaining({
        level: 'fail',
        check: 'synth',
        message: expect.stringMatching(/^npx cdk synth fails: ENOTDIR.*build\/layers\/domain\/python/),
      }),
    ]);
  });

  test('a cdk-nag finding fails synth, and doctor with it, with the report', () => {
    const { findings, stacks } = asCdkSynth(() =>
      checkSynth(FIXTURE_ROOT, {
        context: cdkJsonContext(),
        build: (options) => {
          const created = createApp(options);
          new s3.Bucket(created.pipelineStack, 'Unlogged');
          return created;
        },
      }),
    );
    expect(findings).toEqual([
      expect.objectContaining({ level: 'fail', check: 'synth', message: expect.stringContaining('AwsSolutions-S1') }),
    ]);
    expect(findings[0].fix).toContain('acknowledge that one finding id with a reason');
    expect(stacks?.map((s) => s.stackName)).toContain('PipelineStack');
  });

  test('`npm run doctor` on the fixture fails on its placeholders (exit 1), all else passing', () => {
    const result = runDoctor(copyProjectWithTools());
    expect(result.stdout).toMatch(/^ok +configuration/m);
    expect(result.stdout).toMatch(/^FAIL +placeholder +config\.pipeline\.account = "111111111111"/m);
    expect(result.stdout).toMatch(/^ok +synth +9 stacks synthesized/m);
    expect(result.stdout).toMatch(/^7 failed, \d+ warnings? \(offline; add -- --aws/m);
    expect(result.status).toBe(1);
  }, 100_000);

  test('`npm run doctor` with real values passes (0 failed), the app synthesized as cdk synth does', () => {
    const root = copyProjectWithTools();
    writeConfig(root, realConfig());
    const result = runDoctor(root);
    expect(result.stdout).toMatch(/^ok +configuration/m);
    expect(result.stdout).toMatch(/^ok +synth +9 stacks synthesized as npx cdk synth does, cdk-nag included$/m);
    // ok, or a warning on a Node.js past its end of life: never a failure on a supported one.
    expect(result.stdout).toMatch(/^(ok|WARN) +Node\.js/m);
    expect(result.stdout).not.toMatch(/placeholder/);
    expect(result.stdout).toMatch(/^0 failed, \d+ warnings? \(offline; add -- --aws/m);
    expect(result.status).toBe(0);
  }, 100_000);
});

describe('with AWS', () => {
  const ssm = mockClient(SSMClient);
  const iam = mockClient(IAMClient);
  const connections = mockClient(CodeStarConnectionsClient);
  const cloudFormation = mockClient(CloudFormationClient);
  const clients: AccountClients = {
    ssm: new SSMClient({ region: REGION }),
    iam: new IAMClient({ region: REGION }),
    connections: new CodeStarConnectionsClient({ region: REGION }),
    cloudFormation: new CloudFormationClient({ region: REGION }),
    lambda: new LambdaClient({ region: REGION }),
  };
  const everyAccount: ClientsFor = async () => clients;

  const trustPolicy = (account: string) =>
    encodeURIComponent(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }],
      }),
    );
  const deployRole = (account: string) => `cdk-hnb659fds-deploy-role-${account}-${REGION}`;

  beforeEach(() => {
    for (const mock of [ssm, iam, connections, cloudFormation]) mock.reset();
    ssm.on(GetParameterCommand, { Name: '/cdk-bootstrap/hnb659fds/version' }).resolves({ Parameter: { Value: '33' } });
    cloudFormation.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({
      Stacks: [
        {
          StackName: 'CDKToolkit',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Parameters: [{ ParameterKey: 'CloudFormationExecutionPolicies', ParameterValue: '' }],
        },
      ],
    });
    for (const account of [DEV, PROD]) {
      iam.on(GetRoleCommand, { RoleName: deployRole(account) }).resolves({
        Role: {
          RoleName: deployRole(account),
          Path: '/',
          Arn: `arn:aws:iam::${account}:role/${deployRole(account)}`,
          RoleId: 'AROA',
          CreateDate: new Date(),
          AssumeRolePolicyDocument: trustPolicy(PIPELINE),
        },
      });
    }
    connections
      .on(GetConnectionCommand, { ConnectionArn: CONNECTION })
      .resolves({ Connection: { ConnectionName: 'orders-pipeline', ConnectionStatus: 'AVAILABLE' } });
  });

  const summary = (findings: Finding[]) => findings.map((f) => `${f.level} ${f.check}: ${f.message}`);

  test('all well: every account bootstrapped, the environments trust the pipeline account, the connection is available', async () => {
    expect(summary(await checkAws(config, everyAccount, 33))).toEqual([
      `ok pipeline bootstrap (${PIPELINE}, ${REGION}): bootstrap version 33`,
      `ok pipeline bootstrap can deploy the pipeline (${PIPELINE}, ${REGION}): the execution role is neither restricted to the environments nor bounded`,
      `ok dev bootstrap (${DEV}, ${REGION}): bootstrap version 33`,
      `ok dev trusts the pipeline account: ${deployRole(DEV)} may be assumed from ${PIPELINE}`,
      `ok prod bootstrap (${PROD}, ${REGION}): bootstrap version 33`,
      `ok prod trusts the pipeline account: ${deployRole(PROD)} may be assumed from ${PIPELINE}`,
      'ok connection: orders-pipeline is AVAILABLE',
    ]);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(3);
  });

  test('an account that is not bootstrapped fails, with the bootstrap command that trusts the pipeline account', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    const [, , dev] = await checkAws(config, everyAccount, 33);
    expect(dev).toEqual({
      level: 'fail',
      check: `dev bootstrap (${DEV}, ${REGION})`,
      message: 'not bootstrapped: no CDK bootstrap stack in this account and region',
      fix: `npx cdk bootstrap aws://${DEV}/${REGION} --profile <dev> --trust ${PIPELINE} --cloudformation-execution-policies <policy ARN> (npm run bootstrap-policy prints it in full)`,
    });
  });

  describe("the pipeline's own bootstrap", () => {
    const toolkit = (parameters: Record<string, string>) => ({
      Stacks: [
        {
          StackName: 'CDKToolkit',
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE' as const,
          Parameters: Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({
            ParameterKey,
            ParameterValue,
          })),
        },
      ],
    });
    const pipelineFinding = async () =>
      (await checkAws(config, everyAccount, 33)).find((f) => f.check.startsWith('pipeline bootstrap can deploy'));

    test("bootstrapped with the environments' restricted policy and boundary (what bootstrap-policy prints for an environment), fails with the fix", async () => {
      cloudFormation.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves(
        toolkit({
          CloudFormationExecutionPolicies: `arn:aws:iam::${PIPELINE}:policy/orders-cdk-execution`,
          InputPermissionsBoundary: 'cdk-hnb659fds-permissions-boundary',
          TrustedAccounts: '',
        }),
      );
      const finding = await pipelineFinding();
      expect(finding).toMatchObject({
        level: 'fail',
        message:
          `its execution role has the environments' restricted policy arn:aws:iam::${PIPELINE}:policy/orders-cdk-execution; ` +
          "its execution role is bounded by cdk-hnb659fds-permissions-boundary, which refuses to create the pipeline's roles: " +
          'cdk deploy PipelineStack and every self-mutation would fail',
      });
      expect(finding!.fix).toContain(
        `npx cdk bootstrap aws://${PIPELINE}/${REGION} --profile <pipeline> --cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess`,
      );
    });

    test('bootstrapped as an administrator, passes; not bootstrapped yet, leaves it to the bootstrap check', async () => {
      cloudFormation
        .on(DescribeStacksCommand, { StackName: 'CDKToolkit' })
        .resolves(toolkit({ CloudFormationExecutionPolicies: '', InputPermissionsBoundary: '' }));
      expect(await pipelineFinding()).toMatchObject({ level: 'ok' });
      const missing = new Error('Stack with id CDKToolkit does not exist');
      missing.name = 'ValidationError';
      cloudFormation.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).rejects(missing);
      expect(await pipelineFinding()).toMatchObject({
        level: 'ok',
        message: expect.stringContaining('not bootstrapped yet'),
      });
    });
  });

  test('a bootstrap older than the templates need fails; older than the CLI bootstraps, a warning', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '5' } });
    expect((await checkAws(config, everyAccount, 33))[0]).toMatchObject({
      level: 'fail',
      message: 'bootstrap version 5 is older than 6, which the templates require',
    });
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '21' } });
    expect((await checkAws(config, everyAccount, 33))[0]).toMatchObject({
      level: 'warn',
      message: "bootstrap version 21; the project's CDK CLI bootstraps version 33",
    });
  });

  test('an environment that does not trust the pipeline account fails', async () => {
    iam.on(GetRoleCommand, { RoleName: deployRole(PROD) }).resolves({
      Role: {
        RoleName: deployRole(PROD),
        Path: '/',
        Arn: 'arn',
        RoleId: 'AROA',
        CreateDate: new Date(),
        AssumeRolePolicyDocument: trustPolicy(PROD),
      },
    });
    const trust = (await checkAws(config, everyAccount, 33)).find(
      (f) => f.check === 'prod trusts the pipeline account',
    );
    expect(trust).toMatchObject({ level: 'fail', message: `${deployRole(PROD)} does not trust account ${PIPELINE}` });
    expect(trust!.fix).toContain(`--trust ${PIPELINE}`);
  });

  test('an environment without the deploy role fails as not bootstrapped for deploys', async () => {
    iam
      .on(GetRoleCommand, { RoleName: deployRole(DEV) })
      .rejects(new NoSuchEntityException({ message: 'no role', $metadata: {} }));
    const trust = (await checkAws(config, everyAccount, 33)).find((f) => f.check === 'dev trusts the pipeline account');
    expect(trust).toMatchObject({
      level: 'fail',
      message: `no ${deployRole(DEV)}: the account is not bootstrapped for deploys`,
    });
  });

  describe('config.permissionsBoundary', () => {
    const bounded = (boundary: string) => ({ ...config, permissionsBoundary: boundary });
    const boundaryFindings = (findings: Finding[]) => findings.filter((f) => f.check.includes('permissions boundary'));

    test('exists in each environment account: checked once per account, by the name the CLI creates', async () => {
      iam.on(GetPolicyCommand).resolves({ Policy: { PolicyName: 'cdk-hnb659fds-permissions-boundary' } });
      const findings = await checkAws(bounded('cdk-${Qualifier}-permissions-boundary'), everyAccount, 33);
      expect(summary(boundaryFindings(findings))).toEqual([
        `ok dev permissions boundary (${DEV}): cdk-hnb659fds-permissions-boundary exists`,
        `ok prod permissions boundary (${PROD}): cdk-hnb659fds-permissions-boundary exists`,
      ]);
      expect(iam.commandCalls(GetPolicyCommand).map((c) => c.args[0].input.PolicyArn)).toEqual([
        `arn:aws:iam::${DEV}:policy/cdk-hnb659fds-permissions-boundary`,
        `arn:aws:iam::${PROD}:policy/cdk-hnb659fds-permissions-boundary`,
      ]);
    });

    test('a missing boundary fails, with the bootstrap flag that creates it or the command for your own', async () => {
      iam.on(GetPolicyCommand).rejects(new NoSuchEntityException({ message: 'no policy', $metadata: {} }));
      const [example] = boundaryFindings(
        await checkAws(bounded('cdk-${Qualifier}-permissions-boundary'), everyAccount, 33),
      );
      expect(example).toMatchObject({
        level: 'fail',
        message: expect.stringContaining('no IAM policy cdk-hnb659fds-permissions-boundary'),
        fix: expect.stringContaining(`--trust ${PIPELINE}`),
      });
      expect(example.fix).toContain('--example-permissions-boundary');
      const [custom] = boundaryFindings(await checkAws(bounded('team-boundary-${AWS::Region}'), everyAccount, 33));
      expect(custom).toMatchObject({
        level: 'fail',
        message: expect.stringContaining(`no IAM policy team-boundary-${REGION}`),
        fix: expect.stringContaining(`aws iam create-policy --policy-name team-boundary-${REGION}`),
      });
    });

    test('without the setting, no boundary is looked up', async () => {
      await checkAws(config, everyAccount, 33);
      expect(iam.commandCalls(GetPolicyCommand)).toHaveLength(0);
    });
  });

  test('a pending connection fails with where to finish it; a missing one with how to make it', async () => {
    connections
      .on(GetConnectionCommand)
      .resolves({ Connection: { ConnectionName: 'orders-pipeline', ConnectionStatus: 'PENDING' } });
    expect((await checkAws(config, everyAccount, 33)).at(-1)).toMatchObject({
      level: 'fail',
      message: 'orders-pipeline is PENDING',
      fix: expect.stringContaining('Connections in the console'),
    });
    connections.on(GetConnectionCommand).rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    expect((await checkAws(config, everyAccount, 33)).at(-1)).toMatchObject({
      level: 'fail',
      message: `no connection ${CONNECTION}`,
    });
  });

  test('an account without credentials is not checked, and says which profile to pass', async () => {
    const onlyPipelineAndDev: ClientsFor = async (account) => (account === PROD ? undefined : clients);
    const findings = await checkAws(config, onlyPipelineAndDev, 33);
    expect(findings.find((f) => f.check === `prod account ${PROD}`)).toEqual({
      level: 'warn',
      check: `prod account ${PROD}`,
      message: 'not checked: no credentials for this account',
      fix: `npm run doctor -- --aws --profile prod=<a profile of account ${PROD}>`,
    });
    expect(iam.commandCalls(GetRoleCommand).map((c) => c.args[0].input.RoleName)).toEqual([deployRole(DEV)]);
  });

  test('with no credentials for any account, fails: nothing was checked', async () => {
    const findings = await checkAws(config, async () => undefined, 33);
    expect(findings.filter((f) => f.level === 'fail')).toEqual([
      expect.objectContaining({
        check: 'AWS credentials',
        message: 'no credentials reach any account of the configuration: nothing was checked',
      }),
    ]);
  });

  test('"recent enough" is the bootstrap version of the project\'s own CDK CLI', () => {
    expect(cliBootstrapVersion(PROJECT_ROOT)).toBeGreaterThanOrEqual(6);
  });

  describe('orphaned stacks', () => {
    /** The fixture app's own stacks, as the built app has them. */
    const stacks = appStacks(buildApp().app);
    const stack = (name: string, tags: Record<string, string>, status = 'UPDATE_COMPLETE'): CfnStack => ({
      StackName: name,
      StackStatus: status as CfnStack['StackStatus'],
      CreationTime: new Date(),
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    });

    test("the app's stacks are those of the built app, each with its account and region", () => {
      expect(stacks.map((s) => `${s.stackName} ${s.account}/${s.region}`)).toEqual([
        `PipelineStack ${PIPELINE}/${REGION}`,
        `Dev-Layers-SharedLayers ${DEV}/${REGION}`,
        `Dev-Functions-Orders ${DEV}/${REGION}`,
        `Dev-Functions-Reports ${DEV}/${REGION}`,
        `Dev-Health ${DEV}/${REGION}`,
        `Prod-Layers-SharedLayers ${PROD}/${REGION}`,
        `Prod-Functions-Orders ${PROD}/${REGION}`,
        `Prod-Functions-Reports ${PROD}/${REGION}`,
        `Prod-Health ${PROD}/${REGION}`,
      ]);
    });

    test("a stack with the app's tag that the app does not define is reported with the command that deletes it", async () => {
      cloudFormation
        .on(DescribeStacksCommand)
        .resolvesOnce({
          Stacks: [stack('Dev-Functions-Orders', { app: 'orders' }), stack('Dev-Functions-Legacy', { app: 'orders' })],
          NextToken: 'page-2',
        })
        .resolvesOnce({
          Stacks: [
            stack('Dev-Functions-Gone', { app: 'orders' }, 'DELETE_COMPLETE'),
            stack('Dev-Layers-SharedLayers', { app: 'orders', team: 'payments' }),
            stack('CDKToolkit', {}),
            stack('Billing-Api', { app: 'billing' }),
            stack('Orders-Untagged', { owner: 'orders' }),
          ],
        });
      const devOnly: ClientsFor = async (account) =>
        account === DEV ? { ...clients, profile: 'orders-dev' } : undefined;

      const findings = await checkOrphanStacks(config, stacks, devOnly);

      expect(findings).toEqual([
        {
          level: 'warn',
          check: `dev stacks (${DEV}, ${REGION})`,
          message:
            'Dev-Functions-Legacy (UPDATE_COMPLETE) carries app=orders but is no stack of the app: the pipeline ' +
            'neither updates nor deletes it. Deleting it leaves what it retains (layer versions stay)',
          fix: `aws cloudformation delete-stack --stack-name Dev-Functions-Legacy --region ${REGION} --profile orders-dev`,
        },
      ]);
      // Both pages were read (the paginator reuses its input object, so only the last token can be seen).
      const calls = cloudFormation.commandCalls(DescribeStacksCommand);
      expect(calls).toHaveLength(2);
      expect(calls[1].args[0].input.NextToken).toBe('page-2');
    });

    test("a stack is the app's only in its own account and region; none left over is an ok per account", async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [stack('PipelineStack', { app: 'orders' })] });

      const findings = await checkOrphanStacks(config, stacks, everyAccount);

      expect(findings.map((f) => [f.level, f.check, f.fix])).toEqual([
        ['ok', `pipeline stacks (${PIPELINE}, ${REGION})`, undefined],
        [
          'warn',
          `dev stacks (${DEV}, ${REGION})`,
          `aws cloudformation delete-stack --stack-name PipelineStack --region ${REGION}`,
        ],
        [
          'warn',
          `prod stacks (${PROD}, ${REGION})`,
          `aws cloudformation delete-stack --stack-name PipelineStack --region ${REGION}`,
        ],
      ]);
      expect(findings[0].message).toBe(
        'no stack carries app=orders that the app does not define (1 of its stacks deployed here)',
      );
    });

    test("a sandbox's stacks are the app's in the sandbox account; one of a function stack that is gone is not", async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({
        Stacks: [
          stack('Sandbox-Alice-Layers', { app: 'orders' }),
          stack('Sandbox-Alice-Functions-Orders', { app: 'orders' }),
          stack('Sandbox-BobSmith-Functions-Reports', { app: 'orders' }),
          stack('Sandbox-Alice-Functions-Legacy', { app: 'orders' }),
        ],
      });
      const devOnly: ClientsFor = async (account) => (account === DEV ? clients : undefined);

      const findings = await checkOrphanStacks(config, stacks, devOnly);

      expect(findings.map((f) => [f.level, f.fix])).toEqual([
        ['warn', `aws cloudformation delete-stack --stack-name Sandbox-Alice-Functions-Legacy --region ${REGION}`],
      ]);
    });

    test('stacks that cannot be listed are a warning that names the permission', async () => {
      cloudFormation
        .on(DescribeStacksCommand)
        .rejects(new Error('User is not authorized to perform: cloudformation:DescribeStacks'));
      const findings = await checkOrphanStacks(config, stacks, async (account) =>
        account === PROD ? clients : undefined,
      );
      expect(findings).toEqual([
        {
          level: 'warn',
          check: `prod stacks (${PROD}, ${REGION})`,
          message: 'cannot list the stacks: User is not authorized to perform: cloudformation:DescribeStacks',
          fix: 'check the credentials may call cloudformation:DescribeStacks',
        },
      ]);
    });
  });
});
