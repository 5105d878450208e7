import { isClosing, isEnded, isOpen, type Shard } from "../shards/shard.js";
import type { StreamCatalog } from "./stream-catalog.js";
import type { StreamMetadata } from "./stream-metadata.js";
import type { StreamStorage } from "./stream-storage.js";

export const hasClosingShards = (stream: StreamMetadata): boolean => stream.shards.some(isClosing);

/** A reshard normally settles its closing shards at once; past this, its instance is taken for dead. */
const STALLED_AFTER_MS = 10_000;

/** Closing shards that their reshard's instance should have settled long ago. */
export const hasStalledReshard = (stream: StreamMetadata, now: number): boolean => hasClosingShards(stream) && now > stream.statusUntil + STALLED_AFTER_MS;

// Applying the subjects of a stale copy of the metadata could reopen a shard closed meanwhile;
// apply until the applied copy is the latest, a few rounds at most.
const MAX_ROUNDS = 5;

/**
 * The second half of a reshard: make JetStream refuse the subjects of closing shards (and take
 * those of the new ones), then record where each closing shard ends. Until the first step is
 * done a closing shard may still receive records, so its end is only known after it. Safe to
 * run again, from any instance: it also completes a reshard whose instance died half way. Every
 * change to the JetStream stream's configuration goes through here, so that each applies the
 * latest metadata, never the copy its caller read.
 */
export async function settleClosingShards(catalog: StreamCatalog, storage: StreamStorage, name: string): Promise<StreamMetadata | undefined> {
  let applied: StreamMetadata | undefined;
  let lastSequence = 0n;
  // Every shard whose subject this call let JetStream accept, in any round.
  const openedHere = new Set<number>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const latest = await catalog.refresh(name);
    if (!latest) return undefined;
    if (applied && sameOpenShards(applied, latest)) break;
    lastSequence = await storage.reconfigure(latest);
    for (const shard of latest.shards.filter(isOpen)) openedHere.add(shard.index);
    applied = latest;
  }
  if (!applied) return applied;
  const final = lastSequence;
  const closing = new Set(applied.shards.filter(isClosing).map((s) => s.index));
  const closedByUs = (s: Shard): boolean => closing.has(s.index) && isClosing(s);
  // A stale round may have reopened, for a moment, a shard another instance had meanwhile
  // closed and ended: records may have landed in it after that end. Only this call's last
  // round closed it again, so its end moves up to where that round left the stream.
  const reopenedHere = (s: Shard): boolean => isEnded(s) && openedHere.has(s.index) && s.endingPosition! < final;
  if (!applied.shards.some((s) => closedByUs(s) || reopenedHere(s))) return applied;
  return catalog.update(name, (latest) => ({
    ...latest,
    shards: latest.shards.map((s) => (closedByUs(s) || reopenedHere(s) ? { ...s, endingPosition: final } : s)),
  }));
}

function sameOpenShards(a: StreamMetadata, b: StreamMetadata): boolean {
  const open = (s: StreamMetadata) =>
    s.shards
      .filter(isOpen)
      .map((shard) => shard.index)
      .join(",");
  return open(a) === open(b) && a.retentionHours === b.retentionHours;
}
