/**
 * The validation of the `config` context: every mistake a user can make is reported with the setting it concerns,
 * all of them at once, and the CDK app prints them without a stack trace.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { createApp } from '../bin/main';
import { CONFIG_CONTEXT_KEY, parseConfig, runtimeDeprecationWarnings } from '../lib/config/app-config';
import { newestSupportedRuntime, runtimeStatus } from '../lib/config/runtimes';
import { ConfigError, Problem } from '../lib/config/config-error';
import {
  baseConfig,
  buildApp,
  cdkJsonContext,
  configErrorOf,
  copyProject,
  copyProjectWithTools,
  FIXTURE_ROOT,
} from './helpers';

/** The raw, unvalidated `config` object, as a test changes it. */
type RawConfig = ReturnType<typeof baseConfig>;

/** What a test expects of one reported problem. */
type ExpectedProblem = Pick<Problem, 'setting' | 'message'>;

/** One wrong configuration, or project, and every problem it must be reported with, in order. */
interface BadConfig {
  /** The mistake, as the test is named. */
  readonly name: string;
  /** Makes a copy of the committed configuration wrong. */
  readonly change?: (config: RawConfig) => void;
  /** Makes a throw-away copy of the project's folders wrong; without it the committed project is checked. */
  readonly project?: (root: string) => void;
  readonly problems: readonly ExpectedProblem[];
}

/** The day the table's configurations are judged on: runtimes' deprecation depends on it. */
const TODAY = new Date('2026-11-21T12:00:00Z');

/** Layers added to a copy of the project, so a function can list six declared layers. */
const EXTRA_LAYERS = ['extra-1', 'extra-2', 'extra-3', 'extra-4'];

