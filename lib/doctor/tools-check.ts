/** The doctor's checks of this machine's tools: Node.js, and the Python and pip the layer builder runs. */
import { spawnSync } from 'child_process';
import { DEFAULT_NODEJS, NODE_END_OF_LIFE } from '../config/build-images';
import type { Finding } from './finding';

/** The oldest Node.js major version the project supports. */
export const MIN_NODE_MAJOR = 20;
/** The oldest Python and pip the layer builder supports (pip's --platform with --only-binary, --no-compile). */
export const MIN_PYTHON: readonly [number, number] = [3, 9];
export const MIN_PIP_MAJOR = 22;

/** The Node.js the pipeline's CodeBuild steps run by default, and the one to develop with. */
export const RECOMMENDED_NODE_MAJOR = Number(DEFAULT_NODEJS);

/** Node.js: at least {@link MIN_NODE_MAJOR}, and a warning once its major version has reached its end of life. */
export function checkNode(version: string = process.versions.node, today: Date = new Date()): Finding {
  const major = Number(version.split('.')[0]);
  if (major < MIN_NODE_MAJOR) {
    return {
      level: 'fail',
      check: 'Node.js',
      message: `v${version} is older than ${MIN_NODE_MAJOR}`,
      fix: `install Node.js ${RECOMMENDED_NODE_MAJOR}`,
    };
  }
  const endOfLife = NODE_END_OF_LIFE[String(major)];
  if (endOfLife && today.toISOString().slice(0, 10) >= endOfLife) {
    return {
      level: 'warn',
      check: 'Node.js',
      message: `v${version} reached its end of life on ${endOfLife}: it still works for development, but gets no security fixes`,
      fix: `install Node.js ${RECOMMENDED_NODE_MAJOR}, which the pipeline's CodeBuild steps run`,
    };
  }
  return { level: 'ok', check: 'Node.js', message: `v${version}` };
}

/** What a command printed, or undefined when it could not run. */
export type CommandRunner = (command: string, args: string[]) => string | undefined;

const runCommand: CommandRunner = (command, args) => {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.status === 0 ? `${result.stdout}${result.stderr}` : undefined;
};

/** Python 3 and its pip, which the layer builder runs: `python` is the command (`npm run doctor` passes $PYTHON). */
export function checkPython(run: CommandRunner = runCommand, python = 'python3'): Finding[] {
  const version = run(python, ['--version'])?.match(/Python (\d+)\.(\d+)\.(\d+)/);
  if (!version) {
    return [
      {
        level: 'fail',
        check: 'Python',
        message: `${python} does not run`,
        fix: 'install Python 3 (python3 on the PATH, or set PYTHON to its path)',
      },
    ];
  }
  const [major, minor] = [Number(version[1]), Number(version[2])];
  const findings: Finding[] = [
    major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1])
      ? { level: 'ok', check: 'Python', message: `${version[0]}` }
      : {
          level: 'fail',
          check: 'Python',
          message: `${version[0]} is older than ${MIN_PYTHON.join('.')}`,
          fix: `install Python ${MIN_PYTHON.join('.')} or newer`,
        },
  ];
  const pip = run(python, ['-m', 'pip', '--version'])?.match(/^pip (\d+)\.(\d+)/);
  if (!pip) {
    findings.push({
      level: 'fail',
      check: 'pip',
      message: `${python} -m pip does not run`,
      fix: `${python} -m ensurepip --upgrade`,
    });
  } else if (Number(pip[1]) < MIN_PIP_MAJOR) {
    findings.push({
      level: 'fail',
      check: 'pip',
      message: `pip ${pip[1]}.${pip[2]} is older than ${MIN_PIP_MAJOR}`,
      fix: `${python} -m pip install --upgrade pip`,
    });
  } else {
    findings.push({ level: 'ok', check: 'pip', message: `pip ${pip[1]}.${pip[2]}` });
  }
  return findings;
}
