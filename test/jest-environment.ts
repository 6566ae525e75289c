/**
 * Runs before every test file. aws-cdk-lib checks each synthesized template against CloudFormation's default rules
 * (a WebAssembly engine: about four of the five seconds a synth of the fixture takes here), which changes no
 * template. Tests synthesize dozens of apps to read their templates, so they skip it; `test/cfn-rules.test.ts` turns
 * it back on to check that the committed app and the fixture's configurations pass the rules, as `cdk synth` and the
 * pipeline's synth do (`@aws-cdk/core:validateAgainstDefaultRules` in cdk.json makes a finding fail them).
 */
process.env.CDK_VALIDATION = 'false';

/**
 * cdk-nag, which reads every template of an app at synth and changes none, and the creation stack traces `cdk synth`
 * records in the assembly's metadata, are left out of the apps tests build the same way (bin/main.ts honours this in
 * jest only); `test/nag.test.ts` runs cdk-nag over the fixture's apps, shows a finding fails synth, and that leaving
 * both out changes no template. The command-line tools the tests run (`runEntryPoint`) do both, as they always do.
 */
process.env.PYTHON_LAYERS_TEST_SYNTH = 'lean';
