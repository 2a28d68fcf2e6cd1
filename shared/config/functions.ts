/**
 * Every Lambda function and HTTP route, declared once: the CDK stateless stack creates one
 * NodejsFunction per entry and the local gateway serves the same routes with the same modules.
 */
import {
  QueueDefinition,
  cardRefreshQueue,
  inboundCallbacksQueue,
  incidentActionsQueue,
  alertIngestQueue,
  alertSilencesQueue,
  incidentEventsQueue,
  linkMailQueue,
  outgoingImQueue,
  warRoomQueue,
  botRepliesQueue,
  suiteAuthQueue,
} from './resources';

export type HttpMethod = 'GET' | 'POST';

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway HTTP API route path; `{name}` marks a path parameter. */
  readonly path: string;
}

/** The chat platforms an integration (and its secret) belongs to. */
export type Platform = 'wecom' | 'dingtalk';

/** DynamoDB item actions, IAM names without the `dynamodb:` prefix. No Scan, no batch writes. */
export type TableAction = 'GetItem' | 'BatchGetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'DeleteItem';

/**
 * One family of items in the state table, with the operations an adapter in shared/adapters/aws
 * performs on it. The CDK grants each action only on these partition keys (IAM condition
 * `dynamodb:LeadingKeys`, `*` matching any characters).
 */
export interface KeySpace {
  /** Partition-key patterns, as the adapter composes them (`INCIDENT#<id>` → `INCIDENT#*`). */
  readonly partitionKeys: readonly string[];
  readonly actions: readonly TableAction[];
  /**
   * Global secondary index the access goes through instead of the table. Its key is not the
   * table's partition key, so no `dynamodb:LeadingKeys` condition applies; the grant names the
   * index alone.
   */
  readonly index?: string;
}

