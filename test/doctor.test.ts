/**
 * `npm run doctor`: the offline checks against this machine and copies of the project, and the AWS checks against
 * the AWS SDK itself, its calls answered by aws-sdk-client-mock.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  CodeStarConnectionsClient,
  GetConnectionCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-codestar-connections';
import { GetRoleCommand, IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AccountClients,
  checkAws,
  checkConfig,
  checkLayers,
  checkNode,
  checkPython,
  cliBootstrapVersion,
  ClientsFor,
  Finding,
} from '../bin/doctor-checks';
import { loadProjectConfig, PROJECT_ROOT } from '../bin/project';
import { copyProject, copyProjectWithTools, FIXTURE_ROOT } from './helpers';

const PIPELINE = '111111111111';
const DEV = '222222222222';
const PROD = '333333333333';
const REGION = 'eu-west-1';
const CONNECTION = 'arn:aws:codeconnections:eu-west-1:111111111111:connection/00000000-0000-0000-0000-000000000000';

const config = loadProjectConfig(FIXTURE_ROOT);

describe('offline', () => {
  test('the committed configuration passes, summarised', () => {
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

  test('Node.js older than 20 fails', () => {
    expect(checkNode('20.20.2').level).toBe('ok');
    expect(checkNode('18.19.0')).toEqual({
      level: 'fail',
      check: 'Node.js',
      message: 'v18.19.0 is older than 20',
      fix: 'install Node.js 20 or newer',
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

  test('this machine passes `npm run doctor`, offline', () => {
    const root = copyProjectWithTools();
    const result = spawnSync(
      path.join(root, 'node_modules', '.bin', 'ts-node'),
      ['--transpile-only', 'bin/doctor.ts'],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(result.stdout).toMatch(/^ok +configuration/m);
    expect(result.stdout).toMatch(/^ok +Node\.js/m);
    expect(result.stdout).toMatch(/0 failed, \d+ warnings \(offline; add -- --aws/);
    expect(result.status).toBe(0);
  }, 70_000);
});

describe('with AWS', () => {
  const ssm = mockClient(SSMClient);
  const iam = mockClient(IAMClient);
  const connections = mockClient(CodeStarConnectionsClient);
  const clients: AccountClients = {
    ssm: new SSMClient({ region: REGION }),
    iam: new IAMClient({ region: REGION }),
    connections: new CodeStarConnectionsClient({ region: REGION }),
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
    for (const mock of [ssm, iam, connections]) mock.reset();
    ssm.on(GetParameterCommand, { Name: '/cdk-bootstrap/hnb659fds/version' }).resolves({ Parameter: { Value: '33' } });
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
    const [, dev] = await checkAws(config, everyAccount, 33);
    expect(dev).toEqual({
      level: 'fail',
      check: `dev bootstrap (${DEV}, ${REGION})`,
      message: 'not bootstrapped: no CDK bootstrap stack in this account and region',
      fix: `npx cdk bootstrap aws://${DEV}/${REGION} --profile <dev> --trust ${PIPELINE} --trust-for-lookup ${PIPELINE} --cloudformation-execution-policies <policy ARN>`,
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
});
