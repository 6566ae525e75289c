/**
 * The contract between the template and a stack's service module (`lib/services/<stack>.ts`): what a module gets to
 * add its own resources (tables, buckets, topics, ...) and grants to a function stack, without editing the template.
 * The registry, `lib/services/index.ts`, maps each stack's name to its module; the app calls the module once per
 * environment (and sandbox), after the stack's functions, aliases and triggers exist. cdk-nag checks what it adds
 * like everything else.
 */
import type { RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { FunctionConfig } from './config/functions-config';
import type { FunctionHttpApi } from './constructs/http-api';

/** Where the registry of service modules lives, as problems name it. */
export const SERVICES_MODULE = 'lib/services/index.ts';

/** One function of the stack, as a service module sees it. */
export interface ServiceFunction {
  /** Its validated configuration. */
  readonly config: FunctionConfig;
  /** The function: give it settings here (`fn.function.addEnvironment('ORDERS_TABLE', table.tableName)`). */
  readonly function: lambda.Function;
  /**
   * Its `live` alias, which CodeDeploy moves: whatever invokes the function must invoke this (grant
   * `lambda:InvokeFunction` on it, point event sources at it), or the release's canary and alarms never see the call.
   */
  readonly alias: lambda.Alias;
  /** Its role: grant it what the function uses, and nothing more (`table.grantReadData(fn.role)`). */
  readonly role: iam.IRole;
  /** The queue it receives from, when its configuration has `queue`: grant producers `queue.grantSendMessages(...)`. */
  readonly queue?: sqs.IQueue;
}

/** What a service module receives, once per environment (and sandbox). */
export interface ServiceContext {
  /** The function stack. */
  readonly stack: Stack;
  /** Add the service's resources under this scope (`new dynamodb.Table(ctx.scope, 'Orders', ...)`). */
  readonly scope: Construct;
  readonly appName: string;
  /** `dev`, `prod`, ... or `sandbox-<name>`. */
  readonly environmentName: string;
  /** Whether this is a personal sandbox, deployed from a laptop and destroyed after. */
  readonly sandbox: boolean;
  /**
   * What stateful resources (tables, buckets) should do when they leave the stack: `RETAIN` in the pipeline's
   * environments, `DESTROY` in sandboxes, so destroying a sandbox leaves nothing behind.
   */
  readonly removalPolicy: RemovalPolicy;
  /** The stack's functions, by their names in `config.functions`. */
  readonly functions: ReadonlyMap<string, ServiceFunction>;
  /** The stack's HTTP API, when one of its functions has a route. */
  readonly httpApi?: FunctionHttpApi;
  /**
   * One function of the stack, by its name in `config.functions`.
   * @throws ConfigError naming the function and the functions the stack has, when it has no such function.
   */
  function(name: string): ServiceFunction;
}

/** A stack's service module: adds the service's own resources and grants to the stack. */
export type Service = (ctx: ServiceContext) => void;

/** The registry: each function stack's name (`config.functions.<name>.stack`) to its service module. */
export type Services = Readonly<Record<string, Service>>;
