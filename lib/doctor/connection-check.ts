/** The doctor's check of the pipeline's CodeConnections connection. */
import { GetConnectionCommand, ResourceNotFoundException } from '@aws-sdk/client-codestar-connections';
import type { AccountClients } from './aws-clients';
import type { Finding } from './finding';

/** The pipeline's connection exists and is AVAILABLE (a new one is PENDING until someone authorises it). */
export async function checkConnection(clients: AccountClients, connectionArn: string): Promise<Finding> {
  const check = 'connection';
  try {
    const out = await clients.connections.send(new GetConnectionCommand({ ConnectionArn: connectionArn }));
    const status = out.Connection?.ConnectionStatus;
    if (status === 'AVAILABLE')
      return { level: 'ok', check, message: `${out.Connection?.ConnectionName} is AVAILABLE` };
    return {
      level: 'fail',
      check,
      message: `${out.Connection?.ConnectionName ?? connectionArn} is ${status}`,
      fix: 'open Developer Tools > Settings > Connections in the console and finish (authorise) the connection',
    };
  } catch (error) {
    if (error instanceof ResourceNotFoundException) {
      return {
        level: 'fail',
        check,
        message: `no connection ${connectionArn}`,
        fix: 'create the connection, then put its ARN in config.pipeline.source.connectionArn',
      };
    }
    return {
      level: 'fail',
      check,
      message: `cannot read the connection: ${(error as Error).message}`,
      fix: 'check the credentials may call codestar-connections:GetConnection',
    };
  }
}
