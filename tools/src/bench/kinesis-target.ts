import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListShardsCommand,
  ListStreamsCommand,
  RegisterStreamConsumerCommand,
} from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";

/**
 * The Kinesis endpoint under test and the stream the bench makes on it. The AWS SDK for
 * JavaScript with its default settings (HTTP/2); only an endpoint that cannot speak HTTP/2
 * gets HTTP/1.1, and the output says so.
 */
export interface ClientSetup {
  readonly endpoint: string;
  readonly region: string;
  readonly http1: boolean;
  /** Our own server accepts any credentials; elsewhere they come from the AWS environment. */
  readonly anyCredentials: boolean;
}

export function kinesisClient(setup: ClientSetup): KinesisClient {
  return new KinesisClient({
    endpoint: setup.endpoint,
    region: setup.region,
    ...(setup.anyCredentials && { credentials: { accessKeyId: "bench", secretAccessKey: "bench" } }),
    ...(setup.http1 && { requestHandler: new NodeHttpHandler() }),
  });
}

const isHttp2Failure = (error: unknown): boolean => /^ERR_HTTP2_/.test(String((error as { code?: unknown }).code ?? ""));

/** A client for the endpoint, after one call that proves it answers; HTTP/1.1 if HTTP/2 fails at the protocol level. */
export async function connectKinesis(setup: Omit<ClientSetup, "http1">): Promise<{ client: KinesisClient; setup: ClientSetup; note?: string }> {
  const http2: ClientSetup = { ...setup, http1: false };
  const client = kinesisClient(http2);
  try {
    await client.send(new ListStreamsCommand({ Limit: 1 }));
    return { client, setup: http2 };
  } catch (error) {
    client.destroy();
    if (!isHttp2Failure(error)) throw error;
  }
  const http1: ClientSetup = { ...setup, http1: true };
  const fallback = kinesisClient(http1);
  await fallback.send(new ListStreamsCommand({ Limit: 1 }));
  return { client: fallback, setup: http1, note: `${setup.endpoint} does not speak HTTP/2 (the SDK's default): its runs use HTTP/1.1` };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it answers true; real Kinesis takes tens of seconds to create a stream or consumer. */
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 50; ; pause = Math.min(2000, pause * 2)) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await sleep(pause);
  }
}

export interface BenchStream {
  readonly name: string;
  readonly arn: string;
  readonly shardIds: readonly string[];
}

export async function createStream(client: KinesisClient, name: string, shards: number): Promise<BenchStream> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  let arn = "";
  await waitFor(`stream ${name} ACTIVE`, async () => {
    const { StreamDescriptionSummary } = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    arn = StreamDescriptionSummary?.StreamARN ?? "";
    return StreamDescriptionSummary?.StreamStatus === "ACTIVE";
  });
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: name }));
  return { name, arn, shardIds: Shards.map((s) => s.ShardId!) };
}

/** Deletes the stream and its registered consumers (on real Kinesis, both cost money while they exist). */
export async function deleteStream(client: KinesisClient, name: string): Promise<void> {
  await client.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
}

/** Registers `count` consumers and waits until all are ACTIVE; their ARNs. */
export async function registerConsumers(client: KinesisClient, stream: BenchStream, count: number): Promise<string[]> {
  const arns: string[] = [];
  for (let i = 0; i < count; i++) {
    const { Consumer } = await client.send(new RegisterStreamConsumerCommand({ StreamARN: stream.arn, ConsumerName: `bench-app-${i}` }));
    arns.push(Consumer!.ConsumerARN!);
  }
  for (const arn of arns) {
    await waitFor(`consumer ${arn} ACTIVE`, async () => {
      const { ConsumerDescription } = await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: arn }));
      return ConsumerDescription?.ConsumerStatus === "ACTIVE";
    });
  }
  return arns;
}
