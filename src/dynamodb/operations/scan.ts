import { ValidationException } from "../errors.js";
import { legacyFilter, parseCondition, parseProjection } from "../expressions/index.js";
import type { Item } from "../items/attribute-value.js";
import * as messages from "../messages.js";
import { defineOperation } from "../operation.js";
import { indexOf } from "../tables/indexes.js";
import { inSegment, readPage } from "../tables/item-pages.js";
import { placeholdersOf, refuseMixed, type ExpressionInput } from "../tables/request-expressions.js";
import { findTable } from "../tables/table-ref.js";

export const scan = defineOperation("Scan", async (input, ctx) => {
  refuseMixed(input as never, ["ScanFilter", "ConditionalOperator", "AttributesToGet"], ["FilterExpression", "ProjectionExpression"]);
  const { Segment: segment, TotalSegments: total } = input;
  if (segment !== undefined && total === undefined) throw new ValidationException(messages.segmentWithoutTotal());
  if (total !== undefined && segment === undefined) throw new ValidationException(messages.totalSegmentsWithoutSegment());
  if (segment !== undefined && total !== undefined && segment >= total) throw new ValidationException(messages.segmentOutOfRange(segment, total));
  const table = await findTable(ctx, input.TableName);
  const index = input.IndexName === undefined ? undefined : indexOf(table, input.IndexName);
  const placeholders = placeholdersOf(input as ExpressionInput);
  const filter =
    input.FilterExpression !== undefined
      ? parseCondition(input.FilterExpression, placeholders, "FilterExpression")
      : input.ScanFilter && legacyFilter(input.ScanFilter as never, input.ConditionalOperator);
  const projection =
    input.ProjectionExpression !== undefined
      ? parseProjection(input.ProjectionExpression, placeholders)
      : (input.AttributesToGet?.map((name) => [name]) ?? index?.projection);
  placeholders.checkAllUsed();
  const page = await readPage(ctx, {
    table,
    order: index?.key ?? table.key,
    includes: (item) => (index ? index.includes(item) : true) && (segment === undefined || inSegment(table, item, segment, total!)),
    exclusiveStartKey: input.ExclusiveStartKey as Item | undefined,
    limit: input.Limit,
    ...(filter && { filter }),
    ...(projection && { projection }),
    count: input.Select === "COUNT",
  });
  return page as never;
});
