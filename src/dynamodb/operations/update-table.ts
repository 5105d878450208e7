import { ResourceNotFoundException, ValidationException } from "../errors.js";
import * as messages from "../messages.js";
import { defineOperation } from "../operation.js";
import { tableDescription } from "../tables/table-ref.js";
import type { GlobalIndex, TableRecord } from "../tables/table.js";
import { keySchemaFrom, type Definitions } from "../tables/key-schema.js";

/** UpdateTable: indexes created or deleted (ACTIVE at once: KCL waits 10 s per poll otherwise), billing and protection changed. */
export const updateTable = defineOperation("UpdateTable", async (input, ctx) => {
  const updated = await ctx.tables.update<TableRecord>(input.TableName, (table) => {
    const definitions = [...table.attributeDefinitions];
    for (const definition of input.AttributeDefinitions ?? []) {
      const known = definitions.find((d) => d.AttributeName === definition.AttributeName);
      if (known && known.AttributeType !== definition.AttributeType) {
        throw new ValidationException(`One or more parameter values were invalid: Attribute ${definition.AttributeName} is defined with two types`);
      }
      if (!known) definitions.push(definition);
    }
    let indexes = [...table.indexes];
    for (const change of input.GlobalSecondaryIndexUpdates ?? []) {
      if (change.Create) {
        const create = change.Create;
        if (indexes.some((i) => i.name === create.IndexName)) throw new ValidationException(messages.indexAlreadyExists(create.IndexName));
        const index: GlobalIndex = {
          name: create.IndexName,
          key: keySchemaFrom(create.KeySchema ?? [], definitions as Definitions),
          projection: {
            ProjectionType: create.Projection.ProjectionType ?? "ALL",
            ...(create.Projection.NonKeyAttributes && { NonKeyAttributes: create.Projection.NonKeyAttributes }),
          },
          ...(create.ProvisionedThroughput && {
            provisioned: { read: create.ProvisionedThroughput.ReadCapacityUnits, write: create.ProvisionedThroughput.WriteCapacityUnits },
          }),
        };
        indexes.push(index);
      } else if (change.Delete) {
        const name = change.Delete.IndexName;
        if (!indexes.some((i) => i.name === name)) throw new ResourceNotFoundException(`Requested resource not found: Index: ${name} not found`);
        indexes = indexes.filter((i) => i.name !== name);
      }
    }
    return {
      ...table,
      attributeDefinitions: definitions,
      indexes,
      billingMode: input.BillingMode ?? table.billingMode,
      ...(input.ProvisionedThroughput && {
        provisioned: { read: input.ProvisionedThroughput.ReadCapacityUnits, write: input.ProvisionedThroughput.WriteCapacityUnits },
      }),
      deletionProtection: input.DeletionProtectionEnabled ?? table.deletionProtection,
      sse: input.SSESpecification?.Enabled ?? table.sse,
    };
  });
  if (!updated) throw new ResourceNotFoundException(messages.tableNotFound(input.TableName));
  // The answer lists the new index: KCL reads its status from it at once.
  return { TableDescription: await tableDescription(ctx, updated) };
});
