import { parentPort, workerData } from "node:worker_threads";
import { PutRecordCommand } from "@aws-sdk/client-kinesis";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { kinesisClient, type ClientSetup } from "./kinesis-target.js";
import { putRecords } from "./kinesis-runs.js";
import { partitionKey, RecordMaker } from "./record-stamp.js";

/**
 * The benchmark's producer for runs at a steady rate, on a thread of its own so that the AWS
 * SDK's work of sending a record never delays the readers' event loop (which would count
 * against the reader). Both threads read the same monotonic clock.
 */
export interface WriterSetup {
  /** The Kinesis endpoint, when there are Kinesis runs. */
  readonly kinesis?: ClientSetup;
  /** NATS, when there are native runs. */
  readonly natsUrl?: string;
}

/** One run of writes: `count` records at `rate` a second, in requests of `batch` records. */
export interface WriteOrder {
  readonly target: { readonly kind: "kinesis"; readonly stream: string } | { readonly kind: "nats"; readonly subjects: readonly string[] };
  readonly rate: number;
  readonly count: number;
  readonly batch: number;
  readonly run: number;
  /** Index of the first record. */
  readonly first: number;
  readonly size: number;
}

/**
 * What a finished order reports back. `putMs`: per request, ms from its send until it was
 * acknowledged (retries of refused records included): what the write itself costs, to set
 * beside put→delivery.
 */
export type WriterReply =
  | {
      readonly done: true;
      readonly sendSeconds: number;
      /** From the first send until the last acknowledgement: how long storing took, at the endpoint's pace. */
      readonly ackSeconds: number;
      readonly retried: number;
      readonly putMs: Float64Array;
    }
  | { readonly error: string };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const setup = workerData as WriterSetup;
  const kinesis = setup.kinesis ? kinesisClient(setup.kinesis) : undefined;
  const nc = setup.natsUrl ? await connect({ servers: setup.natsUrl, noAsyncTraces: true }) : undefined;
  const js = nc ? jetstream(nc) : undefined;

  /** Sends records first … first+count-1; resolves to the number of records sent again after a refusal. */
  const send = async (order: WriteOrder, maker: RecordMaker, first: number, count: number): Promise<number> => {
    const target = order.target;
    const indices = Array.from({ length: count }, (_, i) => first + i);
    if (target.kind === "nats") {
      await Promise.all(indices.map((index) => js!.publish(target.subjects[index % target.subjects.length]!, maker.make(order.run, index))));
      return 0;
    }
    if (count === 1) {
      await kinesis!.send(
        new PutRecordCommand({ StreamName: target.stream, PartitionKey: partitionKey(order.run, first), Data: maker.make(order.run, first) }),
      );
      return 0;
    }
    const entries = indices.map((index) => ({ PartitionKey: partitionKey(order.run, index), Data: maker.make(order.run, index) }));
    return putRecords(kinesis!, target.stream, entries, () => undefined);
  };

  /** Each request is sent when due, without waiting for earlier ones to finish. */
  const write = async (order: WriteOrder): Promise<WriterReply> => {
    const maker = new RecordMaker(order.size);
    const started = performance.now();
    const requests: Promise<number>[] = [];
    const putMs: number[] = [];
    let lastAckAt = started;
    let failure: unknown;
    let sent = 0;
    while (sent < order.count) {
      const due = Math.min(order.count, Math.floor(((performance.now() - started) * order.rate) / 1000) + 1);
      while (sent < order.count && due - sent >= Math.min(order.batch, order.count - sent)) {
        const size = Math.min(order.batch, order.count - sent);
        const sentAt = performance.now();
        // Caught at once: a failed request must not go unhandled while later ones are still due.
        requests.push(
          send(order, maker, order.first + sent, size).then(
            (retried) => ((lastAckAt = performance.now()), putMs.push(lastAckAt - sentAt), retried),
            (error: unknown) => ((failure ??= error), 0),
          ),
        );
        sent += size;
      }
      await sleep(1);
    }
    const sendSeconds = (performance.now() - started) / 1000;
    const retried = (await Promise.all(requests)).reduce((a, b) => a + b, 0);
    if (failure !== undefined) throw failure;
    return { done: true, sendSeconds, ackSeconds: (lastAckAt - started) / 1000, retried, putMs: Float64Array.from(putMs) };
  };

  parentPort!.on("message", (message: WriteOrder | "close") => {
    if (message === "close") {
      kinesis?.destroy();
      void (nc?.close() ?? Promise.resolve()).then(() => parentPort!.close());
      return;
    }
    write(message).then(
      (reply) => parentPort!.postMessage(reply),
      (error: unknown) => parentPort!.postMessage({ error: String(error) } satisfies WriterReply),
    );
  });
  parentPort!.postMessage("ready");
}

void main();
