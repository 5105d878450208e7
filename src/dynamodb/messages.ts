/** DynamoDB's messages, as the service words them, one factory each. */

export const conditionalRequestFailed = (): string => "The conditional request failed";
export const requestedResourceNotFound = (): string => "Requested resource not found";
export const tableNotFound = (table: string): string => `Requested resource not found: Table: ${table} not found`;
export const tableAlreadyExists = (table: string): string => `Table already exists: ${table}`;
export const indexNotFound = (index: string): string => `The table does not have the specified index: ${index}`;
export const indexAlreadyExists = (index: string): string => `Attempting to create an index which already exists: ${index}`;

export const oneTypePerValue = (present: number): string =>
  present === 0
    ? "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
    : "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes";
export const numberNotValid = (text: string): string => `The parameter cannot be converted to a numeric value: ${text}`;
export const numberPrecision = (): string => "Attempting to store more than 38 significant digits in a Number";
export const numberMagnitude = (direction: "larger" | "smaller"): string =>
  `Number ${direction === "larger" ? "overflow" : "underflow"}. Attempting to store a number with magnitude ${direction} than supported range`;
const SET_NAMES: Readonly<Record<string, string>> = { SS: "string", NS: "number", BS: "binary" };
// The double space is DynamoDB's own.
export const emptySet = (type: string): string => `One or more parameter values were invalid: An ${SET_NAMES[type]} set  may not be empty`;
export const duplicateInSet = (members: readonly string[]): string =>
  `One or more parameter values were invalid: Input collection [${members.join(", ")}] contains duplicates.`;
export const nullMustBeTrue = (): string => "One or more parameter values were invalid: Null attribute value types must have the value of true";

export const itemTooLarge = (): string => "Item size has exceeded the maximum allowed size";
export const keyDoesNotMatchSchema = (): string => "The provided key element does not match the schema";
export const missingKeyInItem = (name: string): string => `One or more parameter values were invalid: Missing the key ${name} in the item`;
export const keyTypeMismatch = (name: string, expected: string, actual: string): string =>
  `One or more parameter values were invalid: Type mismatch for key ${name} expected: ${expected} actual: ${actual}`;
export const emptyKeyValue = (name: string): string =>
  `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: ${name}`;
export const cannotUpdateKey = (name: string): string =>
  `One or more parameter values were invalid: Cannot update attribute ${name}. This attribute is part of the key`;
export const mixedParameters = (legacy: readonly string[], expressions: readonly string[]): string =>
  `Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {${legacy.join(", ")}} Expression parameters: {${expressions.join(", ")}}`;
export const invalidStartKey = (): string => "The provided starting key is invalid: The provided key element does not match the schema";
export const totalSegmentsWithoutSegment = (): string =>
  "The TotalSegments parameter is required but was not present in the request when Segment parameter is present";
export const segmentWithoutTotal = (): string => "The Segment parameter is required but was not present in the request when parameter TotalSegments is present";
export const segmentOutOfRange = (segment: number, total: number): string =>
  `The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: ${segment} is not less than TotalSegments: ${total}`;
export const transactionCanceled = (codes: readonly string[]): string =>
  `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(", ")}]`;
export const tooManyRetries = (): string => "Transaction is ongoing for the item";
export const reservedKeyword = (expression: string, word: string): string =>
  `Invalid ${expression}: Attribute name is a reserved keyword; reserved keyword: ${word}`;
export const notAuthorized = (principal: string, action: string, resource: string): string =>
  `User: ${principal} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;
