import { createInbox, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { statusCodeOf } from "./delivered-headers.js";

/**
 * How a pull ended: "caught-up" JetStream had no more (404, 408); "more" the pull was used up
 * (its count delivered, or 409 for its byte budget) and more may follow; "taken" the taker had
 * enough; "deadline" the read's time was up.
 */
export type PullEnd = "caught-up" | "more" | "taken" | "deadline";

export interface PullRequest {
  readonly stream: string;
  readonly consumer: string;
  readonly count: number;
  readonly maxBytes: number;
  /** Epoch ms after which the pull ends with what it delivered. */
  readonly deadline: number;
  /** JetStream already answered during this read: at the deadline there is no doubt that it is alive. */
  readonly heardBefore: boolean;
  /** How long JetStream may stay silent before the pull fails. */
  readonly timeoutMs: number;
}

/**
 * How many times `timeoutMs` a pull waits for its first message while the connection keeps
 * bringing in other messages. Many large reads at once queue megabytes on the one connection
 * (test/faults/overload.test.ts): a pull behind them is slow, not lost.
 */
export const BUSY_PATIENCE = 4;

/** How many times each connection pulls go through has been lost: a pull sent before a loss is never answered. */
const disconnects = new WeakMap<NatsConnection, { count: number }>();

function disconnectsOf(nc: NatsConnection): { count: number } {
  let seen = disconnects.get(nc);
  if (seen === undefined) {
    const counter = { count: 0 };
    disconnects.set(nc, (seen = counter));
    void (async () => {
      for await (const status of nc.status()) if (status.type === "disconnect") counter.count++;
    })();
  }
  return seen;
}

/**
 * One `no_wait` pull: `take` gets each delivered message in order and answers false once it
 * has enough. At the deadline the pull ends with what came; a JetStream that sent nothing at
 * all by then gets until `timeoutMs` after the request for a first message (which then ends
 * the pull), and only its silence is an error. Slow is not silent: while the connection keeps
 * receiving, the wait goes on, up to BUSY_PATIENCE times `timeoutMs`, unless the connection was
 * lost meanwhile (the request went with it).
 */
export function pull(nc: NatsConnection, request: PullRequest, take: (msg: Msg) => boolean): Promise<PullEnd> {
  const inbox = createInbox();
  const sentAt = Date.now();
  let received = 0;
  let heard = request.heardBefore;
  let overdue = false;
  let inBytes = nc.stats().inBytes;
  const lost = disconnectsOf(nc);
  const lostBefore = lost.count;
  return new Promise<PullEnd>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (end: PullEnd | Error): void => {
      clearTimeout(timer);
      subscription.unsubscribe();
      if (end instanceof Error) reject(end);
      else resolve(end);
    };
    // Each `timeoutMs` without a first message: a connection that received nothing meanwhile
    // is silent; one that did is busy, and gets another `timeoutMs`, up to the patience.
    const whenSilent = (): void => {
      const now = nc.stats().inBytes;
      const busy = now > inBytes && lost.count === lostBefore;
      inBytes = now;
      if (!busy || Date.now() - sentAt >= request.timeoutMs * BUSY_PATIENCE) return finish(new Error("timed out reading from JetStream"));
      timer = setTimeout(whenSilent, request.timeoutMs);
    };
    const atDeadline = (): void => {
      if (heard) return finish("deadline");
      overdue = true;
      timer = setTimeout(whenSilent, Math.max(0, sentAt + request.timeoutMs - Date.now()));
    };
    timer = setTimeout(atDeadline, Math.max(0, request.deadline - sentAt));
    const subscription = nc.subscribe(inbox, {
      callback: (_error, msg: Msg) => {
        heard = true;
        const status = statusCodeOf(msg);
        if (status) {
          // 404 no messages, 408 batch ended early, 409 byte budget reached: done for now.
          if (status === 404 || status === 408) finish("caught-up");
          else if (status === 409) finish("more");
          else finish(new Error(`JetStream pull status ${status} ${msg.headers?.description ?? ""}`));
          return;
        }
        received++;
        try {
          if (!take(msg)) finish("taken");
          else if (received >= request.count) finish("more");
          else if (overdue) finish("deadline");
        } catch (error) {
          finish(error as Error);
        }
      },
    });
    const body = { batch: request.count, max_bytes: request.maxBytes, no_wait: true };
    nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${request.stream}.${request.consumer}`, JSON.stringify(body), { reply: inbox });
  });
}
