/**
 * Contract between the simulator's core (server, clock, faults, call log, directory, browser view)
 * and its platform modules (sim/wecom, sim/dingtalk). Platform modules never open sockets of
 * their own: the core routes every request to them and records the outcome.
 */

export interface SimRequest {
  readonly method: string;
  /** Path without the query string, e.g. `/cgi-bin/message/send`. */
  readonly path: string;
  /** Raw query string without `?` (decode it yourself, exactly once). */
  readonly rawQuery: string;
  readonly query: URLSearchParams;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  readonly remoteAddress: string;
}

export interface SimResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** Strings and Buffers are sent as they are; anything else is sent as JSON. */
  readonly body?: unknown;
  /**
   * `lost-answer` fault: the call was executed (and recorded), but the answer never reaches the
   * client: the server holds it for the timeout-fault delay and then drops the connection.
   */
  readonly lost?: boolean;
  /**
   * A body written over time (server-sent events of the fake model, sim/model): the core sends
   * `status` and `headers` at once, then calls this; `write` sends one chunk as it is; `signal`
   * aborts when the client goes away or the simulator stops. The response ends when the promise
   * settles. `body` is ignored when this is set.
   */
  readonly stream?: (write: (chunk: string) => void, signal: AbortSignal) => Promise<void>;
}

/** Controllable clock: tests move time forward to expire tokens, response codes, windows. */
export interface SimClock {
  now(): number; // epoch milliseconds
  advance(ms: number): void;
}

/**
 * `timeout` holds the answer and then answers 504 without executing the call; `lost-answer`
 * executes the call (side effects, metering) and then loses the answer (the client times out or
 * sees the connection dropped) — the fault that makes resends duplicates.
 */
export type FaultKind = 'http500' | 'timeout' | 'throttle' | 'token-invalid' | 'quota' | 'lost-answer';

export interface FaultRule {
  readonly platform: 'wecom' | 'dingtalk';
  /** Endpoint key as the module names it, e.g. `message/send`, `card/instances/createAndDeliver`; `*` for all. */
  readonly endpoint: string;
  readonly kind: FaultKind;
  /** Fail this percentage of matching calls (0..100) ... */
  readonly percent?: number;
  /** ... or exactly the next N matching calls. */
  readonly nextN?: number;
}

export interface FaultInjector {
  /** Returns the fault to apply to this call, if any, and counts it down. */
  take(platform: 'wecom' | 'dingtalk', endpoint: string): FaultKind | undefined;
}

export interface CallRecord {
  readonly seq: number;
  readonly at: number;
  readonly platform: 'wecom' | 'dingtalk';
  readonly endpoint: string;
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly requestBody: unknown;
  readonly status: number;
  /** errcode (WeCom/oapi) or code (api.dingtalk.com); 0 / 'ok' on success. */
  readonly resultCode: string | number;
  readonly responseBody: unknown;
  /** Why the simulator rejected the call, in plain words (strictness log). */
  readonly reason?: string;
  /** True when the call counts against the DingTalk monthly org quota. */
  readonly metered?: boolean;
  /** True when a `lost-answer` fault dropped the answer after the call was executed. */
  readonly answerLost?: boolean;
}

export interface SimUser {
  readonly userId: string;
  readonly name: string;
  /** E.164 without the plus sign is NOT used: mobiles carry their country code, e.g. `+86-13800000001`. */
  readonly mobile: string;
  readonly email: string;
  /** DingTalk unionId (ignored by WeCom). */
  readonly unionId?: string;
  /** WeCom: the member has no account license; message/send lists them in `unlicenseduser` and delivers nothing to them. */
  readonly unlicensed?: boolean;
}

/** A message or card as a user sees it in a conversation (1:1 or group). */
export interface ConversationItem {
  readonly id: string;
  readonly at: number;
  readonly platform: 'wecom' | 'dingtalk';
  /** `user:<userId>` for a 1:1 conversation, `group:<chatId|openConversationId>` for a group, `appchat:<chatid>` for a WeCom app group chat. */
  readonly conversation: string;
  readonly kind: 'text' | 'markdown' | 'card';
  readonly text?: string;
  /** Rendered card model, platform-neutral, used by the browser view. */
  readonly card?: RenderedCard;
  /** userIds @mentioned (highlighted in the view). */
  readonly mentions?: readonly string[];
  /** Org (WeCom corpId / DingTalk corpId) the conversation belongs to; lets the view address clicks. (added by sim core) */
  readonly orgId?: string;
  /** Who posted it (app name, robot name, userId); shown above the bubble. (added by sim core) */
  readonly sender?: string;
  /** When a card was last replaced in place (an update); `at` stays the first delivery. (added by sim core) */
  readonly updatedAt?: number;
}

