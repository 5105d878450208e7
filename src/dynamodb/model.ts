import type { AwsError } from "../http/errors.js";
import { jsonProtocol } from "../http/protocols/json.js";
import { ServiceModel, type ShapeDef } from "../http/protocols/service-model.js";
import { shapes } from "./generated/model.js";

export const dynamoDbModel = new ServiceModel(shapes as unknown as Readonly<Record<string, ShapeDef>>, { javaPackage: "com.amazonaws.dynamodb.v20120810" });

/** The namespaces DynamoDB puts before an error's type: Coral's for the front end's and validation, the service's for its own. */
const CORAL_SERVICE = new Set([
  "SerializationException",
  "UnknownOperationException",
  "MissingAuthenticationTokenException",
  "IncompleteSignatureException",
  "InvalidSignatureException",
  "UnrecognizedClientException",
  "AccessDeniedException",
]);
export function dynamoDbErrorType(error: AwsError): string {
  if (error.type === "ValidationException") return "com.amazon.coral.validate#ValidationException";
  if (CORAL_SERVICE.has(error.type)) return `com.amazon.coral.service#${error.type}`;
  return `com.amazonaws.dynamodb.v20120810#${error.type}`;
}

/** AWS JSON 1.0, the only protocol DynamoDB speaks. */
export const dynamoDbJson = jsonProtocol(dynamoDbModel, { contentType: "application/x-amz-json-1.0", errorType: dynamoDbErrorType });
