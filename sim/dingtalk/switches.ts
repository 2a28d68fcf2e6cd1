/**
 * Platform behaviour the DingTalk documentation leaves open (or contradicts): instead of assuming
 * one reading, the simulator plays either, and dutybridge is tested against both.
 *
 *   GET /_sim/dingtalk/switches            the current readings
 *   PUT /_sim/dingtalk/switches            change some of them (fields left out keep their value)
 *
 * Defaults keep the simulator's earlier behaviour; `POST /_sim/reset` restores them.
 */
import { z } from 'zod';
import { DingTalkControlError } from './errors';
import { zodIssues } from './control';

export interface DingTalkSwitchesSnapshot {
  /**
   * createAndDeliver with an outTrackId that already exists: `ignore` answers success and keeps
   * the first card ("更改不会生效", the create-and-deliver page); `reject` answers
   * `400 param.cardAlreadyExist` (the same page's error table). Unconfirmed which one DingTalk does.
   */
  readonly existingOutTrackId: 'ignore' | 'reject';
  /**
   * HTTP status of a bad or expired access token on api.dingtalk.com (`code: InvalidAuthentication`):
   * 401, or 400 as captured answers show (`[400] {"code":"InvalidAuthentication","message":"不合法的access_token"}`).
   */
  readonly invalidTokenStatus: 400 | 401;
  /** batchSend flow control: each recipient is flow-controlled (not delivered) with this probability, 0..100 ... */
  readonly flowControlPercent: number;
  /** ... and, first, exactly the next N recipients batchSend sees. */
  readonly flowControlNextN: number;
  /**
   * Whether apps hold the contacts permission for personal fields (`Contact.User.mobile`,
   * `Contact.User.email`, research §4.6): when false, topapi/v2/user/get and contact/users/me
   * leave out `mobile` and `email`, as for an app that lacks it. `contactsReadableByApp`
   * overrides it per app (clientId → readable).
   */
  readonly contactsReadable: boolean;
  readonly contactsReadableByApp: Readonly<Record<string, boolean>>;
}

export const switchesInputSchema = z
  .object({
    existingOutTrackId: z.enum(['ignore', 'reject']).optional(),
    invalidTokenStatus: z.union([z.literal(400), z.literal(401)]).optional(),
    flowControl: z
      .object({
        percent: z.number().min(0).max(100).optional(),
        nextN: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
    /** `false` for every app (clears per-app readings), or `{clientId: false}` per app. */
    contactsReadable: z.union([z.boolean(), z.record(z.string().min(1), z.boolean())]).optional(),
  })
  .strict();

export type DingTalkSwitchesInput = z.input<typeof switchesInputSchema>;

const DEFAULTS: DingTalkSwitchesSnapshot = { existingOutTrackId: 'ignore', invalidTokenStatus: 401, flowControlPercent: 0, flowControlNextN: 0, contactsReadable: true, contactsReadableByApp: {} };

export class DingTalkSwitches {
  private current: DingTalkSwitchesSnapshot = DEFAULTS;

  constructor(private readonly random: () => number = Math.random) {}

  get existingOutTrackId(): DingTalkSwitchesSnapshot['existingOutTrackId'] {
    return this.current.existingOutTrackId;
  }

  get invalidTokenStatus(): DingTalkSwitchesSnapshot['invalidTokenStatus'] {
    return this.current.invalidTokenStatus;
  }

  snapshot(): DingTalkSwitchesSnapshot {
    return { ...this.current, contactsReadableByApp: { ...this.current.contactsReadableByApp } };
  }

  /** Whether app `clientId` may read its users' mobile and email. */
  contactsReadableFor(clientId: string): boolean {
    return this.current.contactsReadableByApp[clientId] ?? this.current.contactsReadable;
  }

  /** Applies a (partial) change; throws DingTalkControlError(400) on invalid input. */
  update(input: unknown): DingTalkSwitchesSnapshot {
    const parsed = switchesInputSchema.safeParse(input);
    if (!parsed.success) throw new DingTalkControlError(400, 'invalid DingTalk switches', zodIssues(parsed.error));
    const { existingOutTrackId, invalidTokenStatus, flowControl, contactsReadable } = parsed.data;
    const contacts =
      contactsReadable === undefined
        ? { contactsReadable: this.current.contactsReadable, contactsReadableByApp: this.current.contactsReadableByApp }
        : typeof contactsReadable === 'boolean'
          ? { contactsReadable, contactsReadableByApp: {} }
          : { contactsReadable: this.current.contactsReadable, contactsReadableByApp: { ...this.current.contactsReadableByApp, ...contactsReadable } };
    this.current = {
      ...contacts,
      existingOutTrackId: existingOutTrackId ?? this.current.existingOutTrackId,
      invalidTokenStatus: invalidTokenStatus ?? this.current.invalidTokenStatus,
      flowControlPercent: flowControl?.percent ?? this.current.flowControlPercent,
      flowControlNextN: flowControl?.nextN ?? this.current.flowControlNextN,
    };
    return this.snapshot();
  }

  reset(): void {
    this.current = DEFAULTS;
  }

  /** Whether batchSend flow-controls this recipient (counts the nextN budget down). */
  takeFlowControlled(): boolean {
    if (this.current.flowControlNextN > 0) {
      this.current = { ...this.current, flowControlNextN: this.current.flowControlNextN - 1 };
      return true;
    }
    return this.current.flowControlPercent > 0 && this.random() * 100 < this.current.flowControlPercent;
  }
}
