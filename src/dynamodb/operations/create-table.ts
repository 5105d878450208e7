import { randomUUID } from "node:crypto";
import { ResourceInUseException, ValidationException } from "../errors.js";
import * as messages from "../messages.js";
import { defineOperation } from "../operation.js";
import { tableDescription } from "../tables/table-ref.js";
import type { GlobalIndex, TableRecord } from "../tables/table.js";
import { keySchemaFrom } from "../tables/key-schema.js";

export const createTable = defineOperation("CreateTable", async (input, ctx) => {
  if (input.LocalSecondaryIndexes?.length) throw new ValidationException("Local secondary indexes are not supported by this server");
  const definitions = input.AttributeDefinitions ?? [];
  const key = keySchemaFrom(input.KeySchema ?? [], definitions);
  const billingMode = input.BillingMode ?? "PROVISIONED";
  if (billingMode === "PROVISIONED" && !input.ProvisionedThroughput) {
    throw new ValidationException(
      "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
    );
  }
  const indexes: GlobalIndex[] = (input.GlobalSecondaryIndexes ?? []).map((gsi) => ({
    name: gsi.IndexName,
    key: keySchemaFrom(gsi.KeySchema ?? [], definitions),
    projection: {
      ProjectionType: gsi.Projection.ProjectionType ?? "ALL",
      ...(gsi.Projection.NonKeyAttributes && { NonKeyAttributes: gsi.Projection.NonKeyAttributes }),
    },
    ...(gsi.ProvisionedThroughput && {
      provisioned: { read: gsi.ProvisionedThroughput.ReadCapacityUnits, write: gsi.ProvisionedThroughput.WriteCapacityUnits },
    }),
  }));
  const record: TableRecord = {
    name: input.TableName,
    key,
    attributeDefinitions: definitions,
    createdAt: ctx.now,
    billingMode,
    ...(input.ProvisionedThroughput && {
      provisioned: { read: input.ProvisionedThroughput.ReadCapacityUnits, write: input.ProvisionedThroughput.WriteCapacityUnits },
    }),
    indexes,
    deletionProtection: input.DeletionProtectionEnabled ?? false,
    pointInTimeRecovery: false,
    sse: input.SSESpecification?.Enabled ?? false,
    tags: Object.fromEntries((input.Tags ?? []).map((t) => [t.Key, t.Value])),
    id: randomUUID(),
  };
  if (!(await ctx.tables.create(record.name, record))) throw new ResourceInUseException(messages.tableAlreadyExists(record.name));
  return { TableDescription: await tableDescription(ctx, record) };
});
