import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge, HTTP_API_ACKNOWLEDGEMENTS } from '../policy/nag-acknowledgements';
import type { HttpAuthorization, HttpMethod, HttpRouteConfig } from '../config/http-routes-config';

/**
 * Requests per second, and the burst above it, that the API's stage takes on every route before it answers 429: a
 * ceiling that keeps a runaway client from exhausting the functions' concurrency. Change them for a route in the
 * stack's service module (`ctx.httpApi.stage`).
 */
export const HTTP_API_THROTTLE = { rateLimit: 100, burstLimit: 200 } as const;

/** One access log line per request, JSON, with what tells a failed call from a slow one. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  caller: '$context.identity.caller',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
});

/** A route of the API, and what a caller needs to reach it. */
export interface PublishedRoute {
  /** The function the route invokes (its `live` alias). */
  readonly functionName: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly authorization: HttpAuthorization;
  readonly route: apigw.HttpRoute;
  /** The route's `execute-api` ARN, on the API's one stage: what `execute-api:Invoke` is granted on. */
  readonly invokeArn: string;
}

/** Props of {@link FunctionHttpApi}. */
export interface FunctionHttpApiProps {
  /**
   * The API's name, `<app>-<environment>-<stack>`: unique per app, environment (or sandbox) and stack, whichever wave
   * deploys it (API Gateway would otherwise name every stack's API after the construct).
   */
  readonly apiName: string;
  readonly description: string;
  /** How long the access logs are kept. */
  readonly logRetentionDays: number;
  /**
   * Whether the access log group outlives the stack.
   * @default true
   */
  readonly retainLogs?: boolean;
}

/**
 * The HTTP API of a function stack: one `$default` stage, deployed automatically, with JSON access logs in a log group
 * of its own and throttling on every route. Each route invokes a function's `live` alias (never `$LATEST` or the
 * unqualified function), so CodeDeploy's canary sees real traffic, with a Lambda permission that only this route of
 * this API may use. A route with `iam` authorization takes only SigV4-signed requests of principals allowed
 * `execute-api:Invoke` on it.
 */
export class FunctionHttpApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  private readonly published: PublishedRoute[] = [];

  constructor(scope: Construct, id: string, props: FunctionHttpApiProps) {
    super(scope, id);
    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: props.apiName,
      description: props.description,
      createDefaultStage: false,
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.retainLogs === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.stage = new apigw.HttpStage(this, 'Stage', {
      httpApi: this.api,
      autoDeploy: true,
      throttle: { ...HTTP_API_THROTTLE },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });
  }

  /** The API's base URL, ending in `/`. */
  get url(): string {
    return this.stage.url;
  }

  /** Every route added so far, in order. */
  get routes(): readonly PublishedRoute[] {
    return this.published;
  }

  /** Routes `routes` to the function's `live` alias. */
  addRoutes(functionName: string, alias: lambda.IFunction, routes: readonly HttpRouteConfig[]): void {
    for (const config of routes) {
      const id = routeId(config);
      const [route] = this.api.addRoutes({
        path: config.path,
        methods: [apigw.HttpMethod[config.method]],
        integration: new LiveAliasIntegration(id, alias, this.api, config),
        ...(config.authorization === 'iam' ? { authorizer: new HttpIamAuthorizer() } : {}),
      });
      if (config.authorization === 'none') {
        acknowledge(route.node.defaultChild!, HTTP_API_ACKNOWLEDGEMENTS.publicRoute(functionName, config));
      }
      this.published.push({
        functionName,
        method: config.method,
        path: config.path,
        authorization: config.authorization,
        route,
        invokeArn: executeApiArn(this.api, config),
      });
    }
  }
}

/** `POST /orders/{id}` -> `PostOrdersId`: a construct id per route. */
function routeId(route: Pick<HttpRouteConfig, 'method' | 'path'>): string {
  const words = `${route.method} ${route.path}`.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  return words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('') + (route.path === '/' ? 'Root' : '');
}

/**
 * `arn:...:execute-api:<region>:<account>:<api>/*\/<METHOD>/<path>`: one route of the API, on any of its stages (it
 * has one), its path parameters as wildcards, `ANY` as every method.
 */
function executeApiArn(api: apigw.IHttpApi, route: Pick<HttpRouteConfig, 'method' | 'path'>): string {
  const method = route.method === 'ANY' ? '*' : route.method;
  const path = route.path.replace(/\{[^}]+\}/g, '*');
  return Stack.of(api).formatArn({
    service: 'execute-api',
    resource: api.apiId,
    resourceName: `*/${method}${path}`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/**
 * A Lambda proxy integration (payload format 2.0) with a function's `live` alias, and the permission for API Gateway
 * to invoke that alias from this route of this API only.
 */
class LiveAliasIntegration extends apigw.HttpRouteIntegration {
  constructor(
    private readonly routeName: string,
    private readonly alias: lambda.IFunction,
    private readonly api: apigw.IHttpApi,
    private readonly config: HttpRouteConfig,
  ) {
    super(routeName);
  }

  override bind(options: apigw.HttpRouteIntegrationBindOptions): apigw.HttpRouteIntegrationConfig {
    this.alias.addPermission(`${this.routeName}-Permission`, {
      scope: options.scope,
      principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      sourceArn: executeApiArn(this.api, this.config),
    });
    return {
      type: apigw.HttpIntegrationType.AWS_PROXY,
      uri: this.alias.functionArn,
      payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
    };
  }
}
