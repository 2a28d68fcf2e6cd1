/**
 * The key spaces in shared/config/functions.ts are what IAM grants (dynamodb:LeadingKeys). An
 * adapter that starts writing a new partition-key prefix would be refused by IAM in AWS while
 * every local test passes, so this reads the adapters' key literals and fails until the prefix
 * is declared (or named here as a sort-key prefix).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { functionDefinitions, keySpaces, type KeySpace } from '../../shared/config/functions';
import { stateTable } from '../../shared/config/resources';

const ADAPTERS = path.resolve(__dirname, '../../shared/adapters/aws');
/** Prefixes the adapters use only in sort keys (or in the incident index's sk). */
const SORT_KEY_ONLY = ['CORP#', 'CURRENT#', 'EMAIL#', 'GROUP#', 'MONTH#', 'USER#', 'V#'];

function keyLiteralPrefixes(source: string): string[] {
  return [...source.matchAll(/[`'"]([A-Z][A-Z_]*#)/g)].map((match) => match[1]);
}

describe('state-table key spaces', () => {
  const declared = new Set(
    Object.values(keySpaces).flatMap((keySpace) => keySpace.partitionKeys.map((pattern) => pattern.replace(/#.*$/, '#'))),
  );

  it('cover every partition-key prefix an adapter composes', () => {
    const files = readdirSync(ADAPTERS).filter((name) => name.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    const undeclared = files.flatMap((file) =>
      keyLiteralPrefixes(readFileSync(path.join(ADAPTERS, file), 'utf8'))
        .filter((prefix) => !declared.has(prefix) && !SORT_KEY_ONLY.includes(prefix))
        .map((prefix) => `${file}: ${prefix}`),
    );
    expect(undeclared).toEqual([]);
  });

  it('would name a new prefix (the check can fail)', () => {
    const found = keyLiteralPrefixes("const key = { pk: `WIDGET#${id}`, sk: 'META' };");
    expect(found.filter((prefix) => !declared.has(prefix))).toEqual(['WIDGET#']);
  });

  it('are patterns IAM can match: a prefix and a trailing wildcard (or the fixed list key)', () => {
    for (const keySpace of Object.values(keySpaces)) {
      for (const pattern of keySpace.partitionKeys) expect(pattern).toMatch(/^([A-Z]+#[A-Za-z#:]*\*|INTEGRATIONS|MEMBERS)$/);
      expect(keySpace.actions.length).toBeGreaterThan(0);
    }
  });

  it('name only indexes the table has, and every function’s access is declared', () => {
    const indexes = stateTable.globalSecondaryIndexes.map((index) => index.indexName);
    for (const keySpace of Object.values(keySpaces) as { index?: string }[]) {
      if (keySpace.index !== undefined) expect(indexes).toContain(keySpace.index);
    }
    for (const definition of functionDefinitions) expect(definition.access).toBeDefined();
  });

  /** Which key spaces grant each DynamoDB adapter's operations (a new adapter must be added here). */
  const ADAPTER_KEY_SPACES: Record<string, readonly KeySpace[]> = {
    'access-token-store.ts': [keySpaces.weComTokens, keySpaces.dingTalkTokens],
    'bot-digests.ts': [keySpaces.botDigests],
    'bot-registry.ts': [keySpaces.bots],
    'alert-source-repository.ts': [keySpaces.alertSources],
    'alert-state-store.ts': [keySpaces.alertStates],
    'bot-stream-store.ts': [keySpaces.botStreams],
    'dedupe-store.ts': [keySpaces.weComDedupe, keySpaces.dingTalkDedupe],
    'dingtalk-card-store.ts': [keySpaces.dingTalkCards],
    'dispatch-ledger.ts': [keySpaces.dispatchLedger, keySpaces.digests],
    'group-registry.ts': [keySpaces.groupsRead, keySpaces.groupsWrite],
    'incident-card-index.ts': [keySpaces.incidentCardIndex],
    'incident-repository.ts': [keySpaces.incidents],
    'incident-retention.ts': [keySpaces.incidents, keySpaces.incidentCardIndex, keySpaces.weComCards, keySpaces.dingTalkCards],
    'integration-repository.ts': [keySpaces.integrations, keySpaces.integrationList, keySpaces.integrationsWrite],
    'suite-store.ts': [keySpaces.suitesRead, keySpaces.suitesWrite, keySpaces.suiteCodes],
    'link-store.ts': [keySpaces.links],
    'one-time-codes.ts': [keySpaces.linkCodes],
    'lookup-miss-counter.ts': [keySpaces.lookupMisses],
    'auto-link-settings.ts': [keySpaces.autoLinkSettings],
    'mapping-tables.ts': [keySpaces.mappingTables],
    'member-directory.ts': [keySpaces.membersRead, keySpaces.membersWrite, keySpaces.memberMobilesRead, keySpaces.memberMobilesWrite],
    'mobile-lookup-cache.ts': [keySpaces.mobileLookups],
    'operation-log.ts': [keySpaces.operationLog, keySpaces.operationLogByIncident],
    'qps-limiter.ts': [keySpaces.qps],
    'quota-meter.ts': [keySpaces.quota],
    'rate-limit-counters.ts': [keySpaces.clickRateLimits, keySpaces.robotRateLimits, keySpaces.linkRateLimits],
    'template-store.ts': [keySpaces.templates],
    'war-room-store.ts': [keySpaces.warRooms, keySpaces.warRoomsRead],
    'war-room-chat-index.ts': [keySpaces.warRoomChatsRead, keySpaces.warRoomChatsWrite],
    'token-claims.ts': [keySpaces.linkClaims],
    'wecom-card-store.ts': [keySpaces.weComCards],
  };
  /** Operations only the CLI performs (integration records and links are written by operators). */
  const CLI_ONLY: Record<string, string[]> = {
    'bot-registry.ts': ['PutItem', 'DeleteItem'],
    'alert-source-repository.ts': ['PutItem', 'DeleteItem', 'Query'],
    'integration-repository.ts': ['DeleteItem'],
    'link-store.ts': ['PutItem', 'DeleteItem'],
    'mapping-tables.ts': ['PutItem', 'UpdateItem', 'DeleteItem', 'Query'],
    'member-directory.ts': ['Query'],
    'auto-link-settings.ts': ['PutItem', 'DeleteItem'],
    'operation-log.ts': ['Query'],
    'template-store.ts': ['PutItem', 'DeleteItem', 'Query'],
  };
  const ACTION_OF: Record<string, string> = {
    GetCommand: 'GetItem',
    PutCommand: 'PutItem',
    UpdateCommand: 'UpdateItem',
    DeleteCommand: 'DeleteItem',
    QueryCommand: 'Query',
    BatchGetCommand: 'BatchGetItem',
  };

  it('grant every DynamoDB operation an adapter performs (and adapters use no Scan, batch write or transaction)', () => {
    const missing: string[] = [];
    for (const file of readdirSync(ADAPTERS).filter((name) => name.endsWith('.ts'))) {
      const source = readFileSync(path.join(ADAPTERS, file), 'utf8');
      if (!source.includes('@aws-sdk/lib-dynamodb') && !source.includes('@aws-sdk/client-dynamodb')) continue;
      const commands = [...new Set([...source.matchAll(/new ([A-Za-z]+Command)\b/g)].map((match) => match[1]))];
      const granted = new Set((ADAPTER_KEY_SPACES[file] ?? []).flatMap((keySpace) => keySpace.actions as readonly string[]));
      if (ADAPTER_KEY_SPACES[file] === undefined && commands.length > 0) missing.push(`${file}: no key space mapped`);
      for (const command of commands) {
        const action = ACTION_OF[command];
        if (action === undefined) missing.push(`${file}: ${command} is not an operation the functions are granted`);
        else if (!granted.has(action) && !(CLI_ONLY[file] ?? []).includes(action)) missing.push(`${file}: ${action}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
