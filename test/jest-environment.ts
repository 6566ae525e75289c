/**
 * Runs before every test file. aws-cdk-lib checks each synthesized template against CloudFormation's default rules
 * (a WebAssembly engine: about four of the five seconds a synth of the fixture takes here), which changes no
 * template. Tests synthesize dozens of apps to read their templates, so they skip it; `test/cfn-rules.test.ts` turns
 * it back on to check that the committed app and the fixture's configurations pass the rules, as `cdk synth` and the
 * pipeline's synth do (`@aws-cdk/core:validateAgainstDefaultRules` in cdk.json makes a finding fail them).
 */
process.env.CDK_VALIDATION = 'false';
