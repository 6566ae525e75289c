/** The doctor's check for the template's placeholders still in the configuration. */
import type { Finding } from './finding';

/** The AWS accounts of the template's sample configuration: placeholders, never anyone's account. */
export const PLACEHOLDER_ACCOUNTS: readonly string[] = ['111111111111', '222222222222', '333333333333'];
/** The connection id of the sample's `connectionArn`. */
export const PLACEHOLDER_CONNECTION_ID = '00000000-0000-0000-0000-000000000000';
/** The owner of the sample's repository. */
export const PLACEHOLDER_REPOSITORY_PREFIX = 'example-org/';
/** The domain of the sample's notification addresses (reserved: it receives no mail). */
export const PLACEHOLDER_EMAIL_DOMAIN = '@example.com';

/**
 * The template's placeholders still in the configuration (the raw `config` context, so they are found even when
 * something else in it is wrong): each blocks a first deploy, so each fails, naming the setting, its value and what
 * to put there.
 */
export function checkPlaceholders(config: unknown): Finding[] {
  const check = 'placeholder';
  const findings: Finding[] = [];
  const found = (setting: string, value: unknown, message: string, fix: string) =>
    findings.push({ level: 'fail', check, message: `${setting} = ${JSON.stringify(value)} ${message}`, fix });
  const isPlaceholderAccount = (value: unknown) => typeof value === 'string' && PLACEHOLDER_ACCOUNTS.includes(value);
  const accountFix = (whose: string) =>
    `put ${whose} 12-digit AWS account id there (aws sts get-caller-identity --profile <a profile of that account>)`;

  const pipeline = field(config, 'pipeline');
  const pipelineAccount = field(pipeline, 'account');
  if (isPlaceholderAccount(pipelineAccount)) {
    found(
      'config.pipeline.account',
      pipelineAccount,
      "is the template's placeholder account",
      accountFix("the pipeline's"),
    );
  }
  const environments = field(config, 'environments');
  (Array.isArray(environments) ? environments : []).forEach((environment: unknown, i) => {
    const account = field(environment, 'account');
    const name = field(environment, 'name');
    if (isPlaceholderAccount(account)) {
      found(
        `config.environments[${i}].account`,
        account,
        "is the template's placeholder account",
        accountFix(typeof name === 'string' ? `the ${name} environment's` : "the environment's"),
      );
    }
  });

  const source = field(pipeline, 'source');
  const connectionArn = field(source, 'connectionArn');
  if (typeof connectionArn === 'string') {
    const parts = [
      ...PLACEHOLDER_ACCOUNTS.filter((a) => connectionArn.split(':')[4] === a).map(
        (a) => `the placeholder account ${a}`,
      ),
      ...(connectionArn.endsWith(`/${PLACEHOLDER_CONNECTION_ID}`)
        ? [`the placeholder connection id ${PLACEHOLDER_CONNECTION_ID}`]
        : []),
    ];
    if (parts.length > 0) {
      found(
        'config.pipeline.source.connectionArn',
        connectionArn,
        `has ${parts.join(' and ')}: the template's, no connection of yours`,
        'create a connection in the pipeline account (Developer Tools > Settings > Connections in the console, then ' +
          'authorise it) and put its ARN there',
      );
    }
  }
  const repository = field(source, 'repository');
  if (typeof repository === 'string' && repository.startsWith(PLACEHOLDER_REPOSITORY_PREFIX)) {
    found(
      'config.pipeline.source.repository',
      repository,
      `is the template's placeholder repository (owner ${PLACEHOLDER_REPOSITORY_PREFIX.slice(0, -1)})`,
      'put your repository there: "<owner>/<name>" for a connection, the repository\'s name for CodeCommit',
    );
  }
  const placeholderEmails = (setting: string, emails: unknown, who: string) =>
    (Array.isArray(emails) ? emails : []).forEach((email: unknown, i) => {
      if (typeof email === 'string' && email.toLowerCase().endsWith(PLACEHOLDER_EMAIL_DOMAIN)) {
        found(
          `${setting}[${i}]`,
          email,
          `is a placeholder address (${PLACEHOLDER_EMAIL_DOMAIN.slice(1)} receives no mail)`,
          `put the address that should hear of ${who} there, or remove it`,
        );
      }
    });
  placeholderEmails(
    'config.pipeline.notifications.emails',
    field(field(pipeline, 'notifications'), 'emails'),
    'failed pipeline runs',
  );
  (Array.isArray(environments) ? environments : []).forEach((environment: unknown, i) => {
    const name = field(environment, 'name');
    placeholderEmails(
      `config.environments[${i}].alarms.notify`,
      field(field(environment, 'alarms'), 'notify'),
      `the ${typeof name === 'string' ? `${name} environment` : 'environment'}'s alarms`,
    );
  });
  return findings;
}

/** A field of untyped JSON, or undefined. */
function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}
