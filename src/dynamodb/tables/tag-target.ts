import { ResourceNotFoundException, ValidationException } from "../errors.js";
import * as messages from "../messages.js";

/** The table a tagging call's ResourceArn names (`arn:aws:dynamodb:<region>:<account>:table/<name>`). */
export function tableNameOfArn(arn: string): string {
  const name = /^arn:aws[^:]*:dynamodb:[^:]*:\d{12}:table\/([^/]+)$/.exec(arn)?.[1];
  if (name === undefined) throw new ValidationException(`Invalid TableArn: Invalid ResourceArn provided as input ${arn}`);
  return name;
}

export const missingTableOfArn = (arn: string): ResourceNotFoundException => new ResourceNotFoundException(`${messages.requestedResourceNotFound()}: ${arn}`);
