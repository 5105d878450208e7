import type { SoakMinute, SoakResult } from "./results.js";

/** The first minute is warm-up: JIT, V8's heap and the answer buffers reach their working size in it. */
const WARMUP_MINUTES = 1;
/** The soak's verdict: the last minute's RSS within this share of the RSS after warm-up. */
export const SOAK_TOLERANCE = 0.1;

export const megabytes = (bytes: number | undefined): string => (bytes === undefined ? "—" : `${(bytes / 1e6).toFixed(1)} MB`);

/** The verdict of a soak from its minutes. */
export function soakVerdict(minutes: readonly SoakMinute[], planned: number): SoakResult {
  const start = minutes[Math.min(WARMUP_MINUTES, minutes.length) - 1];
  const end = minutes.at(-1);
  const rssMeasured = minutes.length > 0 && minutes.every((m) => m.rssBytes !== undefined);
  const change = rssMeasured && start && end && start.rssBytes! > 0 ? (end.rssBytes! - start.rssBytes!) / start.rssBytes! : undefined;
  return {
    minutes: planned,
    warmupMinutes: WARMUP_MINUTES,
    samples: minutes,
    ...(start?.rssBytes !== undefined && { startRssBytes: start.rssBytes }),
    ...(end?.rssBytes !== undefined && { endRssBytes: end.rssBytes }),
    rssMeasured,
    ...(change !== undefined && { changeRatio: change }),
    // Flat when the end is within the tolerance of the start; a soak of one minute has nothing to compare.
    flat: minutes.length > WARMUP_MINUTES && change !== undefined && Math.abs(change) <= SOAK_TOLERANCE,
    exactlyOnce: minutes.every((m) => m.exactlyOnce),
  };
}

/** One line: where RSS started after warm-up, where it ended, and whether that is flat. */
export function soakLine(s: SoakResult): string {
  const once = `exactly once every minute: ${s.exactlyOnce ? "yes" : "NO"}`;
  if (!s.rssMeasured) return `Soak: no verdict on memory, the RSS of a server the bench did not start (--endpoint) is not known; ${once}`;
  if (s.changeRatio === undefined || s.samples.length <= s.warmupMinutes) return `Soak: fewer than ${s.warmupMinutes + 1} minutes, no verdict`;
  const percent = `${s.changeRatio >= 0 ? "+" : ""}${(100 * s.changeRatio).toFixed(1)}%`;
  return (
    `Soak: server RSS ${megabytes(s.startRssBytes)} after warm-up (minute ${s.warmupMinutes}) -> ${megabytes(s.endRssBytes)} after minute ${s.samples.length}: ${percent} ` +
    `(target within ±${100 * SOAK_TOLERANCE}%: ${s.flat ? "met" : "MISSED"}); ${once}`
  );
}
