import { ValidationException } from "../errors.js";
import type { Item } from "../items/attribute-value.js";
import * as messages from "../messages.js";
import { keyNames, type KeySchema, type TableRecord } from "./table.js";

/**
 * A global secondary index as reads see it: its key, and which items it holds. Sparse, as
 * DynamoDB's: an item without the index's key attributes is not in it. Kept as a view of the
 * table's items (read in full, with every write made so far, at each Query), so it is never
 * behind the table on any instance.
 */
export interface IndexView {
  readonly key: KeySchema;
  readonly includes: (item: Item) => boolean;
  /** What the index holds of each item (KEYS_ONLY: the table's and the index's keys); undefined for ALL. */
  readonly projection?: readonly (readonly string[])[];
}

export function indexOf(table: TableRecord, name: string): IndexView {
  const index = table.indexes.find((i) => i.name === name);
  if (!index) throw new ValidationException(messages.indexNotFound(name));
  const { key, projection } = index;
  const names =
    projection.ProjectionType === "ALL" ? undefined : [...new Set([...keyNames(table.key), ...keyNames(key), ...(projection.NonKeyAttributes ?? [])])];
  return {
    key,
    ...(names && { projection: names.map((name) => [name]) }),
    includes: (item) => {
      const hash = item[key.hash.name];
      const range = key.range && item[key.range.name];
      return hash !== undefined && key.hash.type in hash && (!key.range || (range !== undefined && key.range.type in range));
    },
  };
}
