/** IntegrationAdmin over DynamoDB and Secrets Manager (CLI, local demo, tests and benches). */
import { IntegrationAdmin } from '../../application/integration-admin';
import { getDocumentClient, getSecretsManagerClient } from './clients';
import { DynamoIntegrationRepository } from './integration-repository';
import { secretsManagerWriter } from './secrets';

export function awsIntegrationAdmin(tableName: string, secretNamePrefix: string): IntegrationAdmin {
  return new IntegrationAdmin(new DynamoIntegrationRepository(getDocumentClient(), tableName), secretsManagerWriter(getSecretsManagerClient()), secretNamePrefix);
}
