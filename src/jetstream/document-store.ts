import type { KV } from "@nats-io/kv";
import { updateEntry, type EntryCodec } from "./kv-support.js";

const json: EntryCodec<unknown> = {
  decode: (bytes) => JSON.parse(Buffer.from(bytes).toString("utf8")),
  encode: (value) => Buffer.from(JSON.stringify(value)),
};

/**
 * Small JSON documents beside the stream metadata in the same KV bucket: account settings,
 * resource policies. Keys are encoded so that any text (an ARN, with its ':' and '/') is a
 * valid KV key.
 */
export class DocumentStore {
  constructor(
    private readonly kv: KV,
    private readonly prefix: string,
  ) {}

  private keyOf(id: string): string {
    return `${this.prefix}.${Buffer.from(id, "utf8").toString("base64url") || "_"}`;
  }

  async get<T>(id: string): Promise<T | undefined> {
    const entry = await this.kv.get(this.keyOf(id));
    return entry?.operation === "PUT" ? (json.decode(entry.value) as T) : undefined;
  }

  async put(id: string, value: unknown): Promise<void> {
    await this.kv.put(this.keyOf(id), json.encode(value));
  }

  /** Changes a document with compare-and-set; `change` gets undefined when there is none yet. */
  async update<T>(id: string, change: (current: T | undefined) => T): Promise<T> {
    const written = await updateEntry(this.kv, this.keyOf(id), json as EntryCodec<T>, change);
    return written!.value;
  }

  /** True when there was a document to delete. */
  async delete(id: string): Promise<boolean> {
    const key = this.keyOf(id);
    const entry = await this.kv.get(key);
    if (entry?.operation !== "PUT") return false;
    await this.kv.delete(key);
    return true;
  }
}
