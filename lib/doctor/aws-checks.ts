/** The doctor's checks that need AWS credentials, run for every account and region of the configuration. */
import type { AppConfig } from '../config/app-config';
import { ClientsFor, Target } from './aws-clients';
import { checkBootstrap } from './bootstrap-check';
import { boundaryArn, checkBoundary } from './boundary-check';
import { checkConnection } from './connection-check';
import { checkPipelineBootstrap } from './pipeline-bootstrap-check';
import type { Finding } from './finding';
import { checkTrust } from './trust-check';

/** Runs the checks that need AWS, for every account and region of the configuration. */
export async function checkAws(config: AppConfig, clientsFor: ClientsFor, cliVersion?: number): Promise<Finding[]> {
  const findings: Finding[] = [];
  const pipeline = config.pipeline;
  const targets: Target[] = [
    { name: 'pipeline', account: pipeline.account, region: pipeline.region, isPipeline: true },
    ...config.environments.map((e) => ({ name: e.name, account: e.account, region: e.region })),
  ];
  const seen = new Set<string>();
  for (const target of targets) {
    const key = `${target.account}/${target.region}`;
    const clients = await clientsFor(target.account, target.region);
    if (!clients) {
      findings.push({
        level: 'warn',
        check: `${target.name} account ${target.account}`,
        message: 'not checked: no credentials for this account',
        fix: `npm run doctor -- --aws --profile ${target.name}=<a profile of account ${target.account}>`,
      });
      continue;
    }
    if (!seen.has(key)) {
      seen.add(key);
      findings.push(await checkBootstrap(clients, target, pipeline.account, cliVersion));
    }
    if (target.isPipeline) findings.push(await checkPipelineBootstrap(clients, target, config.appName));
    if (!target.isPipeline && target.account !== pipeline.account) {
      findings.push(await checkTrust(clients, target, pipeline.account));
    }
    if (!target.isPipeline && config.permissionsBoundary) {
      const boundary = boundaryArn(config.permissionsBoundary, target);
      if (!seen.has(boundary)) {
        seen.add(boundary);
        findings.push(await checkBoundary(clients, target, pipeline.account, config.permissionsBoundary));
      }
    }
  }
  if (findings.length > 0 && findings.every((f) => f.message.startsWith('not checked: no credentials'))) {
    findings.push({
      level: 'fail',
      check: 'AWS credentials',
      message: 'no credentials reach any account of the configuration: nothing was checked',
      fix: 'npm run doctor -- --aws --profile pipeline=<profile> --profile <environment>=<profile> ...',
    });
  }
  if (pipeline.source.type === 'codeconnections') {
    const connectionRegion = pipeline.source.connectionArn.split(':')[3];
    const clients = await clientsFor(pipeline.account, connectionRegion);
    if (clients) findings.push(await checkConnection(clients, pipeline.source.connectionArn));
  }
  return findings;
}
