/**
 * The arithmetic of the bench's figures, with no I/O: latency percentiles and the check that
 * every record arrived exactly once.
 */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentile of ascending values: the smallest value with at least p% of them at or below it. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Percentiles of the values that are numbers (NaN marks a record that never came and is left out). */
export function summarizeLatency(values: Iterable<number>): LatencySummary | undefined {
  const sorted = Float64Array.from(Array.from(values).filter((v) => !Number.isNaN(v))).sort();
  if (sorted.length === 0) return undefined;
  return { count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1]! };
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface DeliveryCheck {
  /** Records that should have arrived. */
  readonly expected: number;
  /** Distinct records that did. */
  readonly delivered: number;
  readonly missing: number;
  /** Deliveries beyond the first of a record. */
  readonly duplicated: number;
  /** Records that were not written in this run (an index out of range). */
  readonly unexpected: number;
  readonly exactlyOnce: boolean;
}

/** Counts deliveries of records 0 … expected-1 to one reader. */
export class DeliveryTally {
  private readonly seen: Uint8Array;
  private duplicated = 0;
  private unexpected = 0;
  private delivered = 0;

  constructor(readonly expected: number) {
    this.seen = new Uint8Array(expected);
  }

  /** Notes a delivery; true the first time a record arrives. */
  record(index: number): boolean {
    if (!Number.isInteger(index) || index < 0 || index >= this.expected) {
      this.unexpected++;
      return false;
    }
    if (this.seen[index] === 1) {
      this.duplicated++;
      return false;
    }
    this.seen[index] = 1;
    this.delivered++;
    return true;
  }

  get complete(): boolean {
    return this.delivered === this.expected;
  }

  result(): DeliveryCheck {
    const missing = this.expected - this.delivered;
    return {
      expected: this.expected,
      delivered: this.delivered,
      missing,
      duplicated: this.duplicated,
      unexpected: this.unexpected,
      exactlyOnce: missing === 0 && this.duplicated === 0 && this.unexpected === 0,
    };
  }
}

/** Several readers' checks as one: every reader must have had every record exactly once. */
export function combineChecks(checks: readonly DeliveryCheck[]): DeliveryCheck {
  const sum = (key: "expected" | "delivered" | "missing" | "duplicated" | "unexpected"): number => checks.reduce((total, c) => total + c[key], 0);
  return {
    expected: sum("expected"),
    delivered: sum("delivered"),
    missing: sum("missing"),
    duplicated: sum("duplicated"),
    unexpected: sum("unexpected"),
    exactlyOnce: checks.every((c) => c.exactlyOnce),
  };
}
