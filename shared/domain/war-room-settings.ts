/**
 * War Room settings of an integration (issue 14): optional `settings.warRoom` on both platforms.
 * Absent = War Room off. `closeOnResolve` (default on): the group is closed when the incident
 * closes, as well as on `incident.war_room_dismissed`.
 *
 * WeCom: the app's group chats (appchat) exist only for self-built apps whose visible range is the
 * root department (errcode 48002 otherwise, wecom.md §4.5), so there is nothing more to set.
 * DingTalk: a scene group is created from a scene-group template (its id) and posts through the
 * template's robot (its robot code), both from the DingTalk developer console (dingtalk.md §4.5).
 */
import * as z from 'zod/mini';

const closeOnResolve = z._default(z.boolean(), true);

export const weComWarRoomSchema = z.object({
  enabled: z.boolean(),
  closeOnResolve,
});

/** Ids are kept while War Room is off, so `--war-room on` alone turns it back on. */
export const dingTalkWarRoomSchema = z
  .object({
    enabled: z.boolean(),
    templateId: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
    robotCode: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    closeOnResolve,
  })
  .check(
    z.refine((w) => !w.enabled || w.templateId !== undefined, { message: 'War Room on DingTalk needs the scene-group template id', path: ['templateId'] }),
    z.refine((w) => !w.enabled || w.robotCode !== undefined, { message: 'War Room on DingTalk needs the robot code of the scene-group template', path: ['robotCode'] }),
  );

export type WeComWarRoomSettings = z.infer<typeof weComWarRoomSchema>;
export type DingTalkWarRoomSettings = z.infer<typeof dingTalkWarRoomSchema>;

/** What the War Room use case needs of an integration's settings, when War Room is on. */
export type EnabledWarRoom =
  | { readonly platform: 'wecom'; readonly closeOnResolve: boolean }
  | { readonly platform: 'dingtalk'; readonly templateId: string; readonly robotCode: string; readonly closeOnResolve: boolean };

/** The integration's War Room when it is on (and complete), else undefined. */
export function enabledWarRoom(integration: {
  readonly platform: 'wecom' | 'dingtalk';
  readonly settings: { readonly warRoom?: WeComWarRoomSettings | DingTalkWarRoomSettings };
}): EnabledWarRoom | undefined {
  const w = integration.settings.warRoom;
  if (!w?.enabled) return undefined;
  if (integration.platform === 'wecom') return { platform: 'wecom', closeOnResolve: w.closeOnResolve };
  const d = w as DingTalkWarRoomSettings;
  if (d.templateId === undefined || d.robotCode === undefined) return undefined;
  return { platform: 'dingtalk', templateId: d.templateId, robotCode: d.robotCode, closeOnResolve: d.closeOnResolve };
}