const badConfigs: readonly BadConfig[] = [
  // The application and the pipeline.
  {
    name: "an environment and the sandbox in the pipeline's own account and region (one bootstrap stack cannot serve both)",
    change: (c) => {
      c.environments[0].account = c.pipeline.account;
      c.sandbox = { account: c.pipeline.account, region: c.pipeline.region };
    },
    problems: [
      {
        setting: 'config.environments[0] (dev)',
        message:
          "is the pipeline's own account and region (111111111111/eu-west-1): its one bootstrap stack cannot be both the pipeline's (rights to create the pipeline) and an environment's (the restricted execution policy and boundary)",
      },
      {
        setting: 'config.sandbox',
        message: expect.stringContaining("is the pipeline's own account and region (111111111111/eu-west-1)"),
      },
    ],
  },
  {
    name: 'a Node.js no CodeBuild image offers',
    change: (c) => {
      c.pipeline.nodejs = '26';
    },
    problems: [
      {
        setting: 'config.pipeline.nodejs',
        message: 'is not a Node.js major version the CodeBuild images offer',
      },
    ],
  },
  {
    name: 'a Node.js past its end of life',
    change: (c) => {
      c.pipeline.nodejs = 20;
    },
    problems: [{ setting: 'config.pipeline.nodejs', message: 'reached its end of life on 2026-04-30' }],
  },
  {
    name: 'a Node.js that is not a major version',
    change: (c) => {
      c.pipeline.nodejs = 'lts';
    },
    problems: [
      { setting: 'config.pipeline.nodejs', message: 'is not a Node.js major version the CodeBuild images offer' },
    ],
  },
  {
    name: 'missing appName',
    change: (c) => {
      delete c.appName;
    },
    problems: [{ setting: 'config.appName', message: 'is missing' }],
  },
  {
    name: 'appName with upper case and a space',
    change: (c) => {
      c.appName = 'Orders App';
    },
    problems: [{ setting: 'config.appName', message: 'is not a valid name' }],
  },
  {
    name: 'pipeline account of 11 digits and a letter',
    change: (c) => {
      c.pipeline.account = '11111111111x';
    },
    problems: [{ setting: 'config.pipeline.account', message: 'is not a 12-digit AWS account id' }],
  },
  {
    name: 'unknown pipeline region',
    change: (c) => {
      c.pipeline.region = 'eu-west-9';
    },
    problems: [{ setting: 'config.pipeline.region', message: 'is not a known AWS region' }],
  },
  {
    name: 'unknown source type',
    change: (c) => {
      c.pipeline.source.type = 'github';
    },
    problems: [{ setting: 'config.pipeline.source.type', message: 'is not one of the allowed values' }],
  },
  {
    name: 'CodeConnections repository without an owner',
    change: (c) => {
      c.pipeline.source.repository = 'python-layers-pipeline';
    },
    problems: [{ setting: 'config.pipeline.source.repository', message: 'is not "owner/name"' }],
  },
  {
    name: 'empty branch',
    change: (c) => {
      c.pipeline.source.branch = '';
    },
    problems: [{ setting: 'config.pipeline.source.branch', message: 'must be a non-empty string' }],
  },
  {
    name: 'missing connectionArn',
    change: (c) => {
      delete c.pipeline.source.connectionArn;
    },
    problems: [{ setting: 'config.pipeline.source.connectionArn', message: 'is missing' }],
  },
  {
    name: 'connectionArn with a short connection id',
    change: (c) => {
      c.pipeline.source.connectionArn = 'arn:aws:codeconnections:eu-west-1:111111111111:connection/1234';
    },
    problems: [{ setting: 'config.pipeline.source.connectionArn', message: 'is not a CodeConnections connection ARN' }],
  },
  {
    name: 'more ignored paths than a trigger takes',
    change: (c) => {
      c.pipeline.source.ignoredPaths = ['a/**', 'b/**', 'c/**', 'd/**', 'e/**', 'f/**', 'g/**', 'h/**', 'i/**'];
    },
    problems: [
      {
        setting: 'config.pipeline.source.ignoredPaths',
        message: 'lists 9 patterns, more than the 8 a CodePipeline trigger takes',
      },
    ],
  },
  {
    name: 'an ignored path that could match deployed files',
    change: (c) => {
      c.pipeline.source.ignoredPaths = ['**/*.md', 'layers/common/README.md', '*.json', 'lib/**'];
    },
    problems: [
      {
        setting: 'config.pipeline.source.ignoredPaths[0]',
        message:
          'can match files that define what is deployed (bin/, lib/, pipeline/, buildspecs/, tools/, layers/, lambda/): a push changing them must run the pipeline',
      },
      {
        setting: 'config.pipeline.source.ignoredPaths[1]',
        message: 'can match files that define what is deployed (layers/): a push changing them must run the pipeline',
      },
      {
        setting: 'config.pipeline.source.ignoredPaths[2]',
        message:
          'can match files that define what is deployed (cdk.json, package.json, package-lock.json, tsconfig.json): a push changing them must run the pipeline',
      },
      {
        setting: 'config.pipeline.source.ignoredPaths[3]',
        message: 'can match files that define what is deployed (lib/): a push changing them must run the pipeline',
      },
    ],
  },
  {
    name: 'an absolute ignored path',
    change: (c) => {
      c.pipeline.source.ignoredPaths = ['/docs/**'];
    },
    problems: [
      {
        setting: 'config.pipeline.source.ignoredPaths[0]',
        message: 'is not a glob pattern relative to the repository root',
      },
    ],
  },
  {
    name: 'ignored paths on a CodeCommit source',
    change: (c) => {
      c.pipeline.source = { type: 'codecommit', repository: 'orders', branch: 'main', ignoredPaths: ['*.md'] };
    },
    problems: [
      { setting: 'config.pipeline.source.ignoredPaths', message: 'only filters pushes of a CodeConnections source' },
    ],
  },

  // Notifications.
  {
    name: 'notifications with both a topic and e-mails',
    change: (c) => {
      c.pipeline.notifications = {
        topicArn: 'arn:aws:sns:eu-west-1:111111111111:approvals',
        emails: ['a@example.com'],
      };
    },
    problems: [{ setting: 'config.pipeline.notifications', message: 'must name either a topicArn or emails' }],
  },
  {
    name: 'a notifications topic ARN of another service',
    change: (c) => {
      c.pipeline.notifications = { topicArn: 'arn:aws:sqs:eu-west-1:111111111111:approvals' };
    },
    problems: [{ setting: 'config.pipeline.notifications.topicArn', message: 'is not an SNS topic ARN' }],
  },
  {
    name: 'a notifications topic in another region than the pipeline',
    change: (c) => {
      c.pipeline.notifications = { topicArn: 'arn:aws:sns:us-east-1:111111111111:approvals' };
    },
    problems: [
      {
        setting: 'config.pipeline.notifications.topicArn',
        message: "is not in the pipeline's account and region (111111111111, eu-west-1)",
      },
    ],
  },
  {
    name: 'a notification e-mail without a domain',
    change: (c) => {
      c.pipeline.notifications = { emails: ['team'] };
    },
    problems: [{ setting: 'config.pipeline.notifications.emails[0]', message: 'is not an e-mail address' }],
  },

  // Environments.
  {
    name: 'environment account of 5 digits',
    change: (c) => {
      c.environments[0].account = '12345';
    },
    problems: [{ setting: 'config.environments[0].account', message: 'is not a 12-digit AWS account id' }],
  },
  {
    name: 'environment account written as a number',
    change: (c) => {
      c.environments[1].account = 333333333333;
    },
    problems: [{ setting: 'config.environments[1].account', message: 'is not a 12-digit AWS account id' }],
  },
  {
    name: 'unknown environment region',
    change: (c) => {
      c.environments[1].region = 'mars-north-1';
    },
    problems: [{ setting: 'config.environments[1].region', message: 'is not a known AWS region' }],
  },
  {
    name: 'empty environments list',
    change: (c) => {
      c.environments = [];
    },
    problems: [{ setting: 'config.environments', message: 'must list at least one environment' }],
  },
  {
    name: 'environments as an object keyed by name',
    change: (c) => {
      c.environments = { dev: c.environments[0] };
    },
    problems: [{ setting: 'config.environments', message: 'is not a list' }],
  },
  {
    name: 'two environments of the same name',
    change: (c) => {
      c.environments[1].name = 'dev';
    },
    problems: [{ setting: 'config.environments[1].name', message: 'is used by an earlier environment' }],
  },
  {
    name: 'environment name in upper case',
    change: (c) => {
      c.environments[0].name = 'Dev';
    },
    problems: [{ setting: 'config.environments[0].name', message: 'is not a valid name' }],
  },
  {
    name: 'environment name longer than 16 characters',
    change: (c) => {
      c.environments[1].name = 'production-europe';
    },
    problems: [{ setting: 'config.environments[1].name', message: 'is longer than 16 characters' }],
  },
  {
    name: 'requiresApproval as a string',
    change: (c) => {
      c.environments[1].requiresApproval = 'true';
    },
    problems: [{ setting: 'config.environments[1].requiresApproval', message: 'is not a boolean' }],
  },
  {
    name: 'a deployment strategy CodeDeploy does not have',
    change: (c) => {
      c.environments[1].deployment = 'Canary50Percent1Minute';
    },
    problems: [{ setting: 'config.environments[1].deployment', message: 'is not one of the allowed values' }],
  },
  {
    name: 'release alarms that are not an object',
    change: (c) => {
      c.environments[0].alarms = 5;
    },
    problems: [{ setting: 'config.environments[0].alarms', message: 'is not an object' }],
  },
  {
    name: 'release alarms with an unknown key and counts that are not whole numbers in range, all at once',
    change: (c) => {
      c.environments[1].alarms = { errors: 0, throttles: 2.5, periodMinutes: 90, evaluationPeriod: 2 };
    },
    problems: [
      { setting: 'config.environments[1].alarms.evaluationPeriod', message: 'is not an alarm setting' },
      {
        setting: 'config.environments[1].alarms.errors',
        message: 'is not a whole number of errors per period from 1 to 10000',
      },
      {
        setting: 'config.environments[1].alarms.throttles',
        message: 'is not a whole number of throttles per period from 1 to 10000',
      },
      {
        setting: 'config.environments[1].alarms.periodMinutes',
        message: 'is not a whole number of minutes from 1 to 60',
      },
    ],
  },
  {
    name: 'release alarms that are a list',
    change: (c) => {
      c.environments[0].alarms = [{ errors: 5 }];
    },
    problems: [{ setting: 'config.environments[0].alarms', message: 'is not an object' }],
  },
  {
    name: 'release alarms that are null',
    change: (c) => {
      c.environments[1].alarms = null;
    },
    problems: [{ setting: 'config.environments[1].alarms', message: 'is not an object' }],
  },
  {
    name: 'release alarm counts written as text, below their range or above it, in both environments at once',
    change: (c) => {
      c.environments[0].alarms = { errors: '5', throttles: 10001, periodMinutes: 0, evaluationPeriods: -1 };
      c.environments[1].alarms = { errors: 1.5, periodMinutes: '1', evaluationPeriods: 1441, Errors: 5 };
    },
    problems: [
      {
        setting: 'config.environments[0].alarms.errors',
        message: 'is not a whole number of errors per period from 1 to 10000',
      },
      {
        setting: 'config.environments[0].alarms.throttles',
        message: 'is not a whole number of throttles per period from 1 to 10000',
      },
      {
        setting: 'config.environments[0].alarms.periodMinutes',
        message: 'is not a whole number of minutes from 1 to 60',
      },
      {
        setting: 'config.environments[0].alarms.evaluationPeriods',
        message: 'is not a whole number of periods from 1 to 1440',
      },
      { setting: 'config.environments[1].alarms.Errors', message: 'is not an alarm setting' },
      {
        setting: 'config.environments[1].alarms.errors',
        message: 'is not a whole number of errors per period from 1 to 10000',
      },
      {
        setting: 'config.environments[1].alarms.periodMinutes',
        message: 'is not a whole number of minutes from 1 to 60',
      },
      {
        setting: 'config.environments[1].alarms.evaluationPeriods',
        message: 'is not a whole number of periods from 1 to 1440',
      },
    ],
  },
  {
    name: 'release alarms evaluated over more than a day of periods shorter than an hour',
    change: (c) => {
      c.environments[1].alarms = { periodMinutes: 30, evaluationPeriods: 49 };
    },
    problems: [
      {
        setting: 'config.environments[1].alarms.evaluationPeriods',
        message:
          'times periodMinutes (30) is 1470 minutes in all, more than CloudWatch evaluates an alarm of 30-minute periods over (24 hours)',
      },
    ],
  },
  {
    name: 'release alarms evaluated over more than seven days of hour-long periods',
    change: (c) => {
      c.environments[1].alarms = { periodMinutes: 60, evaluationPeriods: 169 };
    },
    problems: [
      {
        setting: 'config.environments[1].alarms.evaluationPeriods',
        message:
          'times periodMinutes (60) is 10140 minutes in all, more than CloudWatch evaluates an alarm of 60-minute periods over (168 hours)',
      },
    ],
  },
  {
    name: 'all-at-once deployment into an environment that needs approval',
    change: (c) => {
      c.environments[1].deployment = 'AllAtOnce';
    },
    problems: [
      {
        setting: 'config.environments[1].deployment',
        message: 'shifts all traffic at once in an environment that needs approval',
      },
    ],
  },

  // Functions.
  {
    name: 'function naming an undeclared layer',
    change: (c) => {
      c.functions['health-check'].layers = ['common', 'utils'];
    },
    problems: [{ setting: 'config.functions.health-check.layers[1]', message: 'names no declared layer' }],
  },
  {
    name: 'function with an empty layers list',
    change: (c) => {
      c.functions['health-check'].layers = [];
    },
    problems: [{ setting: 'config.functions.health-check.layers', message: 'is empty' }],
  },
  {
    name: 'function listing a layer twice',
    change: (c) => {
      c.functions['health-check'].layers = ['common', 'common'];
    },
    problems: [{ setting: 'config.functions.health-check.layers', message: 'names a layer twice' }],
  },
  {
    name: 'function listing six layers',
    project: (root) => EXTRA_LAYERS.forEach((layer) => writeLayer(root, layer)),
    change: (c) => {
      for (const layer of EXTRA_LAYERS) c.layers[layer] = { runtimes: ['python3.13'] };
      c.functions['price-order'].layers = ['common', 'domain', ...EXTRA_LAYERS];
    },
    problems: [{ setting: 'config.functions.price-order.layers', message: 'lists more than 5 layers' }],
  },
  {
    name: 'function runtime that its layer is not built for',
    change: (c) => {
      c.functions['health-check'].runtime = 'python3.12';
    },
    problems: [
      {
        setting: 'config.functions.health-check.runtime',
        message: 'is not among the runtimes of layer "common" (python3.13)',
      },
    ],
  },
  {
    name: 'function runtime that neither of its two layers is built for',
    change: (c) => {
      c.functions['price-order'].runtime = 'python3.12';
    },
    problems: [
      {
        setting: 'config.functions.price-order.runtime',
        message: 'is not among the runtimes of layer "common" (python3.13)',
      },
      {
        setting: 'config.functions.price-order.runtime',
        message: 'is not among the runtimes of layer "domain" (python3.13)',
      },
    ],
  },
  {
    name: 'function architecture that one of its layers is not built for',
    change: (c) => {
      c.functions['price-order'].architecture = 'x86_64';
    },
    problems: [
      {
        setting: 'config.functions.price-order.architecture',
        message: 'is not among the architectures of layer "common" (arm64)',
      },
    ],
  },
  {
    name: 'function runtime python2.7',
    change: (c) => {
      c.functions['health-check'].runtime = 'python2.7';
    },
    problems: [{ setting: 'config.functions.health-check.runtime', message: 'is not one of the allowed values' }],
  },
  {
    name: 'memorySize below 128 MB',
    change: (c) => {
      c.functions['health-check'].memorySize = 64;
    },
    problems: [
      { setting: 'config.functions.health-check.memorySize', message: 'is not a whole number of MB from 128 to 10240' },
    ],
  },
  {
    name: 'timeoutSeconds with a fraction',
    change: (c) => {
      c.functions['health-check'].timeoutSeconds = 2.5;
    },
    problems: [
      {
        setting: 'config.functions.health-check.timeoutSeconds',
        message: 'is not a whole number of seconds from 1 to 900',
      },
    ],
  },
  {
    name: 'logRetentionDays that CloudWatch Logs does not offer',
    change: (c) => {
      c.functions['health-check'].logRetentionDays = 31;
    },
    problems: [
      { setting: 'config.functions.health-check.logRetentionDays', message: 'is not one of the allowed values' },
    ],
  },
  {
    name: 'handler without a module',
    change: (c) => {
      c.functions['health-check'].handler = 'handler';
    },
    problems: [{ setting: 'config.functions.health-check.handler', message: 'is not "module.function"' }],
  },
  {
    name: 'handler whose module file does not exist',
    change: (c) => {
      c.functions['health-check'].handler = 'main.handler';
    },
    problems: [
      { setting: 'config.functions.health-check.handler', message: 'has no module file lambda/health-check/main.py' },
    ],
  },
  {
    name: 'function declared without a folder under lambda/',
    change: (c) => {
      c.functions['refund-order'] = { stack: 'orders', layers: ['common'], runtime: 'python3.13' };
    },
    problems: [
      {
        setting: 'config.functions.refund-order.handler',
        message: 'has no module file lambda/refund-order/handler.py',
      },
    ],
  },
  {
    name: 'folder under lambda/ without a config entry',
    project: (root) => writeFile(root, 'lambda/refund-order/handler.py'),
    problems: [
      { setting: 'config.functions.refund-order', message: 'is missing, but the folder lambda/refund-order exists' },
    ],
  },

  // Layers.
  {
    name: 'layer architecture that Lambda does not run',
    change: (c) => {
      c.layers.domain.architectures = ['arm64', 'arm32'];
    },
    problems: [{ setting: 'config.layers.domain.architectures[1]', message: 'is not one of the allowed values' }],
  },
  {
    name: 'layer whose only architecture Lambda does not run',
    change: (c) => {
      c.layers.common.architectures = ['arm32'];
    },
    problems: [{ setting: 'config.layers.common.architectures[0]', message: 'is not one of the allowed values' }],
  },
  {
    name: 'a layer runtime Lambda has deprecated',
    change: (c) => {
      c.layers.common.runtimes = ['python3.13', 'python3.11'];
    },
    problems: [{ setting: 'config.layers.common.runtimes[1]', message: 'was deprecated by Lambda on 2026-06-30' }],
  },
  {
    name: 'a function runtime Lambda has deprecated',
    change: (c) => {
      c.functions['health-check'].runtime = 'python3.10';
    },
    problems: [{ setting: 'config.functions.health-check.runtime', message: 'was deprecated by Lambda on 2026-06-30' }],
  },
  {
    name: 'layer listing a runtime twice',
    change: (c) => {
      c.layers.common.runtimes = ['python3.13', 'python3.13'];
    },
    problems: [{ setting: 'config.layers.common.runtimes', message: 'lists a value twice' }],
  },
  {
    name: 'layer declared without a folder under layers/',
    change: (c) => {
      c.layers.extra = {};
    },
    problems: [{ setting: 'config.layers.extra', message: 'has no folder layers/extra' }],
  },
  {
    name: 'layer folder without python/',
    project: (root) => fs.rmSync(path.join(root, 'layers/domain/python'), { recursive: true }),
    problems: [{ setting: 'config.layers.domain', message: 'has no layers/domain/python/ folder' }],
  },
  {
    name: 'layer folder whose python/ holds only caches',
    project: (root) => {
      fs.rmSync(path.join(root, 'layers/domain/python'), { recursive: true });
      writeFile(root, 'layers/domain/python/.DS_Store');
      writeFile(root, 'layers/domain/python/__pycache__/money.cpython-313.pyc');
    },
    problems: [{ setting: 'config.layers.domain', message: 'has an empty layers/domain/python/ folder' }],
  },
  {
    name: 'an invalid layer name, once, with the three places to rename it (not again for each function that lists it)',
    change: (c) => {
      c.layers.Common_Layer = c.layers.common;
      delete c.layers.common;
      for (const fn of Object.values(c.functions) as { layers: string[] }[])
        fn.layers = fn.layers.map((l) => (l === 'common' ? 'Common_Layer' : l));
    },
    project: (root) => fs.renameSync(path.join(root, 'layers/common'), path.join(root, 'layers/Common_Layer')),
    problems: [
      {
        setting: 'config.layers.Common_Layer (the layer name)',
        message: 'is not a valid layer name: lower-case letters, digits and inner hyphens, starting with a letter',
      },
    ],
  },
  {
    name: 'folder under layers/ without a config entry',
    project: (root) => writeLayer(root, 'extra'),
    problems: [{ setting: 'config.layers.extra', message: 'is missing, but the folder layers/extra exists' }],
  },
];

