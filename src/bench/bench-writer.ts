import { parentPort, workerData } from "node:worker_threads";
import { KinesisClient, PutRecordsCommand, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";

/**
 * The benchmark's producer, on a thread of its own so that the AWS SDK's work of sending a
 * record never delays the readers' event loop (which would count against the reader). Both
 * threads read the same monotonic clock.
 */
export interface WriterSetup {
  readonly endpoint: string;
  readonly natsUrl: string;
}

/** One run of writes: `count` records at `rate` a second, in requests of `batch` records. */
export interface WriteOrder {
  readonly target: { readonly kind: "kinesis"; readonly stream: string } | { readonly kind: "nats"; readonly subject: string };
  readonly rate: number;
  readonly count: number;
  readonly batch: number;
  readonly phase: number;
  readonly first: number;
  readonly size: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Record data: send time (ns, monotonic), phase, index, then padding. */
function payload(size: number, phase: number, index: number): Buffer {
  const data = Buffer.alloc(size);
  data.writeBigUInt64BE(process.hrtime.bigint(), 0);
  data.writeUInt32BE(phase, 8);
  data.writeUInt32BE(index, 12);
  return data;
}

async function main(): Promise<void> {
  const setup = workerData as WriterSetup;
  const kinesis = new KinesisClient({ endpoint: setup.endpoint, region: "us-east-1", credentials: { accessKeyId: "bench", secretAccessKey: "bench" } });
  const nc = await connect({ servers: setup.natsUrl, noAsyncTraces: true });
  const js = jetstream(nc);

  const send = (order: WriteOrder, records: Buffer[]): Promise<unknown> => {
    const target = order.target;
    if (target.kind === "nats") return Promise.all(records.map((data) => js.publish(target.subject, data)));
    if (records.length === 1) return kinesis.send(new PutRecordCommand({ StreamName: target.stream, PartitionKey: "k", Data: records[0] }));
    return kinesis.send(new PutRecordsCommand({ StreamName: target.stream, Records: records.map((Data) => ({ PartitionKey: "k", Data })) }));
  };

  /** Each request is sent when due, without waiting for earlier ones to finish. */
  const write = async (order: WriteOrder): Promise<void> => {
    const started = performance.now();
    const requests: Promise<unknown>[] = [];
    let sent = 0;
    while (sent < order.count) {
      const due = Math.min(order.count, Math.floor(((performance.now() - started) * order.rate) / 1000) + 1);
      while (sent < order.count && due - sent >= Math.min(order.batch, order.count - sent)) {
        const size = Math.min(order.batch, order.count - sent);
        requests.push(send(order, Array.from({ length: size }, (_, i) => payload(order.size, order.phase, order.first + sent + i))));
        sent += size;
      }
      await sleep(1);
    }
    await Promise.all(requests);
  };

  parentPort!.on("message", (message: WriteOrder | "close") => {
    if (message === "close") {
      kinesis.destroy();
      void nc.close().then(() => parentPort!.close());
      return;
    }
    write(message).then(
      () => parentPort!.postMessage("done"),
      (error: unknown) => parentPort!.postMessage({ error: String(error) }),
    );
  });
  parentPort!.postMessage("ready");
}

void main();
