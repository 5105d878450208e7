import type { _Record } from "@aws-sdk/client-kinesis";

/** Record sizes by bucket, for the report: the upper bound of each bucket in bytes. */
export const SIZE_BUCKETS = [256, 1024, 5 * 1024, 25 * 1024, 100 * 1024, 1024 * 1024] as const;

const PUT_PAYLOAD_UNIT_BYTES = 25 * 1024;

/** What the mirror has copied: totals, per-shard lag, record sizes, and the time it took. */
export class Traffic {
  records = 0;
  bytes = 0;
  throttled = 0;
  /** PUT payload units the copied records cost on Kinesis (one per started 25 KiB). */
  putUnits = 0;
  readonly sizeCounts: number[] = SIZE_BUCKETS.map(() => 0);
  readonly millisBehind = new Map<string, number>();
  private firstAt: number | undefined;
  private lastAt: number | undefined;
  private firstArrival = Infinity;
  private lastArrival = -Infinity;

  copied(records: readonly _Record[], now = Date.now()): void {
    if (records.length === 0) return;
    this.firstAt ??= now;
    this.lastAt = now;
    for (const record of records) {
      const size = record.Data!.byteLength + Buffer.byteLength(record.PartitionKey!);
      const arrival = record.ApproximateArrivalTimestamp?.getTime();
      if (arrival !== undefined) {
        this.firstArrival = Math.min(this.firstArrival, arrival);
        this.lastArrival = Math.max(this.lastArrival, arrival);
      }
      this.records++;
      this.bytes += size;
      this.putUnits += Math.max(1, Math.ceil(size / PUT_PAYLOAD_UNIT_BYTES));
      const bucket = SIZE_BUCKETS.findIndex((limit) => size <= limit);
      this.sizeCounts[bucket < 0 ? SIZE_BUCKETS.length - 1 : bucket]!++;
    }
  }

  lag(shardId: string, millis: number | undefined): void {
    if (millis !== undefined) this.millisBehind.set(shardId, millis);
  }

  /** A source shard copied to its end: no lag to show any more. */
  finished(shardId: string): void {
    this.millisBehind.delete(shardId);
  }

  /** Seconds from the first copy to the last: the span the copy rates are measured over. */
  get copySeconds(): number {
    return this.firstAt === undefined || this.lastAt === undefined ? 0 : (this.lastAt - this.firstAt) / 1000;
  }

  /**
   * Seconds between the arrivals, at the source, of the first and the last copied record: the
   * producers' rate is measured over this span, not over the copy's (a backlog copies faster).
   */
  get arrivalSeconds(): number {
    return this.lastArrival > this.firstArrival ? (this.lastArrival - this.firstArrival) / 1000 : 0;
  }
}

/** The rates over one progress interval, from two readings of the totals. */
export class RateMeter {
  private records = 0;
  private bytes = 0;
  private at = performance.now();
  recordsPerSecond = 0;
  bytesPerSecond = 0;

  constructor(private readonly traffic: Traffic) {}

  tick(): void {
    const now = performance.now();
    const seconds = (now - this.at) / 1000;
    if (seconds <= 0) return;
    this.recordsPerSecond = (this.traffic.records - this.records) / seconds;
    this.bytesPerSecond = (this.traffic.bytes - this.bytes) / seconds;
    this.records = this.traffic.records;
    this.bytes = this.traffic.bytes;
    this.at = now;
  }
}
