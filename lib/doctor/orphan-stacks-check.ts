/** The doctor's check for stacks of the app in its accounts that the app no longer defines. */
import { paginateDescribeStacks } from '@aws-sdk/client-cloudformation';
import type { AppConfig } from '../config/app-config';
import { APP_TAG_KEY, pascalCase } from '../config/naming';
import { functionStacksOf } from '../stages/function-stage';
import type { ClientsFor } from './aws-clients';
import type { Finding } from './finding';
import type { AppStack } from './synth-check';

/**
 * A stack of some developer's sandbox of this configuration (`Sandbox-<Name>-Layers`, `Sandbox-<Name>-Functions-<Stack>`
 * of a stack `config.functions` still has): the app defines it for that sandbox's name, so it is no orphan. A sandbox
 * stack of a function stack the configuration no longer has is one.
 */
export function isSandboxStackOf(config: AppConfig, stackName: string): boolean {
  const match = /^Sandbox-[A-Z][A-Za-z0-9]*-(.+)$/.exec(stackName);
  if (!match) return false;
  const parts = ['Layers', ...[...functionStacksOf(config.functions).keys()].map((s) => `Functions-${pascalCase(s)}`)];
  return parts.includes(match[1]);
}

/**
 * The stacks that carry the app's tag (`app=<appName>`) in an account and region of the configuration but are no
 * stack of the app (a removed or renamed function stack, environment or layer stack): the pipeline neither updates
 * nor deletes them. Each is a warning with the command that deletes it; `stacks` are the app's own
 * (`appStacks` of synth-check.ts), so what counts as defined is what the app builds, not a naming rule of its own.
 */
export async function checkOrphanStacks(
  config: AppConfig,
  stacks: readonly AppStack[],
  clientsFor: ClientsFor,
): Promise<Finding[]> {
  const targets = new Map<string, { names: string[]; account: string; region: string }>();
  for (const t of [
    { name: 'pipeline', account: config.pipeline.account, region: config.pipeline.region },
    ...config.environments.map((e) => ({ name: e.name, account: e.account, region: e.region })),
  ]) {
    const key = `${t.account}/${t.region}`;
    const target = targets.get(key) ?? { names: [], account: t.account, region: t.region };
    target.names.push(t.name);
    targets.set(key, target);
  }
  const tag = `${APP_TAG_KEY}=${config.appName}`;
  const findings: Finding[] = [];
  const sandboxTarget = config.sandbox ?? config.environments[0];
  for (const target of targets.values()) {
    const clients = await clientsFor(target.account, target.region);
    if (!clients) continue; // checkAws reports the account as not checked.
    const check = `${target.names.join(', ')} stacks (${target.account}, ${target.region})`;
    const defined = new Set(
      stacks.filter((s) => s.account === target.account && s.region === target.region).map((s) => s.stackName),
    );
    const sandboxes = sandboxTarget.account === target.account && sandboxTarget.region === target.region;
    let tagged: { name: string; status: string }[];
    try {
      tagged = [];
      for await (const page of paginateDescribeStacks({ client: clients.cloudFormation }, {})) {
        for (const stack of page.Stacks ?? []) {
          if (stack.StackStatus === 'DELETE_COMPLETE') continue;
          if (!stack.Tags?.some((t) => t.Key === APP_TAG_KEY && t.Value === config.appName)) continue;
          tagged.push({ name: stack.StackName ?? '', status: stack.StackStatus ?? '' });
        }
      }
    } catch (error) {
      findings.push({
        level: 'warn',
        check,
        message: `cannot list the stacks: ${(error as Error).message}`,
        fix: 'check the credentials may call cloudformation:DescribeStacks',
      });
      continue;
    }
    const orphans = tagged.filter((s) => !defined.has(s.name) && !(sandboxes && isSandboxStackOf(config, s.name)));
    for (const orphan of orphans) {
      const profile = clients.profile ? ` --profile ${clients.profile}` : '';
      findings.push({
        level: 'warn',
        check,
        message:
          `${orphan.name} (${orphan.status}) carries ${tag} but is no stack of the app: the pipeline neither ` +
          'updates nor deletes it. Deleting it leaves what it retains (layer versions stay)',
        fix: `aws cloudformation delete-stack --stack-name ${orphan.name} --region ${target.region}${profile}`,
      });
    }
    if (orphans.length === 0) {
      findings.push({
        level: 'ok',
        check,
        message: `no stack carries ${tag} that the app does not define (${tagged.length} of its stacks deployed here)`,
      });
    }
  }
  return findings;
}
