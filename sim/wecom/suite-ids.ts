/**
 * Corp and member ids as a service provider's apps see them (DOC-96516). A corp that had no app of
 * the provider when it installed one gets a provider-level encrypted corpid and encrypted userids
 * (the open_userid); corps that were already customers before the upgrade ("historical") keep the
 * plain ones. The same plain id maps to the same encrypted id for every app of one provider and to
 * a different one for another provider.
 *
 * How WeCom derives them is not published. The simulator derives them deterministically from the
 * provider's corpid and the plain id (plain ids are case-insensitive, so they are lower-cased
 * first) and makes sure each encrypted id mixes upper and lower case, because encrypted ids are
 * case-sensitive (DOC-96516 "corpid密文则大小写敏感") and a client that lower-cases them must fail.
 * The `wp` corp prefix follows the examples of DOC-95648 (a rule? UNCONFIRMED); `wo` for users
 * follows the open_userid example of DOC-90639.
 */
import { createHmac } from 'node:crypto';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const ALPHANUMERIC = `${UPPER}${LOWER}0123456789`;
/** Characters after the prefix (the encrypted ids in the docs' examples are about 32 long). */
const BODY_LENGTH = 30;

function derive(providerCorpId: string, label: string): string {
  const digest = createHmac('sha256', providerCorpId.toLowerCase()).update(label).digest();
  // One upper and one lower case letter first, so every id is visibly case-sensitive.
  let body = UPPER[digest[0]! % UPPER.length]! + LOWER[digest[1]! % LOWER.length]!;
  for (let i = 2; body.length < BODY_LENGTH; i += 1) body += ALPHANUMERIC[digest[i]! % ALPHANUMERIC.length]!;
  return body;
}

/** The corpid a new customer shows this provider's apps. */
export function encryptedCorpId(providerCorpId: string, plainCorpId: string): string {
  return `wp${derive(providerCorpId, `corp:${plainCorpId.toLowerCase()}`)}`;
}

/** The open_userid of a member for this provider (= the userid its apps see in a new corp). */
export function openUserId(providerCorpId: string, plainCorpId: string, plainUserId: string): string {
  return `wo${derive(providerCorpId, `user:${plainCorpId.toLowerCase()}:${plainUserId.toLowerCase()}`)}`;
}

/** How one authorization translates ids both ways; `encrypted` false = a historical corp (plain ids). */
export class AppIdTranslator {
  constructor(
    readonly providerCorpId: string,
    readonly plainCorpId: string,
    readonly encrypted: boolean,
  ) {}

  get corpId(): string {
    return this.encrypted ? encryptedCorpId(this.providerCorpId, this.plainCorpId) : this.plainCorpId;
  }

  userId(plainUserId: string): string {
    return this.encrypted ? openUserId(this.providerCorpId, this.plainCorpId, plainUserId) : plainUserId;
  }

  openUserId(plainUserId: string): string {
    return openUserId(this.providerCorpId, this.plainCorpId, plainUserId);
  }

  /** The plain userid behind an id the app used: exact for encrypted ids, case-insensitive for plain ones. */
  plainUserId(appUserId: string, plainUserIds: readonly string[]): string | undefined {
    if (this.encrypted) return plainUserIds.find((plain) => this.userId(plain) === appUserId);
    return plainUserIds.find((plain) => plain.toLowerCase() === appUserId.toLowerCase());
  }

  /** Whether `corpId` names this corp as the app sees it (case-sensitive when encrypted). */
  matchesCorp(corpId: string): boolean {
    return this.encrypted ? corpId === this.corpId : corpId.toLowerCase() === this.plainCorpId.toLowerCase();
  }
}
