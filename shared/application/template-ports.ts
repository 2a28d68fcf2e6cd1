/**
 * Notification templates as data (issue 13): one current template per integration and channel
 * kind, every saved version kept, with who changed it and when. The CLI writes (set, rollback,
 * remove); the functions that send read the current one.
 */

/** One saved version of an integration's template for a channel kind. */
export interface StoredTemplate {
  readonly integrationId: string;
  /** A channel kind of shared/domain/templates (`wecom.card`, `dingtalk.robot.markdown`, …). */
  readonly channel: string;
  /** 1 for the first save, one more for each save or rollback after it. */
  readonly version: number;
  readonly source: string;
  /** The person (or the OS user of the CLI) who saved it. */
  readonly updatedBy: string;
  /** Epoch ms. */
  readonly updatedAt: number;
  /** Set on a version a rollback made: the version whose source it took. */
  readonly rolledBackFrom?: number;
}

/** Someone else saved the template between reading it and saving (compare-and-swap lost): read again. */
export class TemplateVersionConflictError extends Error {
  constructor(
    readonly integrationId: string,
    readonly channel: string,
    readonly expectedVersion: number,
  ) {
    super(
      `the ${channel} template of ${integrationId} changed while saving (expected ${expectedVersion === 0 ? 'no template' : `version ${expectedVersion}`}); look at it again (templates show) and retry`,
    );
    this.name = 'TemplateVersionConflictError';
  }
}

export interface TemplateStore {
  /** The current template, or undefined when the built-in default applies. */
  get(integrationId: string, channel: string): Promise<StoredTemplate | undefined>;
  /**
   * Saves a new version if the current one is still `expectedVersion` (0: there is none yet);
   * else throws TemplateVersionConflictError and changes nothing.
   */
  put(integrationId: string, channel: string, source: string, updatedBy: string, nowMs: number, expectedVersion: number): Promise<StoredTemplate>;
  /** Every saved version, newest first (empty when none). */
  history(integrationId: string, channel: string): Promise<StoredTemplate[]>;
  /**
   * A new version with the source of `toVersion` (the history is kept, never rewritten); undefined
   * when there is no such version. Throws TemplateVersionConflictError if a save raced it.
   */
  rollback(integrationId: string, channel: string, toVersion: number, updatedBy: string, nowMs: number): Promise<StoredTemplate | undefined>;
  /** The current template of every channel kind that has one. */
  list(integrationId: string): Promise<StoredTemplate[]>;
  /** Removes the template and its history (the built-in default applies again); false when there was none. */
  remove(integrationId: string, channel: string): Promise<boolean>;
}
