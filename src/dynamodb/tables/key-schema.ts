import { ValidationException } from "../errors.js";
import type { CreateTableInput } from "../generated/model.js";
import type { KeyAttribute, KeySchema } from "./table.js";

export type Definitions = NonNullable<CreateTableInput["AttributeDefinitions"]>;
type Elements = NonNullable<CreateTableInput["KeySchema"]>;

/** A key schema from the request's elements, each attribute typed by the request's definitions. */
export function keySchemaFrom(elements: Elements, definitions: Definitions): KeySchema {
  const typed = (name: string): KeyAttribute => {
    const definition = definitions.find((d) => d.AttributeName === name);
    if (!definition) {
      throw new ValidationException(
        `One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [${elements.map((e) => e.AttributeName).join(", ")}], AttributeDefinitions: [${definitions.map((d) => d.AttributeName).join(", ")}]`,
      );
    }
    return { name, type: definition.AttributeType };
  };
  const hash = elements.filter((e) => e.KeyType === "HASH");
  const range = elements.filter((e) => e.KeyType === "RANGE");
  if (hash.length !== 1 || range.length > 1 || elements.length !== hash.length + range.length) {
    throw new ValidationException(
      "1 validation error detected: Value null at 'keySchema' failed to satisfy constraint: Member must have exactly one HASH key and at most one RANGE key",
    );
  }
  return { hash: typed(hash[0]!.AttributeName), ...(range[0] && { range: typed(range[0].AttributeName) }) };
}
