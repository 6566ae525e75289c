/**
 * The picture of the pipeline in the README: drawn from the synthesized template, and kept current by
 * `npm run diagram` (which CI checks with `--check`). A stale picture never fails `npm test`, and so never the
 * pipeline's synth: documentation does not block a deploy.
 */
import * as fs from 'fs';
import * as path from 'path';
import { currentDiagram } from '../bin/diagram';
import { DIAGRAM_END, DIAGRAM_START, pipelineDiagram, withDiagram } from '../pipeline/pipeline-diagram';
import { cdkJsonContext, copyProjectWithTools, FIXTURE_ROOT, runEntryPoint, FIXTURE_PIPELINE_STAGES } from './helpers';

const diagram = currentDiagram({ projectRoot: FIXTURE_ROOT, context: cdkJsonContext() });

describe('the pipeline diagram', () => {
  test('shows every stage, in order, each a box of its own', () => {
    const stages = [...diagram.matchAll(/^ {2}subgraph S\d+\["([^"]+)"\]$/gm)].map((m) => m[1]);
    expect(stages).toEqual([...FIXTURE_PIPELINE_STAGES]);
    for (let i = 1; i < stages.length; i++) expect(diagram).toContain(`  S${i - 1} --> S${i}`);
  });

  test("names what each action is: synth's Amazon Linux image, the approval, the deploys and smoke tests", () => {
    expect(diagram).toMatch(/Synth<br\/><small>CodeBuild, amazonlinux-aarch64-standard:3\.0<\/small>/);
    expect(diagram).toMatch(/\{\{"PromoteToProd<br\/><small>manual approval<\/small>"\}\}/);
    expect(diagram).toMatch(/Orders\.Deploy<br\/><small>CloudFormation deploy<\/small>/);
    expect((diagram.match(/SmokeTest<br\/>/g) ?? []).length).toBe(2);
  });

  test('orders actions within a stage by run order: the smoke test after both deploys', () => {
    const ids = (name: string) =>
      [...diagram.matchAll(new RegExp(`^ {4}(S5A\\d+)\\("[^"<]*${name.replace('.', '\\.')}<br`, 'gm'))].map(
        (m) => m[1],
      );
    const [smoke] = ids('SmokeTest');
    expect(smoke).toBeDefined();
    const deploys = [...ids('Orders.Deploy'), ...ids('Reports.Deploy')];
    expect(deploys).toHaveLength(2);
    for (const deploy of deploys) expect(diagram).toContain(`  ${deploy} --> ${smoke}`);
  });

  test('draws the gates: the bake after dev, the healthy-prod entry, and which stages roll back', () => {
    const id = (stage: string) => `S${FIXTURE_PIPELINE_STAGES.indexOf(stage as never)}`;
    const devHealth = id('Dev-Health');
    expect(diagram).toContain(
      `    ${devHealth}X[/"on success: orders-dev-health not in ALARM for 30 min, else fail"/]`,
    );
    expect(diagram).toContain(`  ${devHealth}A1 --> ${devHealth}X`);
    const prodLayers = id('Prod-Layers');
    expect(diagram).toContain(`    ${prodLayers}E[/"before entry: orders-prod-health not in ALARM, else fail"/]`);
    expect(diagram).toContain(`  ${prodLayers}E --> ${prodLayers}A0`);
    const rollbacks = [...diagram.matchAll(/^ {4}(S\d+)F\[\\"on failure: rollback"\\\]$/gm)].map((m) => m[1]);
    expect(rollbacks).toEqual(
      FIXTURE_PIPELINE_STAGES.filter((s) => /^(Dev|Prod)-(Layers|Functions|Health)$/.test(s)).map(id),
    );
  });

  test("draws a deployment window with its time zone, and a condition's rules together", () => {
    const drawn = pipelineDiagram({
      Resources: {
        P: {
          Type: 'AWS::CodePipeline::Pipeline',
          Properties: {
            Stages: [
              {
                Name: 'Prod-Approval',
                Actions: [{ Name: 'PromoteToProd', ActionTypeId: { Category: 'Approval', Provider: 'Manual' } }],
                BeforeEntry: {
                  Conditions: [
                    {
                      Result: 'FAIL',
                      Rules: [
                        {
                          RuleTypeId: { Provider: 'DeploymentWindow' },
                          Configuration: { Cron: '* * 9-16 ? * MON-FRI *', TimeZone: 'Europe/Berlin' },
                        },
                        { RuleTypeId: { Provider: 'CloudWatchAlarm' }, Configuration: { AlarmName: 'a' } },
                      ],
                    },
                  ],
                },
              },
            ],
          },
        },
      },
    } as never);
    expect(drawn).toContain(
      '    S0E[/"before entry: window * * 9-16 ? * MON-FRI * (Europe/Berlin) and a not in ALARM, else fail"/]',
    );
    expect(drawn).toContain('  S0E --> S0A0');
  });

  test('replaces only the part of the README between its markers', () => {
    const readme = `# Title\n\n${DIAGRAM_START}\nold picture\n${DIAGRAM_END}\n\nThe rest.\n`;
    const updated = withDiagram(readme, 'flowchart TD');
    expect(updated).toBe(
      `# Title\n\n${DIAGRAM_START}\n\n\`\`\`mermaid\nflowchart TD\n\`\`\`\n\n${DIAGRAM_END}\n\nThe rest.\n`,
    );
    expect(withDiagram(updated, 'flowchart TD')).toBe(updated);
  });
});

describe('npm run diagram', () => {
  const project = copyProjectWithTools();
  const readme = path.join(project, 'docs', 'pipeline.md');
  fs.mkdirSync(path.dirname(readme), { recursive: true });
  const run = (...args: string[]) => runEntryPoint(project, 'bin/diagram.ts', args);

  test('--check fails on a stale picture, naming the command; without it, redraws it; then --check passes', () => {
    fs.writeFileSync(readme, `# Fixture\n\n${DIAGRAM_START}\nstale\n${DIAGRAM_END}\n`);
    const stale = run('--check');
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain(
      'docs/pipeline.md: the pipeline diagram is not the current one. Run: npm run diagram',
    );
    expect(fs.readFileSync(readme, 'utf8')).toContain('stale');

    expect(run().status).toBe(0);
    const redrawn = fs.readFileSync(readme, 'utf8');
    expect(redrawn).toBe(withDiagram(`# Fixture\n\n${DIAGRAM_START}\n${DIAGRAM_END}\n`, diagram));
    // What `--check` compares: the README is now the current picture, so a redraw would change nothing.
    expect(withDiagram(redrawn, diagram)).toBe(redrawn);
  }, 200_000);
});
