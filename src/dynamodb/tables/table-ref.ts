import { RevisionConflict, type TableItems, type WriteExpectation } from "../../jetstream/tables/table-store.js";
import type { TableContext } from "../context.js";
import { ConditionalCheckFailedException, ResourceNotFoundException, TransactionConflictException, ValidationException } from "../errors.js";
import type { TableDescription } from "../generated/model.js";
import * as messages from "../messages.js";
import { itemSize, MAX_ITEM_BYTES, type Item } from "../items/attribute-value.js";
import { decodeItem, encodeItem, keyNames, storageKey, type GlobalIndex, type KeySchema, type TableRecord } from "./table.js";

/** The table a request names; DynamoDB's "Requested resource not found" when there is none. */
export async function findTable(ctx: TableContext, name: string): Promise<TableRecord> {
  const table = await ctx.tables.describe<TableRecord>(name);
  if (!table) throw new ResourceNotFoundException(messages.requestedResourceNotFound());
  return table;
}

export const tableArnOf = (ctx: TableContext, name: string): string => `arn:aws:dynamodb:${ctx.settings.region}:${ctx.settings.accountId}:table/${name}`;

const keySchemaOf = (key: KeySchema) => [
  { AttributeName: key.hash.name, KeyType: "HASH" as const },
  ...(key.range ? [{ AttributeName: key.range.name, KeyType: "RANGE" as const }] : []),
];

/**
 * What DescribeTable (and CreateTable, UpdateTable, DeleteTable) say of a table. Tables and
 * indexes are ACTIVE at once: KCL polls every 10 s while one is not. An on-demand table still
 * reports zero provisioned throughput, since KCL reads it unconditionally.
 */
export async function tableDescription(ctx: TableContext, table: TableRecord, status: "ACTIVE" | "DELETING" = "ACTIVE"): Promise<TableDescription> {
  const items = await (await ctx.tables.items(table.name)).all(false);
  const bytes = items.reduce((sum, item) => sum + item.value.byteLength, 0);
  const throughput = (p?: { read: number; write: number }) => ({
    ReadCapacityUnits: p?.read ?? 0,
    WriteCapacityUnits: p?.write ?? 0,
    NumberOfDecreasesToday: 0,
  });
  const arn = tableArnOf(ctx, table.name);
  return {
    TableName: table.name,
    TableArn: arn,
    TableId: table.id,
    TableStatus: status,
    CreationDateTime: new Date(table.createdAt),
    KeySchema: keySchemaOf(table.key),
    AttributeDefinitions: table.attributeDefinitions.map((d) => ({ AttributeName: d.AttributeName, AttributeType: d.AttributeType as "S" | "N" | "B" })),
    ProvisionedThroughput: throughput(table.provisioned),
    BillingModeSummary: { BillingMode: table.billingMode, LastUpdateToPayPerRequestDateTime: new Date(table.createdAt) },
    TableSizeBytes: bytes,
    ItemCount: items.length,
    DeletionProtectionEnabled: table.deletionProtection,
    ...(table.sse && { SSEDescription: { Status: "ENABLED", SSEType: "KMS" } }),
    ...(table.indexes.length > 0 && {
      GlobalSecondaryIndexes: table.indexes.map((index) => indexDescription(table, index, arn, items.length, bytes)),
    }),
  };
}

function indexDescription(table: TableRecord, index: GlobalIndex, tableArn: string, count: number, bytes: number) {
  return {
    IndexName: index.name,
    IndexArn: `${tableArn}/index/${index.name}`,
    IndexStatus: "ACTIVE" as const,
    KeySchema: keySchemaOf(index.key),
    Projection: {
      ProjectionType: index.projection.ProjectionType,
      ...(index.projection.NonKeyAttributes && { NonKeyAttributes: [...index.projection.NonKeyAttributes] }),
    },
    ProvisionedThroughput: { ReadCapacityUnits: index.provisioned?.read ?? 0, WriteCapacityUnits: index.provisioned?.write ?? 0, NumberOfDecreasesToday: 0 },
    IndexSizeBytes: bytes,
    ItemCount: count,
  };
}

/** An item as it is stored now, with its revision; `consistent` reads the bucket itself. */
export async function readItem(items: TableItems, table: TableRecord, key: Item, consistent: boolean): Promise<{ item: Item; revision: number } | undefined> {
  const stored = await items.get(storageKey(table.key, key), consistent);
  return stored && { item: decodeItem(stored.value), revision: stored.revision };
}

/** What a conditional write decides, given the item as it is: the item to store, null to delete it. */
export type WriteDecision = (current: Item | undefined) => Item | null;

const CAS_ATTEMPTS = 64;

/**
 * A conditional write, linearizable across every instance: read the item and its revision,
 * decide (the decision throws ConditionalCheckFailedException to refuse), write only if the
 * revision is still the one read, and on a lost race read and decide again. Returns the item
 * before and after.
 *
 * The first try decides on this instance's watched copy of the table, which saves a round trip
 * to the bucket: it is as safe, since the write lands only at the revision that was read. A
 * refusal is never decided on the copy, which may lag: it is checked on the bucket itself.
 */
export async function writeItem(ctx: TableContext, table: TableRecord, key: Item, decide: WriteDecision): Promise<{ before?: Item; after?: Item }> {
  const items = await ctx.tables.items(table.name);
  const storage = storageKey(table.key, key);
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const consistent = attempt > 0;
    const stored = await items.get(storage, consistent);
    const before = stored ? decodeItem(stored.value) : undefined;
    let after: Item | null;
    try {
      after = decide(before);
    } catch (error) {
      if (!consistent && error instanceof ConditionalCheckFailedException) continue;
      throw error;
    }
    if (after !== null && itemSize(after) > MAX_ITEM_BYTES) throw new ValidationException(messages.itemTooLarge());
    const expect: WriteExpectation = stored ? { revision: stored.revision } : "absent";
    try {
      if (after === null) {
        if (stored) await items.write(storage, null, expect);
      } else await items.write(storage, encodeItem(after), expect);
      return { ...(before && { before }), ...(after !== null && { after }) };
    } catch (error) {
      if (!(error instanceof RevisionConflict)) throw error;
    }
  }
  throw new TransactionConflictException(messages.tooManyRetries());
}

/** DynamoDB's refusal of a failed condition, with the item when ReturnValuesOnConditionCheckFailure is ALL_OLD. */
export function conditionFailed(current: Item | undefined, returnOld: boolean): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException(messages.conditionalRequestFailed(), returnOld && current ? { Item: current } : undefined);
}

export const keyAttributesOf = (table: TableRecord): string[] => keyNames(table.key);
