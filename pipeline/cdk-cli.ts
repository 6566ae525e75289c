/**
 * The command that installs the project's own CDK CLI in a CodeBuild step: the exact version `package.json` pins
 * (`aws-cdk`), never npm's `latest` (an old build that cannot read this project's cloud assembly).
 */
export function installCdkCli(cliVersion: string): string {
  return `npm install -g aws-cdk@${cliVersion}`;
}
