import { CallRecord } from './contract';

export interface CallFilter {
  readonly platform?: string;
  readonly endpoint?: string;
}

/** Every call the simulator received (and every callback it sent), in order. */
export class CallLog {
  private records: CallRecord[] = [];
  private nextSeq = 1;

  constructor(private readonly now: () => number) {}

  append(call: Omit<CallRecord, 'seq' | 'at'>): CallRecord {
    const record: CallRecord = { ...call, seq: this.nextSeq++, at: this.now() };
    this.records.push(record);
    return record;
  }

  list(filter: CallFilter = {}): CallRecord[] {
    return this.records.filter(
      (r) => (!filter.platform || r.platform === filter.platform) && (!filter.endpoint || r.endpoint === filter.endpoint),
    );
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  clear(): void {
    this.records = [];
  }
}