describe('parseConfig', () => {
  test('accepts the committed configuration', () => {
    expect(() => parseConfig(baseConfig(), { projectRoot: FIXTURE_ROOT })).not.toThrow();
  });

  test('rejects a missing config object', () => {
    const error = configErrorOf(() => parseConfig(undefined, { projectRoot: FIXTURE_ROOT }));
    expect(settingsAndMessages(error)).toEqual([{ setting: CONFIG_CONTEXT_KEY, message: 'is missing' }]);
  });

  test.each(badConfigs)('rejects $name', (bad) => {
    expect(reportedProblems(bad)).toEqual(bad.problems);
  });

  test("tells an invalid layer name's fix: a valid name, and that its folder and the functions' lists are renamed too", () => {
    const config = baseConfig();
    config.layers['2Fast_JSON'] = config.layers.common;
    const problems = configErrorOf(() => parseConfig(config, { projectRoot: FIXTURE_ROOT, today: TODAY })).problems;
    expect(problems.map((p) => [p.setting, p.fix])).toEqual([
      [
        'config.layers.2Fast_JSON (the layer name)',
        'rename it, e.g. to "fast-json", in three places: its key under config.layers, its folder layers/2Fast_JSON/, and every function\'s "layers" list that names it',
      ],
    ]);
  });

  test("tells a bad Node.js's fix: the versions every image in use offers, alive on the day", () => {
    const config = baseConfig();
    config.pipeline.nodejs = '26';
    const [problem] = configErrorOf(() => parseConfig(config, { projectRoot: FIXTURE_ROOT, today: TODAY })).problems;
    expect(problem.fix).toBe('write "22" or "24", or leave the setting out for "22"');
    // Both Amazon Linux 2023 images offer 24 (their runtimes.yml; see test/build-images.test.ts).
    config.pipeline.nodejs = '24';
    expect(parseConfig(config, { projectRoot: FIXTURE_ROOT, today: TODAY }).pipeline.nodejs).toBe('24');
    config.pipeline.nodejs = '22';
    expect(parseConfig(config, { projectRoot: FIXTURE_ROOT, today: TODAY }).pipeline.nodejs).toBe('22');
    delete config.pipeline.nodejs;
    expect(parseConfig(config, { projectRoot: FIXTURE_ROOT, today: TODAY }).pipeline.nodejs).toBe('22');
  });

  test('reports an empty layers object, and every reference and folder it leaves without a layer', () => {
    const error = configErrorOf(() => parseConfig({ ...baseConfig(), layers: {} }, { projectRoot: FIXTURE_ROOT }));
    expect(settingsAndMessages(error)).toEqual([
      { setting: 'config.layers', message: 'declares no layer' },
      { setting: 'config.functions.price-order.layers[0]', message: 'names no declared layer' },
      { setting: 'config.functions.price-order.layers[1]', message: 'names no declared layer' },
      { setting: 'config.functions.health-check.layers[0]', message: 'names no declared layer' },
      { setting: 'config.functions.daily-report.layers[0]', message: 'names no declared layer' },
      { setting: 'config.layers.common', message: 'is missing, but the folder layers/common exists' },
      { setting: 'config.layers.domain', message: 'is missing, but the folder layers/domain exists' },
    ]);
  });

  test('reports every problem at once, one line each', () => {
    const config = baseConfig();
    config.pipeline.region = 'eu-west-9';
    config.environments[0].account = '123';
    config.environments[1].name = 'dev';
    config.functions['health-check'].layers = ['common', 'utils'];

    const error = configErrorOf(() => parseConfig(config, { projectRoot: FIXTURE_ROOT }));

    expect(error.problems.map((p) => p.setting)).toEqual([
      'config.pipeline.region',
      'config.environments[0].account',
      'config.environments[1].name',
      'config.functions.health-check.layers[1]',
    ]);
    const [heading, ...lines] = error.message.split('\n');
    expect(heading).toBe('The configuration has 4 problems:');
    expect(lines).toEqual(
      error.problems.map((p) =>
        expect.stringContaining(`  - ${p.setting} = ${JSON.stringify(p.value)} ${p.message}. Fix: `),
      ),
    );
    expect(lines).toContain(
      '  - config.environments[0].account = "123" is not a 12-digit AWS account id. ' +
        'Fix: write the account id as a string of 12 digits, e.g. "123456789012" (keep leading zeros).',
    );
  });

  test('gives a function that leaves its settings out the defaults: the newest runtime, tracing, INFO logs, no trigger', () => {
    const config = baseConfig();
    config.layers.common.runtimes = ['python3.14', 'python3.13'];
    config.functions['health-check'] = { stack: 'orders', layers: ['common'] };

    const { functions } = parseConfig(config, { projectRoot: FIXTURE_ROOT, today: TODAY });

    expect(functions.find((f) => f.name === 'health-check')).toEqual({
      name: 'health-check',
      stack: 'orders',
      description: 'The health-check function',
      layers: ['common'],
      runtime: newestSupportedRuntime(TODAY),
      architecture: 'arm64',
      handler: 'handler.handler',
      memorySize: 256,
      timeoutSeconds: 10,
      logRetentionDays: 30,
      http: [],
      tracing: true,
      onFailure: false,
      logLevel: 'INFO',
    });
    expect(newestSupportedRuntime(TODAY)).toBe('python3.14');
  });

  test('gives a layer that leaves its settings out the defaults', () => {
    const config = baseConfig();
    config.layers.common = {};
    for (const fn of Object.values<Record<string, unknown>>(config.functions)) delete fn.runtime;
    config.layers.domain.runtimes = ['python3.14'];

    const { layers } = parseConfig(config, { projectRoot: FIXTURE_ROOT });

    expect(layers.find((l) => l.name === 'common')).toEqual({
      name: 'common',
      description: 'The common layer',
      runtimes: ['python3.14'],
      architectures: ['arm64'],
    });
  });

  test('promotes into an environment without approval unless it requires one', () => {
    const config = baseConfig();
    delete config.environments[0].requiresApproval;
    config.environments[1].requiresApproval = true;

    const { environments } = parseConfig(config, { projectRoot: FIXTURE_ROOT });

    expect(environments.map((e) => e.requiresApproval)).toEqual([false, true]);
  });

  test('releases by a canary of a tenth of the traffic for five minutes unless an environment names its strategy', () => {
    const config = baseConfig();
    delete config.environments[0].deployment;
    config.environments[1].deployment = 'Linear10PercentEvery3Minutes';

    const { environments } = parseConfig(config, { projectRoot: FIXTURE_ROOT });

    expect(environments.map((e) => e.deployment)).toEqual(['Canary10Percent5Minutes', 'Linear10PercentEvery3Minutes']);
  });

  test('stops a release at the first error or throttle in a minute unless an environment sets its alarms', () => {
    const config = baseConfig();
    config.environments[1].alarms = { errors: 5, evaluationPeriods: 2 };

    const { environments } = parseConfig(config, { projectRoot: FIXTURE_ROOT });

    expect(environments.map((e) => e.alarms)).toEqual([
      { errors: 1, throttles: 1, periodMinutes: 1, evaluationPeriods: 1, notify: [] },
      { errors: 5, throttles: 1, periodMinutes: 1, evaluationPeriods: 2, notify: [] },
    ]);
  });
  test("parses an environment's alarms as written, each setting optional, up to the limits CloudWatch takes", () => {
    const config = baseConfig();
    config.environments[0].alarms = {};
    config.environments[1].alarms = {
      errors: 10000,
      throttles: 3,
      periodMinutes: 60,
      evaluationPeriods: 168,
      notify: ['oncall@acme-retail.io', 'payments-oncall@acme-retail.io'],
    };

    const { environments } = parseConfig(config, { projectRoot: FIXTURE_ROOT });

    expect(environments.map((e) => e.alarms)).toEqual([
      { errors: 1, throttles: 1, periodMinutes: 1, evaluationPeriods: 1, notify: [] },
      {
        errors: 10000,
        throttles: 3,
        periodMinutes: 60,
        evaluationPeriods: 168,
        notify: ['oncall@acme-retail.io', 'payments-oncall@acme-retail.io'],
      },
    ]);
  });

  test('names the value and the fix of every alarm problem', () => {
    const config = baseConfig();
    config.environments[1].alarms = { errors: 0, periodMinutes: 30, evaluationPeriods: 49, threshold: 2 };

    const error = configErrorOf(() => parseConfig(config, { projectRoot: FIXTURE_ROOT }));

    expect(error.problems.map(({ setting, value, fix }) => ({ setting, value, fix }))).toEqual([
      { setting: 'config.environments[1].alarms.threshold', value: 2, fix: expect.stringContaining('"errors"') },
      { setting: 'config.environments[1].alarms.errors', value: 0, fix: 'set a whole number from 1 to 10000' },
      {
        setting: 'config.environments[1].alarms.evaluationPeriods',
        value: 49,
        fix: expect.stringContaining('use at most 48 periods of 30 minutes'),
      },
    ]);
    expect(error.message).toContain('config.environments[1].alarms.evaluationPeriods = 49 times periodMinutes (30)');
  });
});

