import { randomBytes } from "node:crypto";
import { DeliverPolicy, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { msSince, readStamp, RecordMaker } from "./record-stamp.js";
import { ReadLoops, type Reader } from "./reader.js";
import { DeliveryTally } from "./stats.js";

/**
 * The same workloads natively, with nats.js against the same JetStream: a stream with one
 * subject per shard, js.publish with a window of acknowledgements outstanding, and an ordered
 * consumer per reading application.
 */
export interface NativeStream {
  readonly name: string;
  readonly subjects: readonly string[];
}

export async function createNativeStream(jsm: JetStreamManager, shards: number, storage: "memory" | "file"): Promise<NativeStream> {
  const name = `bench_native_${randomBytes(3).toString("hex")}`;
  const subjects = Array.from({ length: shards }, (_, i) => `${name}.${i}`);
  await jsm.streams.add({ name, subjects, storage });
  return { name, subjects };
}

export async function deleteNativeStream(nc: NatsConnection, stream: NativeStream): Promise<void> {
  await (await jetstreamManager(nc)).streams.delete(stream.name);
}

/** The stream sequence the next stored message gets. */
export async function nextSequence(jsm: JetStreamManager, stream: NativeStream): Promise<number> {
  return (await jsm.streams.info(stream.name)).state.last_seq + 1;
}

export interface NativePublishOutcome {
  readonly written: number;
  readonly seconds: number;
  readonly latencies: number[];
}

/** js.publish for `seconds`, with `window` publishes awaiting their acknowledgement at once, round-robin over the subjects. */
export async function nativePublish(
  js: JetStreamClient,
  stream: NativeStream,
  plan: { run: number; recordBytes: number; window: number; seconds: number },
): Promise<NativePublishOutcome> {
  const maker = new RecordMaker(plan.recordBytes);
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const deadline = started + plan.seconds * 1000;
  await Promise.all(
    Array.from({ length: plan.window }, async () => {
      while (performance.now() < deadline) {
        const index = next++;
        const data = maker.make(plan.run, index);
        await js.publish(stream.subjects[index % stream.subjects.length]!, data);
        latencies.push(msSince(readStamp(data)!.sentNs));
      }
    }),
  );
  return { written: next, seconds: (performance.now() - started) / 1000, latencies };
}

/** How long a replay waits for another message before it decides the rest is not there. */
const REPLAY_IDLE_MS = 3000;

/** Reads back what a publish run stored, from its first sequence, with one ordered consumer. */
export async function nativeReplay(
  js: JetStreamClient,
  stream: NativeStream,
  run: number,
  firstSequence: number,
  written: number,
): Promise<{ seconds: number; tally: DeliveryTally }> {
  const tally = new DeliveryTally(written);
  const started = performance.now();
  const consumer = await js.consumers.get(stream.name, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: firstSequence });
  const messages = await consumer.consume();
  let idle = setTimeout(() => void messages.stop(), REPLAY_IDLE_MS);
  let seen = 0;
  for await (const message of messages) {
    clearTimeout(idle);
    const stamp = readStamp(message.data);
    if (stamp?.run === run) {
      tally.record(stamp.index);
      if (++seen >= written) break;
    }
    idle = setTimeout(() => void messages.stop(), REPLAY_IDLE_MS);
  }
  clearTimeout(idle);
  const seconds = (performance.now() - started) / 1000;
  await messages.close();
  return { seconds, tally };
}

/** A consuming application: an ordered consumer of every subject, from the next message stored on. */
export function nativeApplication(js: JetStreamClient, jsm: JetStreamManager, stream: NativeStream): Reader {
  const loops = new ReadLoops();
  let stopMessages: (() => Promise<void>) | undefined;
  return {
    async start(deliver) {
      const consumer = await js.consumers.get(stream.name, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: await nextSequence(jsm, stream) });
      const messages = await consumer.consume();
      stopMessages = async () => void (await messages.close());
      loops.add(
        (async () => {
          for await (const message of messages) deliver(message.data);
        })(),
      );
    },
    async stop() {
      await stopMessages?.();
      await loops.settle();
    },
  };
}
