/**
 * `npx dutybridge integrations set ID --war-room on|off …`: the War Room settings of an integration
 * (shared/domain/war-room-settings.ts). By default at most one integration has War Room on, so one
 * incident never opens a group on two platforms by surprise; `allowMultiple` lifts that per call.
 * Turning War Room off is always allowed. Validated as a whole before anything is written.
 */
import { BadRequestError, NotFoundError } from '../domain/errors';
import { integrationSchema, type Integration, type Platform, type WeComIntegration } from '../domain/integration';
import type { IntegrationRepository } from './ports';

export interface WarRoomPatch {
  readonly enabled?: boolean;
  /** DingTalk: the scene-group template id (developer console → scene groups → templates). */
  readonly templateId?: string;
  /** DingTalk: the robot code of that template's robot. */
  readonly robotCode?: string;
  readonly closeOnResolve?: boolean;
  /** Enable even when another integration already has War Room on. */
  readonly allowMultiple?: boolean;
}

/** Plain words for the admin: the WeCom console setting appchat depends on (wecom.md §4.5, errcode 48002). */
export const WECOM_APPCHAT_VISIBILITY_HINT = "appchat needs the app's visible range to be the root department (48002 otherwise)";

/** What the platform says about this integration opening War Rooms, asked without creating anything. */
export type WarRoomProbeAnswer =
  | { readonly verdict: 'allowed' }
  | { readonly verdict: 'refused'; readonly reason: string }
  /** Could not tell (network, credentials, the platform's IP allowlist): a warning, not a refusal. */
  | { readonly verdict: 'unknown'; readonly reason: string };

/**
 * Optional port: asks WeCom whether the app may use appchat (appchat/get of a made-up chatid:
 * 86003 "no such chat" = allowed, 48002 = refused; wecom.md §4.5, DOC-90313 48002 case 7).
 */
export interface WarRoomProbe {
  weComAppChat(integration: WeComIntegration): Promise<WarRoomProbeAnswer>;
}

export class WarRoomNotAllowedError extends BadRequestError {
  constructor(reason: string) {
    super('war_room_not_allowed', `War Room cannot be turned on: ${reason}`);
  }
}

export class InvalidWarRoomSettingsError extends BadRequestError {
  constructor(message: string) {
    super('invalid_war_room_settings', message);
  }
}

export class WarRoomAlreadyEnabledError extends BadRequestError {
  constructor(
    readonly otherId: string,
    readonly otherPlatform: Platform,
  ) {
    super(
      'war_room_already_enabled',
      `War Room is already on for integration ${otherId} (${otherPlatform}); at most one integration has it by default: add --allow-multiple-war-rooms to turn it on here as well`,
    );
  }
}

export class WarRoomAdmin {
  constructor(
    private readonly repo: IntegrationRepository,
    private readonly options: { readonly probe?: WarRoomProbe; readonly warn?: (message: string) => void } = {},
  ) {}

  /** The integration as `set` would store it; refuses what `set` refuses, writes nothing. */
  async plan(id: string, patch: WarRoomPatch): Promise<Integration> {
    const integration = await this.repo.get(id);
    if (!integration) throw new NotFoundError('unknown_integration', `no integration with id ${id}`);
    const current: Record<string, unknown> = { ...(integration.settings.warRoom ?? { enabled: false }) };
    if (integration.platform === 'wecom') {
      // appchat is for self-built apps only (48002, "仅企业自建应用可调用"): a third-party suite app
      // cannot open a group chat, so a War Room there is refused before anything is stored.
      const suite = integration.settings.suite;
      if (patch.enabled === true && suite?.kind === 'third-party') {
        throw new InvalidWarRoomSettingsError(
          `integration ${id} is a WeCom third-party app (suite ${suite.suiteId}): WeCom lets only self-built apps create group chats (appchat, 48002), so War Room cannot be turned on here`,
        );
      }
      for (const [key, flag] of [['templateId', '--war-room-template-id'], ['robotCode', '--war-room-robot-code']] as const) {
        if (patch[key] !== undefined) throw new InvalidWarRoomSettingsError(`${flag} is a DingTalk setting: WeCom's app group chats need no template`);
      }
    }
    for (const key of ['enabled', 'templateId', 'robotCode', 'closeOnResolve'] as const) {
      if (patch[key] !== undefined) current[key] = patch[key];
    }
    if (integration.platform === 'dingtalk' && current.enabled === true) {
      const missing = [
        current.templateId === undefined ? 'the scene-group template id (--war-room-template-id ID)' : undefined,
        current.robotCode === undefined ? "the template's robot code (--war-room-robot-code CODE)" : undefined,
      ].filter((m) => m !== undefined);
      if (missing.length) throw new InvalidWarRoomSettingsError(`War Room on DingTalk needs ${missing.join(' and ')}`);
    }
    const parsed = integrationSchema.safeParse({ ...integration, settings: { ...integration.settings, warRoom: current } });
    if (!parsed.success) {
      throw new InvalidWarRoomSettingsError(parsed.error.issues.map((issue) => `${issue.path.filter((p) => p !== 'settings').join('.')}: ${issue.message}`).join('; '));
    }
    const turningOn = patch.enabled === true && integration.settings.warRoom?.enabled !== true;
    if (turningOn && !patch.allowMultiple) {
      const other = (await this.repo.list()).find((i) => i.id !== id && i.settings.warRoom?.enabled === true);
      if (other) throw new WarRoomAlreadyEnabledError(other.id, other.platform);
    }
    const updated = parsed.data;
    if (turningOn && updated.platform === 'wecom' && this.options.probe) {
      const answer = await this.options.probe.weComAppChat(updated);
      if (answer.verdict === 'refused') throw new WarRoomNotAllowedError(answer.reason);
      if (answer.verdict === 'unknown') this.options.warn?.(`could not ask WeCom whether ${id} may use group chats (${answer.reason}); ${WECOM_APPCHAT_VISIBILITY_HINT}`);
    }
    return updated;
  }

  async set(id: string, patch: WarRoomPatch): Promise<Integration> {
    const updated = await this.plan(id, patch);
    await this.repo.put(updated);
    return updated;
  }
}

/** One line for the CLI: `on (closes when the incident closes; template …, robot …)` or `off`. */
export function describeWarRoom(integration: Integration): string {
  const w = integration.settings.warRoom;
  if (!w?.enabled) return 'off';
  const close = w.closeOnResolve ? 'closes when the incident closes or on incident.war_room_dismissed' : 'closes only on incident.war_room_dismissed';
  const ids = integration.platform === 'dingtalk' ? `; template ${integration.settings.warRoom?.templateId}, robot ${integration.settings.warRoom?.robotCode}` : '';
  return `on (${close}${ids})`;
}
