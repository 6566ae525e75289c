/**
 * `config.pipeline`: the account and region that host the pipeline, its source, its notifications and the Node.js its
 * CodeBuild steps run.
 */
import {
  BUILD_IMAGES,
  DEFAULT_NODEJS,
  NODE_END_OF_LIFE,
  pipelineBuildArchitectures,
  TOOLING_ARCHITECTURE,
} from './build-images';
import { Checker, EMAIL } from './checker';
import { parseIgnoredPaths } from './ignored-paths';
import type { LayerConfig } from './layers-config';
import { ARCHITECTURES, Architecture, DEFAULT_RUNTIME, pythonVersionOf } from './runtimes';

/** Where the pipeline gets the source from. */
export type SourceConfig = CodeConnectionsSourceConfig | CodeCommitSourceConfig;

/** A GitHub, GitLab or Bitbucket repository reached through an AWS CodeConnections connection. */
export interface CodeConnectionsSourceConfig {
  readonly type: 'codeconnections';
  /** `owner/name` of the repository. */
  readonly repository: string;
  /** The branch whose pushes run the pipeline. */
  readonly branch: string;
  /** ARN of the CodeConnections (or CodeStar Connections) connection, created once in the console. */
  readonly connectionArn: string;
  /**
   * Glob patterns of files whose changes alone do not run the pipeline (a V2 trigger's push filter): a push that
   * touches only these is skipped. At most 8; an empty list runs the pipeline on every push.
   * @default ['README.md', 'docs/**']
   */
  readonly ignoredPaths: readonly string[];
}

/** A CodeCommit repository in the pipeline account. */
export interface CodeCommitSourceConfig {
  readonly type: 'codecommit';
  /** Name of the CodeCommit repository. */
  readonly repository: string;
  /** The branch whose pushes run the pipeline. */
  readonly branch: string;
}

/** Where the pipeline tells people that an approval waits or an execution failed: an existing topic, or e-mails. */
export interface NotificationsConfig {
  /** An existing SNS topic in the pipeline's account and region. */
  readonly topicArn?: string;
  /** Addresses subscribed to a topic the pipeline creates (when there is no `topicArn`). */
  readonly emails: readonly string[];
}

/** The account and region that host the pipeline, and where it reads the source from. */
export interface PipelineConfig {
  readonly account: string;
  readonly region: string;
  readonly source: SourceConfig;
  /**
   * Notifications of approvals waiting and failed executions.
   * @default - none
   */
  readonly notifications?: NotificationsConfig;
  /**
   * The Node.js major version every CodeBuild step of the pipeline runs: one the Amazon Linux 2023 image of each
   * step's architecture offers, and not past its end of life.
   * @default '22' ({@link DEFAULT_NODEJS})
   */
  readonly nodejs: string;
  /**
   * The Python the pipeline's layer builds and synth run (`runtime-versions`): the one the layers are built for, so
   * the Python tests in synth load the built layers, as Lambda will. Derived from `config.layers`, not set.
   */
  readonly python: string;
}

const CONNECTION_ARN =
  /^arn:aws(-[a-z]+)*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]{36}$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/**
 * The Python the pipeline's builds run: the one pip builds the layers for (each layer's first runtime), the most
 * layers' where they differ (the newest on a tie), the default runtime's without layers. Every image the pipeline's
 * steps run on must offer it.
 */
