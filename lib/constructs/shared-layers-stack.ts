import { Fn, Stack, StackProps } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { AlarmTopic } from './alarm-topic';
import type { LayerContent } from '../layer-content/layer-source';
import { layerArnParameterName, layerName, layerVersionParameterName, pascalCase } from '../config/naming';
import { PythonLayer } from './python-layer';

/** What a function stack needs to know of one published layer: its name, where to read its version, its fingerprint. */
export interface LayerReference {
  readonly name: string;
  /** The layer's name in Lambda (`<app>-<environment>-<layer>`): the only layer a function stack attaches for it. */
  readonly layerName: string;
  /** The SSM parameter that holds the ARN of the layer's current version (for people and the smoke test). */
  readonly parameterName: string;
  /** The SSM parameter that holds the number of the layer's current version (what function stacks read). */
  readonly versionParameterName: string;
  readonly fingerprint: string;
  /** Changes whenever a new version of the layer is published (see `PythonLayer.versionKey`). */
  readonly versionKey: string;
}

/** Props of {@link SharedLayersStack}. */
export interface SharedLayersStackProps extends StackProps {
  readonly appName: string;
  readonly environmentName: string;
  /** Every layer of the project, resolved once per synth. */
  readonly layers: readonly LayerContent[];
  /**
   * Whether layer versions outlive the stack.
   * @default true
   */
  readonly retainLayers?: boolean;
  /**
   * Who the environment's alarm topic e-mails (`alarms.notify`).
   * @default - nobody
   */
  readonly alarmEmails?: readonly string[];
}

/**
 * One environment's layers: a retained `LayerVersion` per layer, and an SSM parameter per layer holding the ARN of
 * its current version. Function stacks read the parameters; nothing is exported, so no stack ever locks a layer.
 * It also holds the environment's alarm topic (see {@link AlarmTopic}), which the function stacks' alarms notify.
 */
export class SharedLayersStack extends Stack {
  readonly references: readonly LayerReference[];
  readonly alarmTopic: AlarmTopic;

  constructor(scope: Construct, id: string, props: SharedLayersStackProps) {
    super(scope, id, props);
    this.references = props.layers.map((content) => {
      const name = content.layer.name;
      const physicalName = layerName(props.appName, props.environmentName, name);
      const construct = new PythonLayer(this, pascalCase(name), {
        content,
        layerVersionName: physicalName,
        retain: props.retainLayers,
      });
      const parameterName = layerArnParameterName(props.appName, props.environmentName, name);
      new ssm.StringParameter(construct, 'ArnParameter', {
        parameterName,
        stringValue: construct.layerVersion.layerVersionArn,
        description: `ARN of the current version of the ${name} layer (${props.appName}, ${props.environmentName}). Written by ${this.stackName}.`,
        tier: ssm.ParameterTier.STANDARD,
      });
      const versionParameterName = layerVersionParameterName(props.appName, props.environmentName, name);
      new ssm.StringParameter(construct, 'VersionParameter', {
        parameterName: versionParameterName,
        // arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>
        stringValue: Fn.select(7, Fn.split(':', construct.layerVersion.layerVersionArn)),
        description: `Version number of the current version of layer ${physicalName}: the function stacks build its ARN from their own account and this. Written by ${this.stackName}.`,
        tier: ssm.ParameterTier.STANDARD,
      });
      return {
        name,
        layerName: physicalName,
        parameterName,
        versionParameterName,
        fingerprint: construct.fingerprint,
        versionKey: construct.versionKey,
      };
    });
    this.alarmTopic = new AlarmTopic(this, 'Alarms', {
      appName: props.appName,
      environmentName: props.environmentName,
      emails: props.alarmEmails ?? [],
      retainKey: props.retainLayers,
    });
  }
}
