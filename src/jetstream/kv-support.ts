import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from "@nats-io/jetstream";
import type { KV, KvEntry } from "@nats-io/kv";
import type { Logger } from "pino";

/** A compare-and-set write lost: the entry changed (or appeared) since it was read. */
export const isWrongLastSequence = (error: unknown): boolean =>
  error instanceof JetStreamApiError &&
  (error.code === JetStreamApiCodes.StreamWrongLastSequence || error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);

/** KV keys are subject tokens: a dot would split one. Kinesis names never hold '=', so it stands for the dot. */
export const keyToken = (name: string): string => name.replaceAll(".", "=");

/**
 * Applies every entry under `prefix` (current values first, then changes as they happen) and
 * resolves once the current values are in. Whether any exist is asked of the bucket's stream
 * first: a watch over no keys would otherwise never say it has loaded.
 */
export async function watchPrefix(
  kv: KV,
  jsm: JetStreamManager,
  bucket: string,
  prefix: string,
  apply: (entry: KvEntry) => void,
  log: Logger,
): Promise<() => void> {
  const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `$KV.${bucket}.${prefix}>` });
  const existing = Object.keys(info.state.subjects ?? {}).length;
  const watcher = await kv.watch({ key: `${prefix}>` });
  let loaded!: () => void;
  const initialLoad = new Promise<void>((resolve) => (loaded = resolve));
  if (existing === 0) loaded();
  void (async () => {
    for await (const entry of watcher) {
      apply(entry);
      if (entry.delta === 0) loaded();
    }
  })().catch((error: unknown) => log.error({ err: error, prefix }, "KV watch ended"));
  await initialLoad;
  return () => watcher.stop();
}