export interface RenderedCard {
  /** Identifies the card across updates: WeCom task_id or DingTalk outTrackId. */
  readonly cardId: string;
  readonly title: string;
  readonly subtitle?: string;
  readonly fields: readonly { key: string; value: string }[];
  /** Custom/markdown area; the view cuts it at 8 lines as the clients do. */
  readonly body?: string;
  readonly buttons: readonly { key: string; text: string; disabled?: boolean }[];
  /** Action menu entries (WeCom `...` menu). */
  readonly menu?: readonly { key: string; text: string }[];
  /** Greyed replacement text shown instead of the buttons (WeCom replace_text / replace_name). */
  readonly replacedText?: string;
  readonly url?: string;
  /** A dropdown whose current choice a button click carries (WeCom button_selection → SelectedItems). */
  readonly selection?: CardSelection;
}

export interface CardSelection {
  readonly questionKey: string;
  readonly title?: string;
  readonly options: readonly { id: string; text: string }[];
  /** The option shown selected when the card arrives. */
  readonly selectedId: string;
}

export interface SimContext {
  readonly clock: SimClock;
  readonly faults: FaultInjector;
  /** Append a record; returns it with its sequence number. */
  record(call: Omit<CallRecord, 'seq' | 'at'>): CallRecord;
  /** Users of an org (WeCom corpId or DingTalk corpId). */
  users(orgId: string): readonly SimUser[];
  /** Deliver a message/card into a conversation (replaces an existing card with the same cardId there). */
  deliver(item: Omit<ConversationItem, 'id' | 'at'>): void;
  /** Strictness log: why something was rejected. */
  log(message: string): void;
  /** POST helper used to send callbacks to dutybridge with the platforms' retry schedules. */
  fetch: typeof fetch;
  /** Replace an org's directory (control API). (added by sim core) */
  setUsers?(orgId: string, users: readonly SimUser[]): void;
  /**
   * Hold a response for the configured `timeout` fault delay (default 6 s). Resolves early when
   * the simulator stops so a held request never keeps the server alive. (added by sim core)
   */
  holdForTimeoutFault?(): Promise<void>;
  /** Per-attempt patience when POSTing callbacks (WeCom: 5 s; configurable for fast tests). (added by sim core) */
  readonly callbackTimeoutMs?: number;
}

/** A click the browser view (or a test) asks the simulator to perform as a user. */
export interface ClickRequest {
  readonly platform: 'wecom' | 'dingtalk';
  readonly orgId: string;
  readonly userId: string;
  readonly cardId: string;
  readonly buttonKey: string;
  /** Group conversation the click happened in, when not a 1:1 chat. */
  readonly conversation?: string;
  /** Dropdown choices made on the card before the click (WeCom SelectedItems); defaults apply when absent. */
  readonly selectedItems?: readonly { questionKey: string; optionIds: readonly string[] }[];
}

export interface PlatformModule {
  readonly platform: 'wecom' | 'dingtalk';
  /** Handle an API request; return undefined when the path is not this module's. */
  handle(req: SimRequest, ctx: SimContext): Promise<SimResponse | undefined>;
  /** Test/view API under `/_sim/<platform>/...`; return undefined when not handled. */
  handleControl(req: SimRequest, ctx: SimContext): Promise<SimResponse | undefined>;
  /** Perform a user's button click: build, encrypt/sign and POST the real callback. */
  click(request: ClickRequest, ctx: SimContext): Promise<{ status: number; body: string }>;
  /** Forget all platform state (tokens, cards, codes) on `POST /_sim/reset`. (added by sim core) */
  reset?(): void;
  /** Register the deterministic demo org(s) from sim/seed.ts when started with `seed: true`. (added by sim core) */
  seedDemo?(ctx: SimContext): void;
}
