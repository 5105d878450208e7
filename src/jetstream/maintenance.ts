import type { Logger } from "pino";
import { hasStalledReshard, settleClosingShards } from "./shard-closing.js";
import type { StreamCatalog } from "./stream-catalog.js";
import { effectiveStatus } from "./stream-metadata.js";
import type { StreamStorage } from "./stream-storage.js";

/**
 * What every instance does now and then, so that no work depends on one instance staying up:
 * finish reshards whose instance stopped half way, and drop the entries of streams that have
 * finished deleting. Both are safe to run on several instances at once.
 */
export function startMaintenance(catalog: StreamCatalog, storage: StreamStorage, log: Logger, intervalMs: number): () => void {
  let running = false;
  const sweep = async (): Promise<void> => {
    if (running) return;
    running = true;
    const now = Date.now();
    try {
      for (const stream of catalog.all()) {
        if (effectiveStatus(stream, now) === "GONE") await catalog.purge(stream.name);
        else if (hasStalledReshard(stream, now)) {
          log.warn({ stream: stream.name }, "finishing a reshard its instance left half done");
          await settleClosingShards(catalog, storage, stream.name);
        }
      }
    } catch (error) {
      log.warn({ err: error }, "maintenance sweep failed; next sweep retries");
    } finally {
      running = false;
    }
  };
  // Instances started together should not sweep in step.
  const timer = setInterval(() => void sweep(), intervalMs + Math.floor(Math.random() * intervalMs * 0.2));
  timer.unref();
  return () => clearInterval(timer);
}