describe('the runtime deprecation calendar', () => {
  const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

  test.each([
    ['python3.13', '2028-12-31', 'supported'],
    ['python3.13', '2029-01-02', 'deprecated-soon'],
    ['python3.13', '2029-06-29', 'deprecated-soon'],
    ['python3.13', '2029-06-30', 'deprecated'],
    ['python3.11', '2026-11-21', 'deprecated'],
  ] as const)('judges %s on %s: %s', (runtime, iso, state) => {
    expect(runtimeStatus(runtime, day(iso)).state).toBe(state);
  });

  test('warns in the half year before a runtime in use is deprecated, naming who uses it', () => {
    const config = parseConfig(baseConfig(), { projectRoot: FIXTURE_ROOT, today: day('2029-03-01') });
    expect(runtimeDeprecationWarnings(config, day('2029-03-01'))).toEqual([
      'python3.13 is deprecated by Lambda on 2029-06-30 (used by layer common, layer domain, function price-order, function health-check, ' +
        `function daily-report): move to ${newestSupportedRuntime(day('2029-03-01'))} before then, or synth will refuse it.`,
    ]);
    expect(runtimeDeprecationWarnings(config, day('2028-06-01'))).toEqual([]);
  });

  test('puts the warning on the pipeline stack, where cdk synth shows it', () => {
    const { pipelineStack } = createApp({
      context: cdkJsonContext(),
      projectRoot: FIXTURE_ROOT,
      today: day('2029-03-01'),
    });
    Annotations.fromStack(pipelineStack).hasWarning(
      '/PipelineStack',
      Match.stringLikeRegexp('python3.13 is deprecated by Lambda on 2029-06-30'),
    );
  });

  test('refuses, after the date, every runtime setting that names the runtime, defaults included', () => {
    const error = configErrorOf(() =>
      parseConfig(baseConfig(), { projectRoot: FIXTURE_ROOT, today: day('2029-07-01') }),
    );
    const deprecated = { message: 'was deprecated by Lambda on 2029-06-30' };
    expect(settingsAndMessages(error)).toEqual([
      { setting: 'config.layers.common.runtimes[0]', ...deprecated },
      { setting: 'config.layers.domain.runtimes[0]', ...deprecated },
      { setting: 'config.functions.price-order.runtime', ...deprecated },
      { setting: 'config.functions.health-check.runtime', ...deprecated },
      { setting: 'config.functions.daily-report.runtime', ...deprecated },
    ]);
  });
});