/** The state table's key spaces, one per adapter (and per platform where the key carries it). */
export const keySpaces = {
  /** integration-repository: `INTEGRATION#<id>` / `META` (reads only; the CLI writes). */
  integrations: { partitionKeys: ['INTEGRATION#*'], actions: ['GetItem'] },
  /** integration-repository list(): gsi1 `INTEGRATIONS`. */
  integrationList: { partitionKeys: ['INTEGRATIONS'], actions: ['Query'], index: 'gsi1' },
  /** dedupe-store, keys `wecom:<integration>:…` and `dingtalk:<integration>:…`. */
  weComDedupe: { partitionKeys: ['DEDUPE#wecom:*'], actions: ['GetItem', 'PutItem', 'DeleteItem'] },
  dingTalkDedupe: { partitionKeys: ['DEDUPE#dingtalk:*'], actions: ['GetItem', 'PutItem', 'DeleteItem'] },
  /** access-token-store, keys `wecom:<corp>:<agent>` and `dingtalk:<clientId>`. */
  weComTokens: { partitionKeys: ['TOKEN#wecom:*'], actions: ['GetItem', 'UpdateItem'] },
  dingTalkTokens: { partitionKeys: ['TOKEN#dingtalk:*'], actions: ['GetItem', 'UpdateItem'] },
  /** group-registry get()/list(): `INTEGRATION#<id>` / `GROUP#<conversation>`. */
  groupsRead: { partitionKeys: ['INTEGRATION#*'], actions: ['Query'] },
  /** group-registry apply(). */
  groupsWrite: { partitionKeys: ['INTEGRATION#*'], actions: ['PutItem', 'UpdateItem'] },
  /** incident-repository: `INCIDENT#<id>`. */
  incidents: { partitionKeys: ['INCIDENT#*'], actions: ['GetItem', 'PutItem', 'UpdateItem'] },
  /** incident-repository get() alone (the war-room worker reads the incident, never writes it). */
  incidentsRead: { partitionKeys: ['INCIDENT#*'], actions: ['GetItem'] },
  /** incident-card-index: `INCIDENT#<id>` / `CARD#…`. */
  incidentCardIndex: { partitionKeys: ['INCIDENT#*'], actions: ['Query'] },
  /** wecom-card-store: cards, tasks, response codes and their incident index entries. */
  weComCards: {
    partitionKeys: ['CARD#wecom#*', 'TASK#wecom#*', 'CODES#*', 'INCIDENT#*'],
    actions: ['GetItem', 'PutItem', 'UpdateItem', 'Query'],
  },
  /** dingtalk-card-store: cards, outTrackIds and their incident index entries. */
  dingTalkCards: { partitionKeys: ['CARD#dingtalk#*', 'OUTTRACK#*', 'INCIDENT#*'], actions: ['GetItem', 'PutItem', 'UpdateItem'] },
  /** link-store reads: `LINK#<integrationId>` (the CLI writes links). */
  links: { partitionKeys: ['LINK#*'], actions: ['GetItem', 'BatchGetItem', 'Query'] },
  /**
   * mapping-tables lookup(): `MAPPING#<name>` / `META` and `V#<version>#ROW#<email>` (email →
   * WeCom userid, for group bots' inline @mentions). The CLI creates, replaces, lists (gsi1
   * `MAPPINGS`) and deletes tables.
   */
  mappingTables: { partitionKeys: ['MAPPING#*'], actions: ['GetItem', 'BatchGetItem'] },
  /** member-directory get(): `MEMBER#<email>` (list() is the CLI's). */
  membersRead: { partitionKeys: ['MEMBER#*'], actions: ['GetItem'] },
  /** member-directory upsert()/remove() (member.* events): reads the previous mobile to move its index item. */
  membersWrite: { partitionKeys: ['MEMBER#*'], actions: ['GetItem', 'PutItem', 'DeleteItem'] },
  /** member-directory byMobile() reads, upsert()/remove() keep it: `MEMBERMOBILE#<comparable mobile>`. */
  memberMobilesRead: { partitionKeys: ['MEMBERMOBILE#*'], actions: ['GetItem'] },
  memberMobilesWrite: { partitionKeys: ['MEMBERMOBILE#*'], actions: ['PutItem', 'DeleteItem'] },
  /** mobile-lookup-cache: `DTMOBILE#<integration>#<mobile>`. */
  mobileLookups: { partitionKeys: ['DTMOBILE#*'], actions: ['GetItem', 'PutItem'] },
  /** dispatch-ledger: `OUTCALL#<idempotency key>`. */
  dispatchLedger: { partitionKeys: ['OUTCALL#*'], actions: ['GetItem', 'PutItem', 'UpdateItem'] },
  /** dispatch-ledger digest buffer: `DIGEST#<integration>`. */
  digests: { partitionKeys: ['DIGEST#*'], actions: ['PutItem', 'Query', 'DeleteItem'] },
  /** lookup-miss-counter (One-Click Link): `LOOKUPMISS#<integrationId>#<day>`. */
  lookupMisses: { partitionKeys: ['LOOKUPMISS#*'], actions: ['GetItem', 'UpdateItem'] },
  /** auto-link-settings: an integration's daily One-Click Link, `AUTOLINK#<integrationId>` (the CLI writes it). */
  autoLinkSettings: { partitionKeys: ['AUTOLINK#*'], actions: ['GetItem'] },
  /** member-directory list(): gsi1 `MEMBERS` (One-Click Link's daily run; also the CLI's Linked Users). */
  memberList: { partitionKeys: ['MEMBERS'], actions: ['Query'], index: 'gsi1' },
  /** bot-registry get()/list(): `BOT#<integrationId>` / `<bot name>` (the CLI adds and removes bots). */
  bots: { partitionKeys: ['BOT#*'], actions: ['GetItem', 'Query'] },
  /** bot-digests: alerts a group bot held back, `BOTDIGEST#<integrationId>` / `<bot>#<due>#<random>`. */
  botDigests: { partitionKeys: ['BOTDIGEST#*'], actions: ['PutItem', 'Query', 'DeleteItem'] },
  /** rate-limit-counters for group bots (20 messages a minute per robot): `RATE#robot:<integration>:<bot>#<window>`. */
  robotRateLimits: { partitionKeys: ['RATE#robot:*'], actions: ['GetItem', 'UpdateItem'] },
  /** link-store set()/remove() from the linking pages (self-service links): `LINK#<integrationId>`. */
  linksWrite: { partitionKeys: ['LINK#*'], actions: ['PutItem', 'DeleteItem'] },
  /** rate-limit-counters for one-time code mails: `RATE#link:<account|email|tries>:…#<window>`. */
  linkRateLimits: { partitionKeys: ['RATE#link:*'], actions: ['UpdateItem'] },
  /** qps-limiter: `QPS#<app>#<api>`. */
  qps: { partitionKeys: ['QPS#*'], actions: ['UpdateItem'] },
  /** quota-meter: `QUOTA#<org>`. */
  quota: { partitionKeys: ['QUOTA#*'], actions: ['GetItem', 'UpdateItem'] },
  /** rate-limit-counters for card clicks: `RATE#click:<user|incident>:…#<window>`. */
  clickRateLimits: { partitionKeys: ['RATE#click:*'], actions: ['UpdateItem'] },
  /**
   * operation-log append(): `OPLOG#incident#<id>`, `OPLOG#member#<email>`, `OPLOG#integration#<id>`,
   * `OPLOG#day#<date>` (one item per dimension, 30-day TTL). Functions only append; the CLI queries.
   */
  operationLog: { partitionKeys: ['OPLOG#*'], actions: ['PutItem'] },
  /**
   * template-store get(): notification templates, `TEMPLATE#<integrationId>` / `CURRENT#<channel>`
   * (read when rendering; the CLI saves versions `V#<channel>#<version>`, lists and removes).
   */
  templates: { partitionKeys: ['TEMPLATE#*'], actions: ['GetItem'] },
  /** token-claims: single use of link tokens and OAuth states, `LINKCLAIM#<jti>` (TTL). */
  linkClaims: { partitionKeys: ['LINKCLAIM#*'], actions: ['PutItem'] },
  /** one-time-codes: the hashed email code of a linking session, `LINKCODE#<sessionKey>` (TTL). */
  linkCodes: { partitionKeys: ['LINKCODE#*'], actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'] },
  /** one-time-codes issue() alone: send-link-code draws and stores the code, the pages check it. */
  linkCodesIssue: { partitionKeys: ['LINKCODE#*'], actions: ['PutItem'] },
  /** war-room-store (issue 14): an incident's rooms, `WARROOM#<incidentId>` / `<integrationId>`. */
  warRooms: { partitionKeys: ['WARROOM#*'], actions: ['GetItem', 'PutItem', 'Query'] },
  /** war-room-store listForIncident() alone: notify asks for a sync only when an incident has rooms. */
  warRoomsRead: { partitionKeys: ['WARROOM#*'], actions: ['Query'] },
  /** war-room-store save() keeps the chat → incident index: `WARROOMCHAT#<integrationId>#<chatId>`. */
  warRoomChatsWrite: { partitionKeys: ['WARROOMCHAT#*'], actions: ['PutItem'] },
  /** war-room chat index incidentFor(): a smart bot message in a War Room implies its incident. */
  warRoomChatsRead: { partitionKeys: ['WARROOMCHAT#*'], actions: ['GetItem'] },
  /** bot-stream-store (issue 15): a smart bot reply being written, `BOTSTREAM#<integrationId>#<streamId>` (TTL). */
  botStreams: { partitionKeys: ['BOTSTREAM#*'], actions: ['GetItem', 'PutItem', 'UpdateItem'] },
  /** operation-log query() by incident (the bot's post-mortem draft): `OPLOG#incident#<id>`. */
  operationLogByIncident: { partitionKeys: ['OPLOG#incident#*'], actions: ['Query'] },
  /** alert-source-repository get() (issue 18); put/delete/list are the CLI's. */
  alertSources: { partitionKeys: ['ALERTSOURCE#*'], actions: ['GetItem'] },
  /** alert-state-store: the version stream and silence of each alert incident, `ALERTSTATE#<incidentId>`. */
  alertStates: { partitionKeys: ['ALERTSTATE#*'], actions: ['GetItem', 'PutItem'] },
  /**
   * suite-store reads (issue 16): `SUITE#<suiteId>` / `META` (the suite), `TICKET` (the newest
   * suite_ticket, for suite tokens) and `CORP#<corpId>` (an authorization). The CLI writes META.
   */
  suitesRead: { partitionKeys: ['SUITE#*'], actions: ['GetItem'] },
  /** suite-store saveTicketIfNewer() / putAuthorization() / listAuthorizations(). */
  suitesWrite: { partitionKeys: ['SUITE#*'], actions: ['PutItem', 'Query'] },
  /** suite-store claimAuthCode() / releaseAuthCode(): `SUITECODE#<suiteId>#<sha256>` (TTL). */
  suiteCodes: { partitionKeys: ['SUITECODE#*'], actions: ['GetItem', 'PutItem', 'DeleteItem'] },
  /** integration-repository put(): the suite-auth worker disables / re-enables a suite corp's integration. */
  integrationsWrite: { partitionKeys: ['INTEGRATION#*'], actions: ['GetItem', 'PutItem'] },
} as const satisfies Record<string, KeySpace>;

/**
 * What a function may touch, declared next to it and turned into its IAM policy by the CDK
 * stateless stack (nothing else is granted). Follow the function's path through
 * shared/composition.ts or shared/dispatch-composition.ts when changing it.
 */
export interface FunctionAccess {
  /** State-table key spaces it reads or writes. */
  readonly state: readonly KeySpace[];
  /** Queues it sends to (its own queue's consumption comes with `queue`). */
  readonly sendsTo: readonly QueueDefinition[];
  /** Queues whose dead-letter queue it writes poison or parked messages to. */
  readonly deadLettersFor: readonly QueueDefinition[];
  /** Platforms whose integration secrets it reads. */
  readonly secretsOf: readonly Platform[];
  /** Reads alert sources' secrets (`sources/<id>`: webhook token or HMAC secret, Alertmanager token); default false. */
  readonly sourceSecrets?: boolean;
  /**
   * WeCom suites' secrets (`suites/<suiteId>…`, issue 16): `read` for suite tokens and callback
   * decryption; `write` also creates and updates the per-corp permanent codes
   * (`suites/<suiteId>/corps/<corpId>`). Default none.
   */
  readonly suiteSecrets?: 'read' | 'write';
  /**
   * Sends mail through Amazon SES (`ses:SendEmail`), for integrations whose one-time codes go out
   * by SES rather than their SMTP server. Only the mail worker has it.
   */
  readonly sesSend?: boolean;
}

/** State of the WeCom card path (WeComCardsUseCase with its messengers). */
const weComCardPath = [
  keySpaces.incidents,
  keySpaces.links,
  keySpaces.weComCards,
  keySpaces.weComTokens,
  keySpaces.operationLog,
  keySpaces.templates,
  // Third-party (suite) integrations' corp tokens come from the suite's token and ticket (issue 16).
  keySpaces.suitesRead,
] as const;
/** State of the DingTalk card path (DingTalkCardFlow with its clients). */
const dingTalkCardPath = [
  keySpaces.incidents,
  keySpaces.links,
  keySpaces.membersRead,
  keySpaces.groupsRead,
  keySpaces.dingTalkCards,
  keySpaces.mobileLookups,
  keySpaces.dingTalkTokens,
  keySpaces.operationLog,
  keySpaces.templates,
] as const;
/**
 * State of the group-bot path (GroupBotAlerts, shared/application/group-bots.ts): the bots, their
 * rate counters and digests, the mentions' sources, the post-once ledger (dispatch ledger keys).
 */
const groupBotPath = [
  keySpaces.bots,
  keySpaces.botDigests,
  keySpaces.robotRateLimits,
  keySpaces.dispatchLedger,
  keySpaces.membersRead,
  keySpaces.links,
  keySpaces.mappingTables,
  keySpaces.operationLog,
  // The integration's bot markdown/text templates (issue 13).
  keySpaces.templates,
] as const;
/** State of the dispatch worker (shared/dispatch-composition.ts). */
const dispatchPath = [
  keySpaces.integrations,
  keySpaces.dingTalkTokens,
  keySpaces.qps,
  keySpaces.quota,
  keySpaces.dispatchLedger,
  keySpaces.digests,
  keySpaces.operationLog,
  // DingTalk custom robots: the bot (its secret's name) and its digest (quota above 95 %).
  keySpaces.bots,
  keySpaces.botDigests,
] as const;

export interface FunctionDefinition {
  /** Short name; the handler lives in functions/<name>/handler.ts and exports `handler`. */
  readonly name: string;
  readonly description: string;
  readonly routes?: readonly RouteDefinition[];
  /** Queue whose messages invoke this function (event source mapping with partial batch failures). */
  readonly queue?: QueueDefinition;
  /** Runs on a timer (EventBridge schedule in AWS, an interval on the local stack), every N minutes. */
  readonly everyMinutes?: number;
  /** Lambda timeout in seconds. Callback functions answer well inside WeCom's 5 s and DingTalk's 2 s. */
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** Everything the function's role is granted beyond writing its own log group. */
  readonly access: FunctionAccess;
  /**
   * Calls the platforms' APIs from the fixed egress IPs when fixedEgress is set: WeCom and
   * DingTalk (their 企业可信IP / 服务器出口IP allow-lists), the model endpoint, SMTP servers and
   * Alertmanager. Such a function runs in the egress VPC's private subnets behind the NAT
   * gateways; functions that only receive webhooks stay out of it. Default false.
   */
  readonly egress?: boolean;
}

/** The account-linking pages' routes (issue 11): the homepage per platform, then the flow's steps. */
export const linkPageRoutes: readonly RouteDefinition[] = [
  { method: 'GET', path: '/link/wecom/{integrationId}' },
  { method: 'GET', path: '/link/dingtalk/{integrationId}' },
  { method: 'GET', path: '/link/{platform}/{integrationId}/callback' },
  { method: 'POST', path: '/link/{platform}/{integrationId}/callback' },
  { method: 'GET', path: '/link/{platform}/{integrationId}/oidc' },
  { method: 'GET', path: '/link/{platform}/{integrationId}/oidc/callback' },
  { method: 'POST', path: '/link/{platform}/{integrationId}/code' },
];

const NO_ACCESS: FunctionAccess = { state: [], sendsTo: [], deadLettersFor: [], secretsOf: [] };

export const functionDefinitions: readonly FunctionDefinition[] = [
  {
    name: 'healthz',
    description: 'Liveness probe',
    routes: [{ method: 'GET', path: '/healthz' }],
    timeoutSeconds: 3,
    memoryMb: 256,
    access: NO_ACCESS,
  },
  {
    name: 'wecom-callback',
    description: 'WeCom app callback: URL verification (GET) and encrypted events (POST)',
    routes: [
      { method: 'GET', path: '/wecom/{integrationId}/callback' },
      { method: 'POST', path: '/wecom/{integrationId}/callback' },
    ],
    timeoutSeconds: 5,
    memoryMb: 512,
    access: {
      state: [keySpaces.integrations, keySpaces.weComDedupe],
      sendsTo: [inboundCallbacksQueue],
      deadLettersFor: [],
      secretsOf: ['wecom'],
    },
  },
  {
    name: 'wecom-suite-command',
    description: 'WeCom suite command callback: suite_ticket (stored, newest wins), authorization events queued; answers `success` within 1000 ms',
    routes: [
      { method: 'GET', path: '/wecom-suite/{suiteId}/command' },
      { method: 'POST', path: '/wecom-suite/{suiteId}/command' },
    ],
    timeoutSeconds: 3,
    memoryMb: 512,
    access: {
      // shared/suite-composition.ts: the suite and its ticket, single use of auth codes, the log.
      state: [keySpaces.suitesRead, keySpaces.suitesWrite, keySpaces.suiteCodes, keySpaces.operationLog],
      sendsTo: [suiteAuthQueue],
      deadLettersFor: [],
      secretsOf: [],
      suiteSecrets: 'read',
    },
  },
  {
    name: 'wecom-suite-data',
    description: 'WeCom suite data callback: card events of every authorized corp, routed to its integration; unlicensed_notify to the operation log',
    routes: [
      { method: 'GET', path: '/wecom-suite/{suiteId}/data' },
      { method: 'POST', path: '/wecom-suite/{suiteId}/data' },
    ],
    timeoutSeconds: 5,
    memoryMb: 512,
    access: {
      state: [keySpaces.suitesRead, keySpaces.integrations, keySpaces.weComDedupe, keySpaces.operationLog],
      sendsTo: [inboundCallbacksQueue],
      deadLettersFor: [],
      secretsOf: [],
      suiteSecrets: 'read',
    },
  },
  {
    name: 'wecom-suite-install',
    description: 'WeCom suite install page (pre-auth code, signed state, redirect to WeCom) and its return URL (auth code exchanged)',
    routes: [
      { method: 'GET', path: '/wecom-suite/{suiteId}/install' },
      { method: 'GET', path: '/wecom-suite/{suiteId}/installed' },
    ],
    timeoutSeconds: 15,
    memoryMb: 512,
    // Calls out: WeCom's service API (pre-auth code, permanent code, auth info).
    egress: true,
    access: {
      state: [keySpaces.suitesRead, keySpaces.suitesWrite, keySpaces.suiteCodes, keySpaces.weComTokens, keySpaces.integrationsWrite, keySpaces.operationLog],
      sendsTo: [],
      deadLettersFor: [],
      secretsOf: [],
      suiteSecrets: 'write',
    },
  },
  {
    name: 'wecom-suite-auth',
    description: 'Applies WeCom suite authorizations: permanent code exchange, auth info, cancellation (disables the integration)',
    queue: suiteAuthQueue,
    timeoutSeconds: 30,
    memoryMb: 512,
    // Calls out: WeCom's service API.
    egress: true,
    access: {
      // The code → corp note of an exchange (SUITECODE#), so a retry finishes instead of losing it.
      state: [keySpaces.suitesRead, keySpaces.suitesWrite, keySpaces.suiteCodes, keySpaces.weComTokens, keySpaces.integrationsWrite, keySpaces.operationLog],
      // Its own queue: a job waiting for WeCom's next suite_ticket is parked as a delayed copy.
      sendsTo: [suiteAuthQueue],
      deadLettersFor: [suiteAuthQueue],
      secretsOf: [],
      suiteSecrets: 'write',
    },
  },
  {
    name: 'wecom-licenses',
    description: 'Once a day: the API access license trial of every suite integration; trials ending within the warning window go to the operation log and the LicenseTrialsEnding metric',
    everyMinutes: 1440,
    timeoutSeconds: 120,
    memoryMb: 256,
    // Calls out: WeCom license API (provider token).
    egress: true,
    access: {
      state: [keySpaces.integrationList, keySpaces.suitesRead, keySpaces.weComTokens, keySpaces.operationLog],
      sendsTo: [],
      deadLettersFor: [],
      secretsOf: [],
      suiteSecrets: 'read',
    },
  },
  {
    name: 'dingtalk-events',
    description: 'DingTalk HTTP-push event subscription (check_url, group and cool-app events)',
    routes: [{ method: 'POST', path: '/dingtalk/{integrationId}/events' }],
    timeoutSeconds: 3,
    memoryMb: 512,
    access: {
      state: [keySpaces.integrations, keySpaces.dingTalkDedupe],
      sendsTo: [inboundCallbacksQueue],
      deadLettersFor: [],
      secretsOf: ['dingtalk'],
    },
  },
  {
    name: 'dingtalk-cards',
    description: 'DingTalk interactive-card button callbacks (answered synchronously)',
    routes: [{ method: 'POST', path: '/dingtalk/{integrationId}/cards' }],
    timeoutSeconds: 3,
    memoryMb: 512,
    // Calls out: DingTalk card updates and mobile lookups while answering the click.
    egress: true,
    access: {
      // Answers the click itself: the DingTalk card path and IncidentClicks, no inbound queue;
      // the card signatures it has seen (dedupe) and the click rate limits.
      state: [keySpaces.integrations, keySpaces.dingTalkDedupe, keySpaces.clickRateLimits, ...dingTalkCardPath],
      // war-room: an "Open War Room" card click queues its request (issue 14).
      sendsTo: [outgoingImQueue, incidentActionsQueue, alertSilencesQueue, cardRefreshQueue, warRoomQueue],
      deadLettersFor: [],
      secretsOf: ['dingtalk'],
    },
  },
  {
    name: 'process-inbound',
    description: 'Processes verified callbacks: group registry, clicks, contact changes',
    queue: inboundCallbacksQueue,
    timeoutSeconds: 30,
    memoryMb: 512,
    // Calls out: WeCom card updates and link prompts.
    egress: true,
    access: {
      // Group registry, clicks through WeComCardsUseCase and IncidentClicks (no DingTalk calls);
      // the link prompts an unlinked clicker is texted are counted (RATE#click:prompt:…).
      state: [keySpaces.integrations, keySpaces.groupsWrite, keySpaces.membersRead, keySpaces.clickRateLimits, ...weComCardPath],
      // war-room: an "Open War Room" card click queues its request (issue 14).
      sendsTo: [incidentActionsQueue, alertSilencesQueue, cardRefreshQueue, warRoomQueue],
      deadLettersFor: [inboundCallbacksQueue],
      secretsOf: ['wecom'],
      // Suite integrations: the suite's secret for its token (issue 16).
      suiteSecrets: 'read',
    },
  },
  {
    name: 'notify',
    description: 'Consumes incident and member events and turns them into cards',
    queue: incidentEventsQueue,
    timeoutSeconds: 50,
    memoryMb: 512,
    // Calls out: WeCom and DingTalk cards, group bots.
    egress: true,
    access: {
      state: [keySpaces.integrations, ...groupBotPath, keySpaces.membersWrite, keySpaces.memberMobilesWrite, ...weComCardPath, ...dingTalkCardPath, keySpaces.warRoomsRead],
      // War Room requests, dismissals and syncs go to the war-room worker (issue 14).
      sendsTo: [outgoingImQueue, incidentActionsQueue, alertSilencesQueue, cardRefreshQueue, warRoomQueue],
      deadLettersFor: [incidentEventsQueue],
      secretsOf: ['wecom', 'dingtalk'],
      // Suite integrations: the suite's secret for its token (issue 16).
      suiteSecrets: 'read',
    },
  },
  {
    name: 'refresh-card',
    description: 'Brings every copy of an incident\u2019s cards up to date within the platforms\u2019 update rules',
    queue: cardRefreshQueue,
    timeoutSeconds: 30,
    memoryMb: 512,
    // Calls out: WeCom and DingTalk card updates.
    egress: true,
    access: {
      state: [keySpaces.integrations, keySpaces.incidentCardIndex, ...weComCardPath, ...dingTalkCardPath],
      sendsTo: [outgoingImQueue, incidentActionsQueue, alertSilencesQueue, cardRefreshQueue],
      deadLettersFor: [cardRefreshQueue],
      secretsOf: ['wecom', 'dingtalk'],
      // Suite integrations: the suite's secret for its token (issue 16).
      suiteSecrets: 'read',
    },
  },
  {
    name: 'dispatch',
    description: 'Makes queued DingTalk calls within the app\u2019s QPS and the org\u2019s monthly quota',
    queue: outgoingImQueue,
    timeoutSeconds: 45,
    memoryMb: 512,
    // Calls out: DingTalk APIs and custom robots.
    egress: true,
    access: {
      // Flow-control follow-ups go back on its own queue; parked calls go to its DLQ.
      state: dispatchPath,
      sendsTo: [outgoingImQueue],
      deadLettersFor: [outgoingImQueue],
      secretsOf: ['dingtalk'],
    },
  },
  {
    name: 'war-room',
    description: 'Opens, keeps in step and closes War Rooms: a WeCom appchat or DingTalk scene group per incident with its responders',
    queue: warRoomQueue,
    // appchat calls answer in well under a second; a DingTalk call may wait for a QPS slot in process.
    timeoutSeconds: 60,
    memoryMb: 512,
    // Calls out: WeCom appchat, DingTalk scene groups, the model (first analysis).
    egress: true,
    access: {
      // shared/war-room-composition.ts: the rooms, the incident, links and the member directory
      // (mobiles, getbymobile cache), the integration list (which have War Room enabled), WeCom
      // appchat (its token), dispatch's path in process (QPS, quota, ledger; parked calls to the
      // outgoing-im DLQ); incident.war_room to the actions queue, the room's card to card-refresh.
      state: [
        keySpaces.integrationList,
        keySpaces.warRooms,
        keySpaces.incidentsRead,
        keySpaces.links,
        keySpaces.membersRead,
        keySpaces.mobileLookups,
        keySpaces.weComTokens,
        // The chat → incident index the smart bot reads (issue 15).
        keySpaces.warRoomChatsWrite,
        // Suite integrations' appchat token comes from the suite (issue 16).
        keySpaces.suitesRead,
        ...dispatchPath,
      ],
      sendsTo: [incidentActionsQueue, cardRefreshQueue, warRoomQueue],
      deadLettersFor: [warRoomQueue, outgoingImQueue],
      secretsOf: ['wecom', 'dingtalk'],
      suiteSecrets: 'read',
    },
  },
  {
    name: 'wecom-bot',
    description: 'WeCom smart bot callback: URL verification, messages (opens a stream and queues the reply), stream refreshes, events',
    routes: [
      { method: 'GET', path: '/wecom/{integrationId}/bot' },
      { method: 'POST', path: '/wecom/{integrationId}/bot' },
    ],
    timeoutSeconds: 5,
    memoryMb: 512,
    access: {
      // shared/smart-bot-composition.ts: the integration, its secret (bot Token and key), the streams.
      state: [keySpaces.integrations, keySpaces.botStreams],
      sendsTo: [botRepliesQueue],
      deadLettersFor: [],
      secretsOf: ['wecom'],
    },
  },
  {
    name: 'bot-replies',
    description: 'Writes smart bot replies: commands (status, ack, close, snooze, who, timeline, post-mortem), the model’s streamed answer, media',
    queue: botRepliesQueue,
    // A model answer may take up to its timeout (default 30 s, at most 300 s is refused by the window).
    timeoutSeconds: 100,
    memoryMb: 512,
    // Calls out: the model, WeCom media downloads.
    egress: true,
    access: {
      // The stream; who asks (links, members); which incident (War Room chat index); commands change
      // the incident through IncidentClicks (CAS, outbox to the actions queue, card refresh); the
      // post-mortem draft reads the rooms and the incident's operation log; the bot's own records.
      state: [
        keySpaces.integrations,
        keySpaces.botStreams,
        keySpaces.links,
        keySpaces.membersRead,
        keySpaces.warRoomChatsRead,
        keySpaces.warRoomsRead,
        keySpaces.incidents,
        keySpaces.operationLog,
        keySpaces.operationLogByIncident,
      ],
      sendsTo: [incidentActionsQueue, alertSilencesQueue, cardRefreshQueue],
      deadLettersFor: [botRepliesQueue],
      secretsOf: ['wecom'],
    },
  },
  {
    name: 'ingest',
    description: 'Alert webhooks: Alertmanager and Grafana payloads (queued as alert groups) and incident events over HTTP',
    routes: [
      { method: 'POST', path: '/ingest/alertmanager/{sourceId}' },
      { method: 'POST', path: '/ingest/grafana/{sourceId}' },
      { method: 'POST', path: '/ingest/events/{sourceId}' },
    ],
    // Alertmanager's webhook waits for the answer; a 1,000-alert burst is a few SQS batches.
    timeoutSeconds: 10,
    memoryMb: 512,
    access: {
      // shared/alert-composition.ts: the source and its secret; alert groups to the worker, events to notify.
      state: [keySpaces.alertSources],
      sendsTo: [alertIngestQueue, incidentEventsQueue],
      deadLettersFor: [],
      secretsOf: [],
      sourceSecrets: true,
    },
  },
  {
    name: 'alert-incidents',
    description: 'Turns queued alert groups into incident events (triggered / updated / resolved / reopened, one version stream per incident)',
    queue: alertIngestQueue,
    timeoutSeconds: 30,
    memoryMb: 512,
    access: {
      state: [keySpaces.alertSources, keySpaces.alertStates, keySpaces.operationLog],
      sendsTo: [incidentEventsQueue],
      deadLettersFor: [alertIngestQueue],
      secretsOf: [],
    },
  },
  {
    name: 'alert-silences',
    description: 'Snooze / Close on alert incidents: creates or expires the Alertmanager silence and shows it on the card',
    queue: alertSilencesQueue,
    timeoutSeconds: 30,
    memoryMb: 256,
    // Calls out: the sources’ Alertmanager API.
    egress: true,
    access: {
      // The source (its Alertmanager URL and token), the alert state, the update event, the log.
      state: [keySpaces.alertSources, keySpaces.alertStates, keySpaces.operationLog],
      sendsTo: [incidentEventsQueue],
      deadLettersFor: [alertSilencesQueue],
      secretsOf: [],
      sourceSecrets: true,
    },
  },
  {
    name: 'flush-digests',
    description: 'Sends the DingTalk digests whose 10-minute window has ended (quota above 95%) and the group bots\u2019 held-back alerts',
    everyMinutes: 1,
    timeoutSeconds: 60,
    memoryMb: 256,
    // Calls out: DingTalk digests, WeCom robots.
    egress: true,
    access: {
      // The dispatch worker's path, plus the integration listing and the group bots' digests
      // (WeCom robots are posted from here; DingTalk ones are queued for dispatch).
      state: [keySpaces.integrationList, ...dispatchPath, keySpaces.robotRateLimits],
      sendsTo: [outgoingImQueue],
      deadLettersFor: [outgoingImQueue],
      secretsOf: ['dingtalk', 'wecom'],
    },
  },
  {
    name: 'auto-link',
    description: 'Once a day: One-Click Link for the integrations set to links auto --schedule daily, within the daily budget of failed lookups',
    everyMinutes: 1440,
    timeoutSeconds: 900,
    memoryMb: 256,
    // Calls out: both platforms’ user lookups.
    egress: true,
    access: {
      // shared/auto-link-composition.ts: the integrations and their settings, the member list, links
      // read and written, the shared miss counter, both platforms' lookups (their tokens), the operation log.
      state: [
        keySpaces.integrations,
        keySpaces.integrationList,
        keySpaces.autoLinkSettings,
        keySpaces.memberList,
        keySpaces.links,
        keySpaces.linksWrite,
        keySpaces.lookupMisses,
        keySpaces.weComTokens,
        keySpaces.suitesRead,
        keySpaces.dingTalkTokens,
        keySpaces.operationLog,
      ],
      sendsTo: [],
      deadLettersFor: [],
      secretsOf: ['wecom', 'dingtalk'],
      // Suite integrations' lookups use the suite's corp token (issue 16).
      suiteSecrets: 'read',
    },
  },
  {
    name: 'link-pages',
    description: 'Self-service account linking pages opened inside WeCom and DingTalk (OAuth, SSO, one-time codes)',
    routes: linkPageRoutes,
    timeoutSeconds: 15,
    memoryMb: 512,
    // Calls out: both platforms’ OAuth and contacts, OIDC providers.
    egress: true,
    access: {
      // shared/link-composition.ts: login codes and contacts through both platforms' clients
      // (their tokens), links read and written, the member directory, single-use claims, one-time
      // codes and their mails' rate limits, the operation log; and the pending action of an
      // unlinked click, applied through IncidentClicks (incidents, actions and card refreshes).
      state: [
        keySpaces.integrations,
        keySpaces.incidents,
        keySpaces.weComTokens,
        keySpaces.dingTalkTokens,
        keySpaces.links,
        keySpaces.linksWrite,
        keySpaces.membersRead,
        keySpaces.memberMobilesRead,
        keySpaces.linkClaims,
        keySpaces.linkCodes,
        keySpaces.linkRateLimits,
        keySpaces.operationLog,
        // Third-party (suite) integrations: the login code is resolved with the suite's token
        // (getuserinfo3rd) and contacts are read with its corp token, both from the suite and
        // its newest ticket (issue 16).
        keySpaces.suitesRead,
      ],
      sendsTo: [incidentActionsQueue, alertSilencesQueue, cardRefreshQueue, linkMailQueue],
      deadLettersFor: [],
      secretsOf: ['wecom', 'dingtalk'],
      // The suite secret, for the suite token of those logins.
      suiteSecrets: 'read',
    },
  },
  {
    name: 'send-link-code',
    description: 'Mails the one-time codes of account linking (SMTP or Amazon SES): draws the code, stores its hash, sends it',
    queue: linkMailQueue,
    // SMTP's connection, greeting and socket timeouts are 10 s each (smtp-mailer.ts).
    timeoutSeconds: 30,
    memoryMb: 256,
    // Calls out: SMTP servers (and the SES API).
    egress: true,
    access: {
      // shared/link-mail-composition.ts: the integration and its secret (mail settings, smtpUrl,
      // the app secret keying the code hashes), the code item, the operation log.
      state: [keySpaces.integrations, keySpaces.linkCodesIssue, keySpaces.operationLog],
      sendsTo: [],
      deadLettersFor: [linkMailQueue],
      secretsOf: ['wecom', 'dingtalk'],
      sesSend: true,
    },
  },
];

export function functionEntry(name: string): string {
  return `functions/${name}/handler.ts`;
}
