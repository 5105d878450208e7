import type { KV } from "@nats-io/kv";
import { isWrongLastSequence, MetadataConflictError } from "./stream-catalog.js";

const CAS_ATTEMPTS = 10;

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
    return entry?.operation === "PUT" ? (JSON.parse(Buffer.from(entry.value).toString("utf8")) as T) : undefined;
  }

  async put(id: string, value: unknown): Promise<void> {
    await this.kv.put(this.keyOf(id), Buffer.from(JSON.stringify(value)));
  }

  /** Changes a document with compare-and-set; `change` gets undefined when there is none yet. */
  async update<T>(id: string, change: (current: T | undefined) => T): Promise<T> {
    const key = this.keyOf(id);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const entry = await this.kv.get(key);
      const live = entry?.operation === "PUT";
      const next = change(live ? (JSON.parse(Buffer.from(entry.value).toString("utf8")) as T) : undefined);
      const bytes = Buffer.from(JSON.stringify(next));
      try {
        if (live) await this.kv.update(key, bytes, entry.revision);
        else await this.kv.create(key, bytes);
        return next;
      } catch (error) {
        if (!isWrongLastSequence(error)) throw error;
      }
    }
    throw new MetadataConflictError(`document ${id} kept changing during the update`);
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
