import type { OperationName } from "../generated/model.js";
import type { Operation } from "../operation.js";
import { batchGetItem } from "./batch-get-item.js";
import { batchWriteItem } from "./batch-write-item.js";
import { createTable } from "./create-table.js";
import { deleteItem } from "./delete-item.js";
import { deleteTable } from "./delete-table.js";
import { describeContinuousBackups } from "./describe-continuous-backups.js";
import { describeTable } from "./describe-table.js";
import { describeTimeToLive } from "./describe-time-to-live.js";
import { getItem } from "./get-item.js";
import { listTables } from "./list-tables.js";
import { listTagsOfResource } from "./list-tags-of-resource.js";
import { putItem } from "./put-item.js";
import { query } from "./query.js";
import { scan } from "./scan.js";
import { tagResource } from "./tag-resource.js";
import { transactWriteItems } from "./transact-write-items.js";
import { untagResource } from "./untag-resource.js";
import { updateContinuousBackups } from "./update-continuous-backups.js";
import { updateItem } from "./update-item.js";
import { updateTable } from "./update-table.js";
import { updateTimeToLive } from "./update-time-to-live.js";

/**
 * The DynamoDB operations this server answers: what KCL, its ports and other consumer libraries
 * call (see the README). Every other operation of the model is UnknownOperationException, as
 * DynamoDB answers an operation it does not know.
 */
export const operations: Partial<Record<OperationName, Operation>> = {
  BatchGetItem: batchGetItem as unknown as Operation,
  BatchWriteItem: batchWriteItem as unknown as Operation,
  CreateTable: createTable as unknown as Operation,
  DeleteItem: deleteItem as unknown as Operation,
  DeleteTable: deleteTable as unknown as Operation,
  DescribeContinuousBackups: describeContinuousBackups as unknown as Operation,
  DescribeTable: describeTable as unknown as Operation,
  DescribeTimeToLive: describeTimeToLive as unknown as Operation,
  GetItem: getItem as unknown as Operation,
  ListTables: listTables as unknown as Operation,
  ListTagsOfResource: listTagsOfResource as unknown as Operation,
  PutItem: putItem as unknown as Operation,
  Query: query as unknown as Operation,
  Scan: scan as unknown as Operation,
  TagResource: tagResource as unknown as Operation,
  TransactWriteItems: transactWriteItems as unknown as Operation,
  UntagResource: untagResource as unknown as Operation,
  UpdateContinuousBackups: updateContinuousBackups as unknown as Operation,
  UpdateItem: updateItem as unknown as Operation,
  UpdateTable: updateTable as unknown as Operation,
  UpdateTimeToLive: updateTimeToLive as unknown as Operation,
};
