import {
  DescribeStreamSummaryCommand,
  KinesisClient,
  RegisterStreamConsumerCommand,
  type StartingPosition,
  type SubscribeToShardEvent,
  SubscribeToShardCommand,
} from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { RunningServer } from "../../src/server.js";
import { TEST_CREDENTIALS } from "./server.js";

/** The AWS SDK for JavaScript on HTTP/1.1 (botocore's transport), for event streams over chunked encoding. */
export function sdkClientHttp1(server: RunningServer): KinesisClient {
  return new KinesisClient({ endpoint: server.url, region: "us-east-1", credentials: TEST_CREDENTIALS, requestHandler: new NodeHttpHandler() });
}

export async function streamArnOf(client: KinesisClient, stream: string): Promise<string> {
  return (await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary!.StreamARN!;
}

export async function registerConsumer(client: KinesisClient, streamArn: string, name: string): Promise<string> {
  return (await client.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name }))).Consumer!.ConsumerARN!;
}

/** What a subscription delivered before it ended, failed, or was cut off. */
export interface Reading {
  readonly events: SubscribeToShardEvent[];
  /** The exception event (or transport error) that ended it. */
  readonly error?: Error;
  /** It ended by itself, without error. */
  readonly ended: boolean;
  /** Milliseconds from the first event to the end of reading. */
  readonly ms: number;
}

export const dataOf = (events: readonly SubscribeToShardEvent[]): string[] =>
  events.flatMap((event) => (event.Records ?? []).map((record) => Buffer.from(record.Data ?? []).toString("utf8")));

export interface Subscription {
  /** Reads until the stream ends, `stop` says enough (then the request is aborted), or `timeoutMs` passes. */
  read(options: { stop?: (events: readonly SubscribeToShardEvent[]) => boolean; timeoutMs: number }): Promise<Reading>;
  abort(): void;
}

/** SubscribeToShard through the SDK; resolves once the server sent its initial response. */
export async function subscribe(client: KinesisClient, consumerArn: string, shardId: string, position: StartingPosition): Promise<Subscription> {
  const controller = new AbortController();
  const out = await client.send(new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: position }), {
    abortSignal: controller.signal,
  });
  return {
    abort: () => controller.abort(),
    async read({ stop, timeoutMs }) {
      const events: SubscribeToShardEvent[] = [];
      const started = Date.now();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      let error: Error | undefined;
      let ended = false;
      try {
        for await (const event of out.EventStream!) {
          if (event.SubscribeToShardEvent) events.push(event.SubscribeToShardEvent);
          if (stop?.(events)) {
            controller.abort();
            break;
          }
        }
        ended = !controller.signal.aborted;
      } catch (thrown) {
        if (!controller.signal.aborted) error = thrown as Error;
      } finally {
        clearTimeout(timer);
      }
      return { events, error, ended, ms: Date.now() - started };
    },
  };
}
