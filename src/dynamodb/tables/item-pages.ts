import { createHash } from "node:crypto";
import { ValidationException } from "../errors.js";
import { evaluateCondition, project, type Condition, type Path } from "../expressions/index.js";
import type { Item } from "../items/attribute-value.js";
import * as messages from "../messages.js";
import { compareKeys, decodeItem, keyNames, keyOf, type KeySchema, type TableRecord } from "./table.js";
import type { TableContext } from "../context.js";

/** What Scan and Query share: which items, in which order, a page of them, filtered and projected. */
export interface PageRequest {
  /** The key the items are ordered by: the table's, or an index's (then the table's breaks ties). */
  readonly order: KeySchema;
  readonly table: TableRecord;
  /** Which items take part at all (a Query's key condition, a Scan's segment, an index's sparseness). */
  readonly includes: (item: Item) => boolean;
  readonly descending?: boolean;
  readonly exclusiveStartKey?: Item;
  readonly limit?: number;
  readonly filter?: Condition;
  readonly projection?: readonly Path[];
  readonly count?: boolean;
}

export interface Page {
  readonly Items?: Item[];
  readonly Count: number;
  readonly ScannedCount: number;
  readonly LastEvaluatedKey?: Item;
}

/** The attributes that name an item's place in the order: the order's key and the table's. */
const positionKeys = (request: PageRequest): string[] => [...new Set([...keyNames(request.order), ...keyNames(request.table.key)])];

/**
 * One page: the items in order after ExclusiveStartKey, at most `limit` of them read (before the
 * filter, as DynamoDB counts), then filtered. LastEvaluatedKey only when there may be more: on
 * the last page it is absent, never `{}` (KCL loops while it is present).
 */
export async function readPage(ctx: TableContext, request: PageRequest): Promise<Page> {
  const stored = await (await ctx.tables.items(request.table.name)).all(true);
  const candidates = stored.map((s) => decodeItem(s.value)).filter(request.includes);
  const compare = (a: Item, b: Item): number => compareKeys(request.order, a, b) || compareKeys(request.table.key, a, b);
  candidates.sort((a, b) => (request.descending ? -compare(a, b) : compare(a, b)));
  let start = 0;
  if (request.exclusiveStartKey) {
    const from = request.exclusiveStartKey;
    if (!positionKeys(request).every((name) => from[name] !== undefined)) throw new ValidationException(messages.invalidStartKey());
    start = candidates.findIndex((item) => (request.descending ? -compare(item, from) : compare(item, from)) > 0);
    if (start < 0) start = candidates.length;
  }
  const limit = request.limit ?? Number.POSITIVE_INFINITY;
  const scanned = candidates.slice(start, start + limit);
  const more = start + scanned.length < candidates.length;
  const matching = request.filter ? scanned.filter((item) => evaluateCondition(request.filter!, item)) : scanned;
  const last = scanned[scanned.length - 1];
  const lastKey = more && last ? Object.fromEntries(positionKeys(request).map((name) => [name, last[name]!])) : undefined;
  return {
    ...(!request.count && { Items: request.projection ? matching.map((item) => project(item, request.projection!)) : matching }),
    Count: matching.length,
    ScannedCount: scanned.length,
    ...(lastKey && { LastEvaluatedKey: lastKey }),
  };
}

/** Scan's Segment of TotalSegments: a stable hash of the item's key, so segments split the table and never overlap. */
export function inSegment(table: TableRecord, item: Item, segment: number, total: number): boolean {
  const digest = createHash("md5")
    .update(JSON.stringify(keyOf(table.key, item)))
    .digest();
  return digest.readUInt32BE(0) % total === segment;
}
