import { RequestError, TimeoutError } from "@nats-io/transport-node";
import { JetStreamApiError } from "@nats-io/jetstream";

/** The server could not start: the message names what it was waiting for, and what went wrong last. */
export class StartupError extends Error {}

/** A condition not met yet (no stream leader elected, say): worth asking again. */
export class NotYetError extends Error {}

/** JetStream's "temporarily unavailable" family: no leader, no quorum, JetStream starting. */
const UNAVAILABLE_STATUS = 503;
/**
 * "no suitable peers for placement": a cluster that has just started answers before all its
 * nodes have joined, and refuses a stream with more replicas than it knows nodes yet.
 */
const NO_SUITABLE_PEERS = 10005;

/**
 * Errors that pass once the cluster settles: a request nobody answered (a stream whose leader is
 * still being elected drops them on 2.9), nobody listening yet, JetStream not ready, nodes that
 * have not joined yet.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof NotYetError || error instanceof TimeoutError) return true;
  if (error instanceof RequestError) return error.isNoResponders() || error.cause instanceof TimeoutError;
  if (error instanceof JetStreamApiError) return error.status === UNAVAILABLE_STATUS || error.code === NO_SUITABLE_PEERS;
  return false;
}

export interface WaitOptions {
  /** Give up this long after the first attempt. */
  readonly withinMs: number;
  /** Pause after the first failed attempt; it doubles up to a second. */
  readonly firstPauseMs?: number;
}

const MAX_PAUSE_MS = 1_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, again after each transient failure while time remains. Any
 * failure that ends the wait becomes a StartupError saying "waiting for <what>: <reason>".
 */
export async function waitFor<T>(what: string, attempt: () => Promise<T>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.withinMs;
  let pause = options.firstPauseMs ?? 100;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransient(error) || Date.now() + pause >= deadline) {
        throw new StartupError(`waiting for ${what}: ${(error as Error).message}`, { cause: error });
      }
    }
    await sleep(pause);
    pause = Math.min(pause * 2, MAX_PAUSE_MS);
  }
}
