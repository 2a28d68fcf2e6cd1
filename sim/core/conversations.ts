import { ConversationItem, SimUser } from './contract';

/** The conversations each simulated person sees, for both platforms. */
export class ConversationStore {
  private items: ConversationItem[] = [];
  private nextId = 1;
  /** Bumped on every change so the browser view only redraws when something happened. */
  version = 0;

  constructor(private readonly now: () => number) {}

  /** A card delivered again with the same cardId replaces the earlier copy in that conversation, as the clients do. */
  deliver(item: Omit<ConversationItem, 'id' | 'at'>): ConversationItem {
    const cardId = item.card?.cardId;
    const existingIndex =
      cardId === undefined
        ? -1
        : this.items.findIndex(
            (it) =>
              it.platform === item.platform &&
              it.conversation === item.conversation &&
              (it.orgId ?? '') === (item.orgId ?? '') &&
              it.card?.cardId === cardId,
          );
    this.version += 1;
    if (existingIndex >= 0) {
      const previous = this.items[existingIndex]!;
      const updated: ConversationItem = { ...item, id: previous.id, at: previous.at, updatedAt: this.now() };
      this.items[existingIndex] = updated;
      return updated;
    }
    const created: ConversationItem = { ...item, id: `m${this.nextId++}`, at: this.now() };
    this.items.push(created);
    return created;
  }

  list(): ConversationItem[] {
    return [...this.items];
  }

  clear(): void {
    this.items = [];
    this.version += 1;
  }
}

/** Simulated people per org (WeCom corpId / DingTalk corpId). */
export class Directory {
  private readonly usersByOrg = new Map<string, readonly SimUser[]>();

  set(orgId: string, users: readonly SimUser[]): void {
    this.usersByOrg.set(orgId, [...users]);
  }

  users(orgId: string): readonly SimUser[] {
    return this.usersByOrg.get(orgId) ?? [];
  }

  orgs(): string[] {
    return [...this.usersByOrg.keys()];
  }

  clear(): void {
    this.usersByOrg.clear();
  }
}
