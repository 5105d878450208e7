import type { MinimumThroughputBillingCommitmentOutput } from "../generated/model.js";

/**
 * The account's minimum throughput billing commitment, as UpdateAccountSettings records it.
 * Recorded and reported only: nothing is billed, nothing is throttled by it.
 */
export interface StoredCommitment {
  readonly status: "ENABLED" | "DISABLED";
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly earliestAllowedEndAt?: number;
}

export const COMMITMENT_DOCUMENT = "minimum-throughput-billing-commitment";
/** How long an enabled commitment must last before it can end. */
const MINIMUM_COMMITMENT_MS = 24 * 3_600_000;

export function changeCommitment(current: StoredCommitment | undefined, wanted: "ENABLED" | "DISABLED", now: number): StoredCommitment {
  if (wanted === "ENABLED") {
    if (current?.status === "ENABLED") return current;
    return { status: "ENABLED", startedAt: now, earliestAllowedEndAt: now + MINIMUM_COMMITMENT_MS };
  }
  if (current?.status !== "ENABLED") return current ?? { status: "DISABLED" };
  return { ...current, status: "DISABLED", endedAt: Math.max(now, current.earliestAllowedEndAt ?? now) };
}

export function commitmentView(stored: StoredCommitment | undefined, now: number): MinimumThroughputBillingCommitmentOutput {
  if (!stored) return { Status: "DISABLED" };
  const date = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));
  const status = stored.status === "DISABLED" && stored.endedAt !== undefined && stored.endedAt > now ? "ENABLED_UNTIL_EARLIEST_ALLOWED_END" : stored.status;
  return {
    Status: status,
    ...(stored.startedAt !== undefined && { StartedAt: date(stored.startedAt) }),
    ...(stored.endedAt !== undefined && { EndedAt: date(stored.endedAt) }),
    ...(stored.earliestAllowedEndAt !== undefined && { EarliestAllowedEndAt: date(stored.earliestAllowedEndAt) }),
  };
}
