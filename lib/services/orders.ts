import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { ServiceContext } from '../service';

/**
 * The orders service: a table of the orders price-order has priced, which price-order may write to (one action,
 * on this table) and find by the name in its ORDERS_TABLE variable. The table is kept when it leaves the stack, and
 * protected from deletion, except in a sandbox.
 */
export function orders(ctx: ServiceContext): void {
  const table = new dynamodb.Table(ctx.scope, 'Orders', {
    partitionKey: { name: 'orderId', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: !ctx.sandbox,
    removalPolicy: ctx.removalPolicy,
  });
  const priceOrder = ctx.function('price-order');
  table.grant(priceOrder.role, 'dynamodb:PutItem');
  priceOrder.function.addEnvironment('ORDERS_TABLE', table.tableName);
}
