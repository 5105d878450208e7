import type { Principal } from "../../http/auth/authenticator.js";
import type { TableContext } from "../context.js";
import { AccessDeniedException } from "../errors.js";
import * as messages from "../messages.js";
import { tableNameOfArn } from "../tables/tag-target.js";

/** The operations a read-only key may call: what IAM's read actions of DynamoDB are. */
const READ_ONLY = new Set([
  "BatchGetItem",
  "DescribeContinuousBackups",
  "DescribeTable",
  "DescribeTimeToLive",
  "GetItem",
  "ListTables",
  "ListTagsOfResource",
  "Query",
  "Scan",
]);

/** Every table a request names: one, or those of a batch or a transaction. */
function tablesOf(input: Record<string, unknown>): string[] {
  if (typeof input.TableName === "string") return [input.TableName];
  if (typeof input.ResourceArn === "string") return [tableNameOfArn(input.ResourceArn)];
  if (input.RequestItems && typeof input.RequestItems === "object") return Object.keys(input.RequestItems);
  if (Array.isArray(input.TransactItems)) {
    return input.TransactItems.flatMap((entry: Record<string, { TableName?: string } | undefined>) =>
      Object.values(entry).flatMap((action) => (typeof action?.TableName === "string" ? [action.TableName] : [])),
    );
  }
  return [];
}

/**
 * What a configured access key may do with DynamoDB, in the same terms as with Kinesis: a
 * read-only key reads, a key limited to name prefixes touches only the tables whose names start
 * with one of them (a KCL application named like its stream keeps its lease table in reach) and
 * may list the account's tables. Refusals are DynamoDB's AccessDeniedException, in IAM's words.
 */
export async function authorizeTableCall(principal: Principal, operation: string, input: Record<string, unknown>, ctx: TableContext): Promise<void> {
  const { key } = principal;
  const tables = tablesOf(input);
  const refuse = (resource: string): never => {
    throw new AccessDeniedException(messages.notAuthorized(principal.arn, `dynamodb:${operation}`, resource));
  };
  const arnOf = (table: string): string => `arn:aws:dynamodb:${ctx.settings.region}:${ctx.settings.accountId}:table/${table}`;
  if (key.access === "read-only" && !READ_ONLY.has(operation)) refuse(arnOf(tables[0] ?? "*"));
  if (key.streamPrefixes === undefined) return;
  if (tables.length === 0 && !READ_ONLY.has(operation)) refuse(arnOf("*"));
  for (const table of tables) if (!key.streamPrefixes.some((prefix) => table.startsWith(prefix))) refuse(arnOf(table));
}
