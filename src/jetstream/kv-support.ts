import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";

/** A compare-and-set write lost: the entry changed (or appeared) since it was read. */
export const isWrongLastSequence = (error: unknown): boolean =>
  error instanceof JetStreamApiError &&
  (error.code === JetStreamApiCodes.StreamWrongLastSequence || error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);

/** KV keys and subjects are made of tokens: a dot would split one. Kinesis names never hold '=', so it stands for the dot. */
export const keyToken = (name: string): string => name.replaceAll(".", "=");
/** The name a keyToken stands for. */
export const nameOfKeyToken = (token: string): string => token.replaceAll("=", ".");

/** Another writer changed an entry too many times while we tried to. */
export class MetadataConflictError extends Error {}

const CAS_ATTEMPTS = 10;

/** How an entry's bytes read and write as values. */
export interface EntryCodec<T> {
  decode(bytes: Uint8Array): T;
  encode(value: T): Uint8Array;
}

/**
 * Compare-and-set: reads `key`, asks `next` for the value to store given the live one
 * (undefined when there is none), and writes it only if nobody wrote in between (creating the
 * entry when there was none), reading again after a lost race. `next` may throw to refuse, or
 * answer undefined to write nothing (then so does this). Never read-then-blind-write.
 */
export async function updateEntry<T>(
  kv: KV,
  key: string,
  codec: EntryCodec<T>,
  next: (current: T | undefined) => T | undefined,
): Promise<{ readonly value: T; readonly revision: number } | undefined> {
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const entry = await kv.get(key);
    const live = entry?.operation === "PUT";
    const value = next(live ? codec.decode(entry.value) : undefined);
    if (value === undefined) return undefined;
    try {
      const bytes = codec.encode(value);
      const revision = live ? await kv.update(key, bytes, entry.revision) : await kv.create(key, bytes);
      return { value, revision };
    } catch (error) {
      if (!isWrongLastSequence(error)) throw error;
    }
  }
  throw new MetadataConflictError(`${key} kept changing during the update`);
}
