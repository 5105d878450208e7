/** The errors by which Kinesis says "slower": retried after a pause, never fatal. */
const THROTTLES = new Set(["ProvisionedThroughputExceededException", "LimitExceededException"]);

export const isThrottle = (error: unknown): boolean => THROTTLES.has((error as { name?: string }).name ?? "");

const BASE_MS = 100;
const CAP_MS = 10_000;

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/**
 * Full jitter (a random pause up to an exponentially growing cap): many shards throttled at once
 * do not come back in step and throttle each other again.
 */
export const jitteredDelay = (attempt: number): number => Math.random() * Math.min(CAP_MS, BASE_MS * 2 ** attempt);

/** Runs `call`, pausing and retrying while the service throttles; other errors go to the caller. */
export async function withThrottleRetry<T>(call: () => Promise<T>, onThrottle: () => void, signal?: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isThrottle(error) || signal?.aborted) throw error;
      onThrottle();
      await sleep(jitteredDelay(attempt), signal);
    }
  }
}
