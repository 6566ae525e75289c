/** The benchmark's model of the pipeline's time, on the fixture's synthesized assembly. */
import { DEFAULT_ACTION_COSTS, modelPipeline, TRAFFIC_SHIFT_SECONDS } from '../bench/pipeline-model';
import { synthApp, tempDir, FIXTURE_PIPELINE_STAGES } from './helpers';

function modelOf(change?: (config: Record<string, any>) => void) {
  const outdir = tempDir('model-');
  synthApp({ outdir, config: change });
  return modelPipeline(outdir);
}

describe('the pipeline time model', () => {
  const model = modelOf();

  test('counts three CodeBuild hosts one after another before the first deploy, with one layer architecture', () => {
    expect(model.codeBuildBeforeFirstDeploy).toEqual(['Build/Synth', 'UpdatePipeline/SelfMutate', 'Assets/FileAssets']);
  });

  test('counts a fourth with a second layer architecture, whose build runs before synth', () => {
    const twoArchitectures = modelOf((c) => (c.layers.domain.architectures = ['x86_64', 'arm64']));
    expect(twoArchitectures.codeBuildBeforeFirstDeploy).toEqual([
      'Build/BuildLayers-x86_64',
      'Build/Synth',
      'UpdatePipeline/SelfMutate',
      'Assets/FileAssets',
    ]);
  });

  test('walks the stages in order, the clock never going back', () => {
    expect(model.stages.map((s) => s.stage)).toEqual([...FIXTURE_PIPELINE_STAGES]);
    const times = model.stages.map((s) => s.secondsFromPush);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect([...model.minutesToEnvironment.keys()]).toEqual(['Dev', 'Prod']);
  });

  test("adds each environment's traffic shift: prod's canary bakes five minutes, dev shifts all at once", () => {
    const at = (stage: string) => model.stages.find((s) => s.stage === stage)!.secondsFromPush;
    const { changeSet, deploy, codeBuildHost, smokeTest } = DEFAULT_ACTION_COSTS;
    const wave = (shift: number) => changeSet + deploy + shift + codeBuildHost + smokeTest;
    expect(at('Dev-Functions') - at('Dev-Layers')).toBe(wave(0));
    expect(at('Prod-Functions') - at('Prod-Layers')).toBe(
      wave(TRAFFIC_SHIFT_SECONDS['CodeDeployDefault.LambdaCanary10Percent5Minutes']),
    );
  });

  test("adds the bake before prod to dev's health stage: dev stays healthy 30 minutes before prod's approval", () => {
    const at = (stage: string) => model.stages.find((s) => s.stage === stage)!.secondsFromPush;
    const { changeSet, deploy } = DEFAULT_ACTION_COSTS;
    expect(at('Dev-Health') - at('Dev-Functions')).toBe(changeSet + deploy + 30 * 60);
    expect(at('Prod-Health') - at('Prod-Functions')).toBe(changeSet + deploy);
    expect(model.minutesToEnvironment.get('Dev')).toBe(at('Dev-Health') / 60);
  });
});
