/**
 * The deploy suite's scenario of the pipeline's Assets stage: the commands its CodeBuild projects carry, read from the
 * synthesized PipelineStack template, run from the cloud assembly as CodeBuild runs them, with the pipeline account's
 * credentials; then every object the assembly names is read back from each environment's bootstrap bucket.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AssetManifestArtifact, CloudAssembly, EnvironmentPlaceholders } from 'aws-cdk-lib/cx-api';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { loadProjectConfig } from '../../bin/project';
import type { EnvironmentConfig } from '../../lib/config/environments-config';
import { pascalCase } from '../../lib/config/naming';
import { assetObjectProblems, ExpectedAssetObject, ObjectSeen } from './checks';
import { NotRun, Run, ScenarioFailure, tail } from './run';

/** The install and build commands of the pipeline's asset projects, as synthesized (inline, or in the assembly). */
function assetStepCommands(cdkOut: string): { install: string[]; build: string[] } {
  const template = JSON.parse(fs.readFileSync(path.join(cdkOut, 'PipelineStack.template.json'), 'utf8'));
  const resources: Record<string, any> = template.Resources;
  const pipeline = Object.values(resources).find((r) => r.Type === 'AWS::CodePipeline::Pipeline');
  const actions: any[] = pipeline?.Properties.Stages.find((s: any) => s.Name === 'Assets')?.Actions ?? [];
  if (actions.length === 0) throw new ScenarioFailure('the synthesized PipelineStack has no Assets stage');
  const install: string[] = [];
  const build: string[] = [];
  for (const action of actions) {
    const source: string = resources[action.Configuration.ProjectName.Ref].Properties.Source.BuildSpec;
    // CodeBuild reads a buildspec that is not inline from the input artifact: here, the cloud assembly.
    const buildspec = JSON.parse(
      source.trimStart().startsWith('{') ? source : fs.readFileSync(path.join(cdkOut, source), 'utf8'),
    );
    install.push(...(buildspec.phases.install?.commands ?? []));
    build.push(...(buildspec.phases.build?.commands ?? []));
  }
  return { install, build };
}

/** Every file under `dir`, relative, with `/`. */
function filesUnder(dir: string, under = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = under ? `${under}/${entry.name}` : entry.name;
    return entry.isDirectory() ? filesUnder(path.join(dir, entry.name), relative) : [relative];
  });
}

/** Every file asset of every stack of an environment's stages, where its manifest says it goes. */
function expectedObjects(cdkOut: string, environment: EnvironmentConfig): ExpectedAssetObject[] {
  const place = {
    accountId: environment.account,
    region: environment.region,
    partition: RegionInfo.get(environment.region).partition ?? 'aws',
  };
  const stacks = new CloudAssembly(cdkOut).stacksRecursively.filter((s) =>
    s.hierarchicalId.startsWith(`PipelineStack/${pascalCase(environment.name)}-`),
  );
  const objects = new Map<string, ExpectedAssetObject>();
  for (const manifest of stacks.flatMap((s) => s.dependencies).filter((d) => d instanceof AssetManifestArtifact)) {
    for (const [id, file] of Object.entries(manifest.contents.files ?? {})) {
      const source = path.resolve(path.dirname(manifest.file), file.source.path ?? '');
      for (const destination of Object.values(file.destinations)) {
        const bucket = EnvironmentPlaceholders.replace(destination.bucketName, place);
        const key = EnvironmentPlaceholders.replace(destination.objectKey, place);
        objects.set(`${bucket}/${key}`, {
          bucket,
          key,
          displayName: file.displayName ?? id,
          ...(file.source.packaging === 'zip' ? { files: filesUnder(source) } : { size: fs.statSync(source).size }),
        });
      }
    }
  }
  return [...objects.values()];
}

