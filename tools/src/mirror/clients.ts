import {
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  RegisterStreamConsumerCommand,
  ResourceInUseException,
} from "@aws-sdk/client-kinesis";
import { connectKinesis } from "../bench/kinesis-target.js";
import { sleep } from "./backoff.js";
import type { MirrorOptions } from "./options.js";

const fallbackRegion = (): string => process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";

/**
 * The source: real Kinesis through the SDK's default region and credential chain, or the given
 * endpoint, by HTTP/2 (the SDK's default) unless it speaks only HTTP/1.1 (kinesalite); the note
 * says when. The SDK's default settings otherwise, retries included.
 */
export async function connectSource(options: Pick<MirrorOptions, "sourceEndpoint" | "region">): Promise<{ client: KinesisClient; note?: string }> {
  if (options.sourceEndpoint === undefined) return { client: new KinesisClient(options.region === undefined ? {} : { region: options.region }) };
  const { client, note } = await connectKinesis({ endpoint: options.sourceEndpoint, region: options.region ?? fallbackRegion(), anyCredentials: false });
  return {
    client,
    ...(note !== undefined && { note: `${options.sourceEndpoint} does not speak HTTP/2 (the SDK's default): the mirror reads it by HTTP/1.1` }),
  };
}

/** Our server: credentials from the same chain (it checks them only when access keys are configured). */
export const targetClient = (options: MirrorOptions): KinesisClient => new KinesisClient({ endpoint: options.endpoint, region: fallbackRegion() });

const CONSUMER_TIMEOUT_MS = 300_000;

/** The ARN of the source's registered consumer `name`, registered when missing, once ACTIVE. */
export async function registeredConsumer(client: KinesisClient, stream: string, name: string): Promise<string> {
  const { StreamDescriptionSummary } = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
  const StreamARN = StreamDescriptionSummary!.StreamARN!;
  try {
    await client.send(new RegisterStreamConsumerCommand({ StreamARN, ConsumerName: name }));
  } catch (error) {
    // Registered by an earlier run: the mirror reuses it.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const deadline = Date.now() + CONSUMER_TIMEOUT_MS;
  for (let pause = 50; ; pause = Math.min(2000, pause * 2)) {
    const { ConsumerDescription } = await client.send(new DescribeStreamConsumerCommand({ StreamARN, ConsumerName: name }));
    if (ConsumerDescription?.ConsumerStatus === "ACTIVE") return ConsumerDescription.ConsumerARN!;
    if (Date.now() > deadline) throw new Error(`consumer ${name} of ${stream} did not become ACTIVE within ${CONSUMER_TIMEOUT_MS / 1000} s`);
    await sleep(pause);
  }
}
