/**
 * Where the deploy suite deploys: a local AWS emulator (moto's server, patched in the open by
 * `emulator/moto_compat.py`), or a real AWS account through a named profile. Either way the commands under test get
 * their AWS settings the way a user's shell gives them: `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, profiles,
 * and for the emulator `AWS_ENDPOINT_URL`, which the CDK CLI, the AWS CLI and the SDKs all honour.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-providers';

const EMULATOR_SERVER = path.join(__dirname, 'emulator', 'server.py');

/** The AWS clients of one profile. */
export interface Clients {
  readonly cloudFormation: CloudFormationClient;
  readonly lambda: LambdaClient;
  readonly ssm: SSMClient;
  readonly iam: IAMClient;
  readonly sts: STSClient;
}

/** What the emulator says of CloudFormation resource types (`server.py --list-types`). */
export interface EmulatedTypes {
  /** The emulator's version. */
  readonly version?: string;
  /** Types its CloudFormation really creates. */
  readonly modelled: readonly string[];
  /** Types it skips while the stack reports complete, each with the reason. */
  readonly notEmulated: Readonly<Record<string, string>>;
}

/** A place to deploy to. */
export interface Target {
  readonly kind: 'emulator' | 'account';
  /** Said in the report: `moto 5.2.1 on localhost:4566`, `account 123456789012 (profile sandbox)`. */
  readonly description: string;
  /** The environment of every command the suite runs. */
  readonly env: NodeJS.ProcessEnv;
  /** The profile of the sandbox account, as the README's `--profile` names it. */
  readonly sandboxProfile: string;
  /** Profiles by account, for the commands that name `<profile of ACCOUNT>` (the emulator has one for each). */
  profileOf(account: string): string | undefined;
  clients(profile: string, region: string): Clients;
  /** The emulator's resource types; undefined for a real account, where CloudFormation creates every type. */
  readonly types?: EmulatedTypes;
  stop(): Promise<void>;
}

/** The python3 that has moto 5.2.1: `$PYTHON`, or `python3`. */
function python(): string {
  return process.env.PYTHON ?? 'python3';
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, 'localhost', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The emulator cannot start: the message says why and how to get it. */
export class EmulatorUnavailable extends Error {}

/**
 * Starts moto's server, patched, on a free port of `localhost` (moto reads a TemplateURL's bucket from its host name,
 * so not 127.0.0.1), with `defaultAccount` as the account of plain credentials. Every other account of `accounts` is
 * reached as a user would reach it, through a profile that assumes a role in it (`role_arn` + `source_profile`).
 */
export async function startEmulator(
  defaultAccount: string,
  accounts: readonly string[],
  region: string,
): Promise<Target> {
  const probe = spawnSync(python(), [EMULATOR_SERVER, '--list-types'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new EmulatorUnavailable(
      `the local AWS emulator cannot start (${python()} ${path.relative(process.cwd(), EMULATOR_SERVER)} --list-types ` +
        `exited ${probe.status}):\n${(probe.stderr || probe.error?.message || '').trim()}\n` +
        'Fix: install moto\'s server for this Python: pip install "moto[server]==5.2.1" (the version ' +
        'emulator/moto_compat.py patches), or set PYTHON to a python3 that has it; or run the suite on a real account ' +
        'with -- --profile <profile of a sandbox account>.',
    );
  }
  const types = JSON.parse(probe.stdout) as EmulatedTypes;
  const port = await freePort();
  // Its request log goes straight to a file: the suite runs the commands under test synchronously, and a log piped
  // through it would fill the pipe while a command runs, and stop the emulator in the middle of a request.
  const logFile = path.join(os.tmpdir(), `deploy-suite-emulator-${port}.log`);
  const log = fs.openSync(logFile, 'w');
  const server = spawn(python(), [EMULATOR_SERVER, '--port', String(port), '--account', defaultAccount], {
    stdio: ['ignore', 'pipe', log],
  });
  fs.closeSync(log);
  await waitForReady(server, port, logFile);

  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-suite-aws-'));
  const profiles = new Map<string, string>([[defaultAccount, 'sandbox']]);
  const config = ['[profile sandbox]', `region = ${region}`, ''];
  for (const account of accounts) {
    if (profiles.has(account)) continue;
    profiles.set(account, `account-${account}`);
    config.push(
      `[profile account-${account}]`,
      `role_arn = arn:aws:iam::${account}:role/deploy-suite`,
      'source_profile = sandbox',
      `region = ${region}`,
      '',
    );
  }
  fs.writeFileSync(path.join(home, 'config'), config.join('\n'));
  // moto's test credentials: any key is the default account's.
  fs.writeFileSync(
    path.join(home, 'credentials'),
    '[sandbox]\naws_access_key_id = AKIADEPLOYSUITE00000\naws_secret_access_key = deploy-suite-secret\n',
  );
  const endpoint = `http://localhost:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...withoutAwsSettings(process.env),
    AWS_ENDPOINT_URL: endpoint,
    AWS_CONFIG_FILE: path.join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    // The AWS CLI keeps assumed-role credentials in ~/.aws/cli/cache: another emulator's would be stale here.
    HOME: home,
  };
  return {
    kind: 'emulator',
    description: `moto ${types.version ?? ''} (patched: test/deploy/emulator) on ${endpoint}`.replace('  ', ' '),
    env,
    sandboxProfile: 'sandbox',
    profileOf: (account) => profiles.get(account),
    clients: (profile, region) => clientsOf(profile, region, env, endpoint),
    types,
    stop: async () => {
      server.kill('SIGTERM');
      await new Promise((resolve) => (server.exitCode !== null ? resolve(undefined) : server.once('exit', resolve)));
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

async function waitForReady(server: ChildProcess, port: number, logFile: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error('it did not answer within 60 s')), 60_000);
    function fail(error: Error) {
      clearTimeout(timer);
      server.kill('SIGKILL');
      reject(
        new EmulatorUnavailable(
          `the local AWS emulator did not start on port ${port}: ${error.message}; see ${logFile}`,
        ),
      );
    }
    server.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(`ready ${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    server.once('exit', (code) => fail(new Error(`it exited with ${code}`)));
  });
}

/** A real account: the profile's own credentials and region, as the user's shell has them. */
export function accountTarget(profile: string, account: string): Target {
  const env = { ...process.env };
  delete env.AWS_ENDPOINT_URL;
  return {
    kind: 'account',
    description: `AWS account ${account} (profile ${profile})`,
    env,
    sandboxProfile: profile,
    profileOf: (a) => (a === account ? profile : undefined),
    clients: (p, region) => clientsOf(p, region, env),
    stop: async () => undefined,
  };
}

function clientsOf(profile: string, region: string, env: NodeJS.ProcessEnv, endpoint?: string): Clients {
  const credentials = fromIni({
    profile,
    filepath: env.AWS_SHARED_CREDENTIALS_FILE,
    configFilepath: env.AWS_CONFIG_FILE,
    ...(endpoint ? { clientConfig: { endpoint } } : {}),
  });
  const config = { region, credentials, ...(endpoint ? { endpoint } : {}), maxAttempts: 3 };
  return {
    cloudFormation: new CloudFormationClient(config),
    lambda: new LambdaClient(config),
    ssm: new SSMClient(config),
    iam: new IAMClient(config),
    sts: new STSClient(config),
  };
}

/** The environment without the AWS settings of the machine: the emulator's commands see only its own. */
function withoutAwsSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('AWS_')));
}
