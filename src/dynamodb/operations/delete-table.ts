import { ResourceInUseException, ResourceNotFoundException } from "../errors.js";
import * as messages from "../messages.js";
import { defineOperation } from "../operation.js";
import { tableDescription } from "../tables/table-ref.js";
import type { TableRecord } from "../tables/table.js";

export const deleteTable = defineOperation("DeleteTable", async (input, ctx) => {
  const table = await ctx.tables.describe<TableRecord>(input.TableName);
  if (!table) throw new ResourceNotFoundException(messages.tableNotFound(input.TableName));
  if (table.deletionProtection) {
    throw new ResourceInUseException(`Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.`);
  }
  const description = await tableDescription(ctx, table, "DELETING");
  await ctx.tables.delete(table.name);
  return { TableDescription: description };
});
