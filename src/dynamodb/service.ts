import { crc32 } from "node:zlib";
import type { Logger } from "pino";
import type { Authenticator } from "../http/auth/authenticator.js";
import { TargetService, type OperationSpec, type TargetServiceDefinition } from "../http/target-service.js";
import type { TableStore } from "../jetstream/tables/table-store.js";
import type { TableContext } from "./context.js";
import { toDynamoDbError } from "./errors.js";
import { authorizeTableCall } from "./iam/authorization.js";
import { targetPrefix } from "./generated/model.js";
import { dynamoDbJson, dynamoDbModel } from "./model.js";
import { operations } from "./operations/index.js";

export interface DynamoDbServices {
  readonly tables: TableStore;
  readonly settings: TableContext["settings"];
  readonly available: () => boolean;
}

/**
 * DynamoDB behind the front door, on the same ports as Kinesis: the part of it that KCL's lease
 * tables and other consumer libraries use, stored in JetStream KV (jetstream/tables/).
 */
export function dynamoDbService(services: DynamoDbServices, log: Logger, authenticator: Authenticator): TargetService<TableContext> {
  const definition: TargetServiceDefinition<TableContext> = {
    name: "dynamodb",
    signingName: "dynamodb",
    targetPrefix,
    model: dynamoDbModel,
    protocols: [dynamoDbJson],
    operations: operations as unknown as Readonly<Record<string, OperationSpec<TableContext>>>,
    context: (_call, now) => ({ tables: services.tables, settings: services.settings, log, now }),
    authorize: authorizeTableCall,
    available: services.available,
    toServiceError: toDynamoDbError,
    resourceOf: (input) => (typeof input?.TableName === "string" ? input.TableName : undefined),
    // The SDKs for Java and JavaScript v2 check the body against it when it is there.
    answerHeaders: (body) => ({ "x-amz-crc32": String(crc32(body)) }),
  };
  return new TargetService(definition, log, authenticator);
}