export function parsePipelinePython(c: Checker, layers: readonly LayerConfig[]): string {
  // Layers with invalid runtimes or architectures are reported where they are parsed.
  const valid = layers.filter(
    (l) => l.runtimes.length > 0 && (ARCHITECTURES as readonly string[]).includes(l.architectures[0]),
  );
  const versions = valid.map((l) => pythonVersionOf(l.runtimes[0]));
  const count = (v: string) => versions.filter((x) => x === v).length;
  const newestFirst = [...new Set(versions)].sort((a, b) => Number(b.split('.')[1]) - Number(a.split('.')[1]));
  const python = newestFirst.sort((a, b) => count(b) - count(a))[0] ?? pythonVersionOf(DEFAULT_RUNTIME);
  for (const architecture of pipelineBuildArchitectures(valid.map((l) => l.architectures[0]))) {
    const image = BUILD_IMAGES[architecture];
    if (image.python.includes(python)) continue;
    c.problem(
      'config.layers (runtimes)',
      `python${python}`,
      `is not offered by ${image.name} (${architecture}), which builds the layers and runs their tests: it offers Python ${image.python.join(', ')}`,
      `build the layers for a runtime the image offers, or, if CodeBuild's image now offers it, add it to lib/config/build-images.ts`,
    );
  }
  return python;
}

/**
 * `config.pipeline.nodejs`: a Node.js major version, as a string, that the CodeBuild image of every architecture the
 * pipeline's steps run on offers (the tooling's, synth's, and each layer's), and not past its end of life.
 */
export function parseNodejs(c: Checker, raw: unknown, layers: readonly LayerConfig[], today: Date): string {
  const at = 'config.pipeline.nodejs';
  if (raw === undefined) return DEFAULT_NODEJS;
  const day = today.toISOString().slice(0, 10);
  const alive = (v: string) => !NODE_END_OF_LIFE[v] || day < NODE_END_OF_LIFE[v];
  const architectures = pipelineBuildArchitectures(layers.map((l) => l.architectures[0]).filter(Boolean));
  const offered = (a: Architecture) => BUILD_IMAGES[a].nodejs;
  // What would work here: offered by the image of every architecture in use, and alive.
  const usable = offered(TOOLING_ARCHITECTURE).filter(
    (v) => alive(v) && architectures.every((a) => offered(a).includes(v)),
  );
  const choose = `write ${usable.map((v) => `"${v}"`).join(' or ')}, or leave the setting out for "${DEFAULT_NODEJS}"`;
  const version = typeof raw === 'number' ? String(raw) : raw;
  const known = new Set(ARCHITECTURES.flatMap(offered));
  if (typeof version !== 'string' || !known.has(version)) {
    c.problem(at, raw, 'is not a Node.js major version the CodeBuild images offer', choose);
    return DEFAULT_NODEJS;
  }
  if (!alive(version)) {
    c.problem(at, raw, `reached its end of life on ${NODE_END_OF_LIFE[version]}`, choose);
    return DEFAULT_NODEJS;
  }
  const missing = architectures.filter((a) => !offered(a).includes(version));
  for (const architecture of missing) {
    const built = layers.filter((l) => l.architectures[0] === architecture).map((l) => `"${l.name}"`);
    const runs = built.length > 0 ? `which builds layers ${built.join(', ')}` : 'which runs synth';
    c.problem(
      at,
      raw,
      `is not offered by ${BUILD_IMAGES[architecture].name} (${architecture}, ${runs}): it offers ${offered(architecture).join(', ')}`,
      `${choose}; or build those layers for an architecture whose image offers it (config.layers.<name>.architectures)`,
    );
  }
  return missing.length > 0 ? DEFAULT_NODEJS : version;
}

/**
 * `config.pipeline`, but for what depends on the layers (`nodejs`, checked against the images of the layers'
 * architectures, and `python`), which {@link parseNodejs} and {@link parsePipelinePython} give.
 */
export function parsePipeline(c: Checker, raw: unknown): Omit<PipelineConfig, 'nodejs' | 'python'> | undefined {
  const p = c.object(raw, 'config.pipeline', 'add "pipeline": { "account", "region", "source" }');
  if (!p) return undefined;
  const account = c.account(p.account, 'config.pipeline.account');
  const region = c.region(p.region, 'config.pipeline.region');
  const source = parseSource(c, p.source);
  const notifications = parseNotifications(c, p.notifications, account, region);
  if (!account || !region || !source) return undefined;
  return notifications ? { account, region, source, notifications } : { account, region, source };
}

