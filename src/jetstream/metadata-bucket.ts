import type { NatsConnection } from "@nats-io/transport-node";
import { jetstream, JetStreamApiCodes, JetStreamApiError, jetstreamManager } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { NotYetError, waitFor } from "./startup-wait.js";

export interface MetadataBucketOptions {
  readonly replicas: number;
  readonly storage: "file" | "memory";
  /** How long the whole start-up may wait for the bucket. */
  readonly withinMs: number;
  /** Each request of the opened bucket waits this long for its answer (--nats-timeout-ms). */
  readonly timeoutMs: number;
}

/**
 * One attempt's request timeout during start-up. Short: when two instances create the bucket at
 * once on a 2.9 cluster, the loser's first request after the create is never answered, and
 * asking again a moment later is answered at once.
 */
const ATTEMPT_TIMEOUT_MS = 1_500;

/**
 * Creates the namespace's metadata bucket, or opens it when another instance made it (possibly
 * in the same instant), then waits until its stream has a leader that answers. Fails with a
 * StartupError naming the bucket when it does not within `withinMs`.
 */
export async function openMetadataBucket(nc: NatsConnection, bucket: string, options: MetadataBucketOptions): Promise<KV> {
  const what = `KV bucket ${bucket} (${options.replicas} ${options.replicas === 1 ? "replica" : "replicas"})`;
  const patient = new Kvm(jetstream(nc, { timeout: ATTEMPT_TIMEOUT_MS }));
  await waitFor(
    what,
    () =>
      patient.create(bucket, {
        history: 1,
        replicas: options.replicas,
        storage: options.storage,
        // Reads go to the stream's leader. A direct get may be answered by a replica that has
        // not applied the latest write yet (on a 3-node cluster, a secret just created read
        // back as missing): metadata must read its own writes.
        allow_direct: false,
      }),
    { withinMs: options.withinMs },
  );
  const probe = await patient.open(bucket);
  const jsm = await jetstreamManager(nc, { timeout: ATTEMPT_TIMEOUT_MS, checkAPI: false });
  await waitFor(
    `the leader of ${what}`,
    async () => {
      const info = await jsm.streams.info(`KV_${bucket}`).catch((error: unknown) => {
        // On 2.10 the instance whose create lost the race to another's can be told the stream
        // exists before its own node has the stream's assignment: it is on its way.
        if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) throw new NotYetError("stream not assigned here yet");
        throw error;
      });
      if (info.cluster && !info.cluster.leader) throw new NotYetError("no leader elected yet");
      // The leader answers reads: what every later step needs.
      await probe.get("secrets.token-key");
    },
    { withinMs: options.withinMs },
  );
  return new Kvm(jetstream(nc, { timeout: options.timeoutMs })).open(bucket);
}