describe('the app', () => {
  test('rejects a strictLayers context value that is not a boolean', () => {
    const error = configErrorOf(() => buildApp({ context: { strictLayers: 'maybe' } }));
    expect(settingsAndMessages(error)).toEqual([{ setting: 'context strictLayers', message: 'is not a boolean' }]);
  });

  test('`cdk synth` prints the problems and exits 1, without a stack trace', () => {
    const config = baseConfig();
    config.environments[0].account = '123';
    // A project of its own holding a cdk.json with the bad configuration: the CDK CLI runs the app exactly as
    // `npx cdk synth` does in the project.
    const folder = copyProjectWithTools();
    const cdkJson = JSON.parse(fs.readFileSync(path.join(folder, 'cdk.json'), 'utf8'));
    cdkJson.context[CONFIG_CONTEXT_KEY] = config;
    fs.writeFileSync(path.join(folder, 'cdk.json'), JSON.stringify(cdkJson));

    const result = spawnSync(path.join(folder, 'node_modules', '.bin', 'cdk'), ['synth', '-q'], {
      cwd: folder,
      encoding: 'utf8',
      timeout: 85_000,
    });

    expect(result.error).toBeUndefined();
    expect(result.stderr).toContain('config.environments[0].account = "123" is not a 12-digit AWS account id');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.status).not.toBe(0);
    expect(fs.existsSync(path.join(folder, 'cdk.out', 'manifest.json'))).toBe(false);
  }, 90_000);
});