function parseNotifications(
  c: Checker,
  raw: unknown,
  account?: string,
  region?: string,
): NotificationsConfig | undefined {
  if (raw === undefined) return undefined;
  const at = 'config.pipeline.notifications';
  const n = c.object(
    raw,
    at,
    'write { "topicArn": "<SNS topic ARN>" } or { "emails": ["team@example.com"] }, or leave it out',
  );
  if (!n) return undefined;
  if ((n.topicArn === undefined) === (n.emails === undefined)) {
    c.problem(
      at,
      raw,
      'must name either a topicArn or emails',
      'keep one of "topicArn" (an existing topic) and "emails" (a topic the pipeline creates)',
    );
    return undefined;
  }
  if (n.topicArn !== undefined) {
    const topicArn = c.matching(
      n.topicArn,
      `${at}.topicArn`,
      TOPIC_ARN,
      'is not an SNS topic ARN',
      'paste the topic\'s ARN, "arn:aws:sns:<region>:<account>:<name>"',
    );
    const [, , , topicRegion, topicAccount] = (topicArn ?? '').split(':');
    if (topicArn && account && region && (topicRegion !== region || topicAccount !== account)) {
      c.problem(
        `${at}.topicArn`,
        topicArn,
        `is not in the pipeline's account and region (${account}, ${region})`,
        'use a topic in the pipeline\'s account and region, or "emails" for a topic the pipeline creates',
      );
    }
    return topicArn ? { topicArn, emails: [] } : undefined;
  }
  const emails = c.list(n.emails, `${at}.emails`, undefined, (v, itemAt) =>
    c.matching(v, itemAt, EMAIL, 'is not an e-mail address', 'write an address such as "team@example.com"'),
  );
  if (Array.isArray(n.emails) && n.emails.length === 0) {
    c.problem(`${at}.emails`, n.emails, 'is empty', 'list at least one address, or leave "notifications" out');
  }
  return { emails };
}

function parseSource(c: Checker, raw: unknown): SourceConfig | undefined {
  const s = c.object(raw, 'config.pipeline.source', 'add "source": { "type", "repository", "branch", ... }');
  if (!s) return undefined;
  const type = c.oneOf(s.type, 'config.pipeline.source.type', ['codeconnections', 'codecommit']);
  const repository = c.nonEmptyString(
    s.repository,
    'config.pipeline.source.repository',
    type === 'codecommit' ? 'the name of the CodeCommit repository' : 'the repository as "owner/name"',
  );
  const branch = c.nonEmptyString(
    s.branch,
    'config.pipeline.source.branch',
    'the branch that runs the pipeline, e.g. "main"',
  );
  if (type === 'codeconnections') {
    if (repository && !/^[^/\s]+\/[^/\s]+$/.test(repository)) {
      c.problem(
        'config.pipeline.source.repository',
        repository,
        'is not "owner/name"',
        'write the repository as "owner/name", e.g. "my-org/my-repo"',
      );
    }
    const connectionArn = c.matching(
      s.connectionArn,
      'config.pipeline.source.connectionArn',
      CONNECTION_ARN,
      'is not a CodeConnections connection ARN',
      'create a connection (Developer Tools > Settings > Connections) and paste its ARN, "arn:aws:codeconnections:<region>:<account>:connection/<id>"',
    );
    const ignoredPaths = parseIgnoredPaths(c, s.ignoredPaths);
    return repository && branch && connectionArn
      ? { type, repository, branch, connectionArn, ignoredPaths }
      : undefined;
  }
  if (type === 'codecommit') {
    if (s.ignoredPaths !== undefined) {
      c.problem(
        'config.pipeline.source.ignoredPaths',
        s.ignoredPaths,
        'only filters pushes of a CodeConnections source',
        'remove it: a CodeCommit source runs the pipeline on every push to the branch',
      );
    }
    return repository && branch ? { type, repository, branch } : undefined;
  }
  return undefined;
}
