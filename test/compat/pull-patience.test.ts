import { connect, headers, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { BUSY_PATIENCE, pull, type PullRequest } from "../../src/jetstream/pull.js";

/**
 * A pull's first message may wait behind megabytes of other reads on the one connection. These
 * cases answer the pull's subject from a second connection, late or never, while a third floods
 * the reader's connection or leaves it quiet: a real nats-server between them, only JetStream's
 * answer stood in for, since its timing cannot be held back otherwise.
 */
let reader: NatsConnection;
let responder: NatsConnection;
let flooder: NatsConnection;

beforeAll(async () => {
  const open = () => connect({ servers: inject("natsUrl") });
  [reader, responder, flooder] = await Promise.all([open(), open(), open()]);
});
afterAll(async () => {
  await Promise.all([reader, responder, flooder].map((nc) => nc?.close()));
});

const TIMEOUT_MS = 300;
let cases = 0;

/** A pull of a stand-in consumer whose answer, a message then a 404, comes `answerAfterMs` late (never when undefined). */
async function pullAnswered(answerAfterMs: number | undefined): Promise<{ end: Promise<string>; messages: Msg[] }> {
  const consumer = `patience-${process.pid}-${cases++}`;
  const sub = responder.subscribe(`$JS.API.CONSUMER.MSG.NEXT.stand-in.${consumer}`, {
    max: 1,
    callback: (_error, msg) => {
      if (answerAfterMs === undefined) return;
      setTimeout(() => {
        responder.publish(msg.reply!, "record");
        responder.publish(msg.reply!, "", { headers: headers(404, "No Messages") });
      }, answerAfterMs);
    },
  });
  await responder.flush();
  const request: PullRequest = {
    stream: "stand-in",
    consumer,
    count: 10,
    maxBytes: 1 << 20,
    deadline: Date.now() + 50,
    heardBefore: false,
    timeoutMs: TIMEOUT_MS,
  };
  const messages: Msg[] = [];
  const end = pull(reader, request, (msg) => messages.push(msg) > 0).then(
    (how) => how,
    (error: Error) => `failed: ${error.message}`,
  );
  void end.finally(() => sub.unsubscribe());
  return { end, messages };
}

/** Keeps the reader's connection receiving until stopped. */
async function flood(): Promise<() => void> {
  const subject = `patience.flood.${process.pid}`;
  const sub = reader.subscribe(subject, { callback: () => undefined });
  await reader.flush();
  const payload = new Uint8Array(16 * 1024);
  const timer = setInterval(() => flooder.publish(subject, payload), 10);
  return () => {
    clearInterval(timer);
    sub.unsubscribe();
  };
}

describe("a pull waiting for its first message", () => {
  it("behind a busy connection: waits past its timeout and gets its records", async () => {
    const stop = await flood();
    try {
      const { end, messages } = await pullAnswered(TIMEOUT_MS * 2.5);
      // Past its deadline, the first message ends the pull.
      expect(await end).toBe("deadline");
      expect(messages.map((m) => m.string())).toEqual(["record"]);
    } finally {
      stop();
    }
  });

  it("on a quiet connection: fails once its timeout passes", async () => {
    const started = Date.now();
    const { end } = await pullAnswered(TIMEOUT_MS * 2.5);
    expect(await end).toBe("failed: timed out reading from JetStream");
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 2.5);
  });

  it(`busy but never answered: fails after ${BUSY_PATIENCE} times its timeout`, async () => {
    const stop = await flood();
    try {
      const started = Date.now();
      const { end } = await pullAnswered(undefined);
      expect(await end).toBe("failed: timed out reading from JetStream");
      expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS * BUSY_PATIENCE);
    } finally {
      stop();
    }
  });

  // Last: the reader's connection comes back on its own, but not at once.
  it("busy, but the connection was lost meanwhile (the request with it): fails once its timeout passes", async () => {
    const stop = await flood();
    try {
      const started = Date.now();
      const { end } = await pullAnswered(undefined);
      await reader.reconnect();
      expect(await end).toBe("failed: timed out reading from JetStream");
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 2);
    } finally {
      stop();
    }
  });
});
