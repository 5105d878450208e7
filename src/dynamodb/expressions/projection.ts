import type { AttributeValue, Item } from "../items/attribute-value.js";
import { valueAt } from "./evaluate.js";
import { ExpressionParser, type Path, type Placeholders } from "./syntax.js";

/** `a, b.c, d[1]`: the paths an answer keeps of each item. */
export function parseProjection(text: string, placeholders: Placeholders): Path[] {
  const parser = new ExpressionParser(text, "ProjectionExpression", placeholders);
  const paths = [parser.path()];
  while (parser.accept(",")) paths.push(parser.path());
  parser.end();
  return paths;
}

/** The item with only the projected paths (nested ones keep their parents; list elements keep their order). */
export function project(item: Item, paths: readonly Path[]): Item {
  let result: Record<string, AttributeValue> = {};
  for (const path of paths) {
    const value = valueAt(item, path);
    if (value !== undefined) result = merge(result, path, value);
  }
  return result;
}

function merge(into: Record<string, AttributeValue>, path: Path, value: AttributeValue): Record<string, AttributeValue> {
  const [first, ...rest] = path as [string, ...Path];
  if (rest.length === 0) return { ...into, [first]: value };
  return { ...into, [first]: mergeChild(into[first], rest, value) };
}

function mergeChild(existing: AttributeValue | undefined, path: Path, value: AttributeValue): AttributeValue {
  const [step, ...rest] = path;
  if (typeof step === "number") {
    const list = existing && "L" in existing ? [...existing.L] : [];
    list.push(rest.length === 0 ? value : mergeChild(undefined, rest, value));
    return { L: list };
  }
  const map = existing && "M" in existing ? existing.M : {};
  return { M: merge({ ...map }, path, value) };
}