/** Every object of a bucket, downloaded with the AWS CLI through the S3 API: its size, and a zip's files. */
function readBucket(run: Run, bucket: string, region: string, profile: string): Map<string, ObjectSeen> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-suite-bucket-'));
  try {
    run.sh(`aws s3 sync s3://${bucket} ${dir} --region ${region} --profile ${profile} --only-show-errors`);
    const keys = filesUnder(dir);
    const zips = keys.filter((k) =>
      fs.readFileSync(path.join(dir, k)).subarray(0, 4).equals(Buffer.from('PK\x03\x04')),
    );
    const listed = spawnSync(
      process.env.PYTHON ?? 'python3',
      [
        '-c',
        'import json, sys, zipfile\n' +
          'print(json.dumps({z: [n for n in zipfile.ZipFile(z).namelist() if not n.endswith("/")] for z in sys.argv[1:]}))',
        ...zips,
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    if (listed.status !== 0) throw new ScenarioFailure(`listing the zips of ${bucket} failed:\n${listed.stderr}`);
    const zipFiles: Record<string, string[]> = JSON.parse(listed.stdout);
    return new Map(keys.map((k) => [k, { size: fs.statSync(path.join(dir, k)).size, zipFiles: zipFiles[k] }]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The pipeline's Assets stage, run as CodeBuild runs it (one shell, stopping at the first failing command, from the
 * assembly's root) after the layer build and the strict synth of the pipeline's Synth step, with the pipeline
 * account's credentials (the asset role's account). Every object the assembly names for each environment must then be
 * in that environment's bootstrap bucket, and none before. Run right after the bootstrap, before any deploy has put
 * an asset there; with the credentials of an account the environments do not trust, the step must fail.
 */
export async function pipelineAssets(run: Run): Promise<void> {
  if (run.target.kind !== 'emulator')
    throw new NotRun("emulator only: it publishes into every environment's bootstrap bucket from the pipeline account");
  const config = loadProjectConfig(run.root);
  run.sh('npm run --silent build:layers');
  run.sh('npx cdk synth --quiet -c strictLayers=true');
  const cdkOut = path.join(run.root, 'cdk.out');
  const { install, build } = assetStepCommands(cdkOut);
  const pinned = JSON.parse(fs.readFileSync(path.join(run.root, 'package.json'), 'utf8')).devDependencies['aws-cdk'];
  const here = run.sh('cdk --version').trim();
  run.check(`the asset step installs the project's CDK CLI (aws-cdk@${pinned}), the one its commands run with here`, [
    ...(install.join('\n') === `npm install -g aws-cdk@${pinned}` ? [] : [`it installs: ${install.join('; ')}`]),
    ...(here.startsWith(`${pinned} `) ? [] : [`cdk --version here: ${here}`]),
    ...(build.length > 0 ? [] : ['it runs no command']),
  ]);

  const profileOf = (account: string) => run.target.profileOf(account)!;
  const buckets = config.environments.map((environment) => {
    const objects = expectedObjects(cdkOut, environment);
    const names = [...new Set(objects.map((o) => o.bucket))];
    return { environment, objects, names };
  });
  const before: string[] = [];
  for (const { environment, objects, names } of buckets) {
    const seen = new Map(names.map((b) => [b, readBucket(run, b, environment.region, profileOf(environment.account))]));
    before.push(...objects.filter((o) => seen.get(o.bucket)?.has(o.key)).map((o) => `s3://${o.bucket}/${o.key}`));
  }
  run.check("before the asset step, no environment's bucket holds any of its assets", before);

  const script = ['set -e', 'cd cdk.out', ...build].join('\n');
  const quoted = `sh -c '${script.replace(/'/g, `'\\''`)}'`;
  run.sh(quoted, { env: { AWS_PROFILE: profileOf(config.pipeline.account) } });
  for (const { environment, objects, names } of buckets) {
    const seen = new Map(names.map((b) => [b, readBucket(run, b, environment.region, profileOf(environment.account))]));
    const zips = objects.filter((o) => o.files).length;
    run.check(
      `${environment.name}: every asset of its stacks published by the asset step's commands (${zips} zips of code, ` +
        `${objects.length - zips} templates) in ${names.join(', ')}, under the keys its manifests name, each zip ` +
        "holding its folder's files",
      assetObjectProblems(objects, seen),
    );
  }

  const first = config.environments.find((e) => e.account !== config.pipeline.account);
  const untrusted = config.environments.find(
    (e) => e.account !== config.pipeline.account && e.account !== first?.account,
  )?.account;
  if (!first || !untrusted) {
    run.notExercised('the asset step without the trust it needs: the configuration has no two other accounts');
    return;
  }
  const refused = run.sh(quoted, { env: { AWS_PROFILE: profileOf(untrusted) }, expectFailure: true });
  run.check(
    `the asset step fails with the credentials of ${untrusted}, which ${first.name}'s account ${first.account} does not trust`,
    /AccessDenied|not authorized|Could not assume/i.test(refused) ? [] : [`it failed otherwise:\n${tail(refused, 10)}`],
  );
}
