import { DescribeStreamConsumerCommand, DescribeStreamSummaryCommand, RegisterStreamConsumerCommand, type KinesisClient } from "@aws-sdk/client-kinesis";

const ACTIVE_WAIT_MS = 60_000;

/**
 * The ARN of the stream's registered consumer `name`, registering it first when it does not
 * exist (and waiting until it is ACTIVE). It stays registered afterwards, like any consumer.
 */
export async function consumerArnOf(kinesis: KinesisClient, streamName: string, name: string): Promise<string> {
  const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  const streamArn = StreamDescriptionSummary!.StreamARN!;
  const describe = () => kinesis.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name }));
  let consumer = await describe().then(
    (answer) => answer.ConsumerDescription!,
    (error: unknown) => {
      if ((error as Error).name !== "ResourceNotFoundException") throw error;
      return undefined;
    },
  );
  if (!consumer) await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name }));
  for (const deadline = Date.now() + ACTIVE_WAIT_MS; consumer?.ConsumerStatus !== "ACTIVE";) {
    if (Date.now() > deadline) throw new Error(`consumer ${name} is not ACTIVE after ${ACTIVE_WAIT_MS / 1000} s`);
    if (consumer) await new Promise((resolve) => setTimeout(resolve, 250));
    consumer = (await describe()).ConsumerDescription!;
  }
  return consumer.ConsumerARN!;
}