/** Temporary folders of this file, removed after its tests. */
const temporaryFolders: string[] = [];
afterAll(() => {
  for (const folder of temporaryFolders) fs.rmSync(folder, { recursive: true, force: true });
});

/** Validates the configuration `bad` makes, in the project it makes, and returns the problems reported. */
function reportedProblems(bad: BadConfig): ExpectedProblem[] {
  const config = baseConfig();
  bad.change?.(config);
  let projectRoot = FIXTURE_ROOT;
  if (bad.project) {
    projectRoot = copyProject();
    temporaryFolders.push(projectRoot);
    bad.project(projectRoot);
  }
  return settingsAndMessages(configErrorOf(() => parseConfig(config, { projectRoot, today: TODAY })));
}

function settingsAndMessages(error: ConfigError): ExpectedProblem[] {
  return error.problems.map(({ setting, message }) => ({ setting, message }));
}

/** Writes a file, and the folders it is in, under `root`. */
function writeFile(root: string, relativePath: string, content = ''): void {
  const file = path.join(root, relativePath);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** Adds a layer folder with one module to a copy of the project. */
function writeLayer(root: string, layer: string): void {
  writeFile(root, `layers/${layer}/python/${layer.replace(/-/g, '_')}.py`, 'VALUE = 1\n');
}
