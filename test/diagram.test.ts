/** The picture of the pipeline in the README: drawn from the synthesized template, and kept current. */
import * as fs from 'fs';
import * as path from 'path';
import { currentDiagram } from '../bin/diagram';
import { PROJECT_ROOT } from '../bin/project';
import { DIAGRAM_END, DIAGRAM_START, withDiagram } from '../pipeline/pipeline-diagram';

const diagram = currentDiagram();

describe('the pipeline diagram', () => {
  test('in README.md is the one the current code synthesizes (run npm run diagram to redraw it)', () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    const section = (text: string) => text.slice(text.indexOf(DIAGRAM_START), text.indexOf(DIAGRAM_END));
    expect(section(readme)).toBe(section(withDiagram(readme, diagram)));
  });

  test('shows every stage, in order, each a box of its own', () => {
    const stages = [...diagram.matchAll(/^ {2}subgraph S\d+\["([^"]+)"\]$/gm)].map((m) => m[1]);
    expect(stages).toEqual([
      'Source',
      'Build',
      'UpdatePipeline',
      'Assets',
      'Dev-Layers',
      'Dev-Functions',
      'Prod-Layers',
      'Prod-Functions',
    ]);
    for (let i = 1; i < stages.length; i++) expect(diagram).toContain(`  S${i - 1} --> S${i}`);
  });

  test("names what each action is: the layer build's Amazon Linux image, the approval, the deploys and smoke tests", () => {
    expect(diagram).toMatch(/BuildLayers-arm64<br\/><small>CodeBuild, amazonlinux-aarch64-standard:3\.0<\/small>/);
    expect(diagram).toMatch(/\{\{"PromoteToProd<br\/><small>manual approval<\/small>"\}\}/);
    expect(diagram).toMatch(/Orders\.Deploy<br\/><small>CloudFormation deploy<\/small>/);
    expect((diagram.match(/SmokeTest<br\/>/g) ?? []).length).toBe(2);
  });

  test('orders actions within a stage by run order: the smoke test after both deploys', () => {
    const ids = (name: string) =>
      [...diagram.matchAll(new RegExp(`^ {4}(S5A\\d+)\\("${name.replace('.', '\\.')}<br`, 'gm'))].map((m) => m[1]);
    const [smoke] = ids('SmokeTest');
    for (const deploy of [...ids('Orders.Deploy'), ...ids('Reports.Deploy')])
      expect(diagram).toContain(`  ${deploy} --> ${smoke}`);
  });
});
