import type { ServiceModel, ShapeDef } from "../http/protocols/service-model.js";
import { InvalidParameterValueException } from "./errors.js";

/** The parameters of a form, nested at their dots: `MetricData.member.1.Value` is tree.MetricData.member[1].Value. */
interface ParamTree {
  [name: string]: ParamTree | string;
}

// Null-prototype nodes: a parameter named `__proto__.x` is just a name.
const node = (): ParamTree => Object.create(null) as ParamTree;

function treeOf(params: URLSearchParams): ParamTree {
  const root = node();
  for (const [key, value] of params) {
    const parts = key.split(".");
    let at = root;
    for (const part of parts.slice(0, -1)) {
      const next = at[part];
      at = typeof next === "object" ? next : (at[part] = node());
    }
    const last = parts[parts.length - 1]!;
    // A value where a prefix already holds more keys (`A=1&A.b=2`) is ignored, as is a repeat.
    if (at[last] === undefined) at[last] = value;
  }
  return root;
}

const invalid = (value: string, path: string): InvalidParameterValueException =>
  new InvalidParameterValueException(`The value ${value} for parameter ${path} is invalid.`);

/** `1`, `2`... members of a query list or map, in their numeric order. */
function numbered(node: ParamTree): [index: string, item: ParamTree | string][] {
  return Object.entries(node)
    .filter(([index]) => /^[1-9]\d*$/.test(index))
    .sort(([a], [b]) => Number(a) - Number(b));
}

function decodeScalar(shape: ShapeDef, value: string, path: string): unknown {
  switch (shape.type) {
    case "string":
      return value;
    case "double":
    case "float": {
      const number = value.trim() === "" ? Number.NaN : Number(value);
      if (Number.isNaN(number) && value !== "NaN") throw invalid(value, path);
      return number;
    }
    case "integer":
    case "long":
      if (!/^-?\d+$/.test(value)) throw invalid(value, path);
      return Number(value);
    case "boolean":
      if (value !== "true" && value !== "false") throw invalid(value, path);
      return value === "true";
    case "timestamp": {
      // ISO 8601 as the SDKs write it, or epoch seconds.
      const ms = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
      if (Number.isNaN(ms)) throw invalid(value, path);
      return new Date(ms);
    }
    default:
      throw invalid(value, path);
  }
}

function decodeNode(model: ServiceModel, shape: ShapeDef, node: ParamTree | string, path: string): unknown {
  switch (shape.type) {
    case "structure": {
      if (typeof node === "string") return {};
      const result: Record<string, unknown> = {};
      for (const member of model.members(shape)) {
        const child = node[member.name];
        if (child !== undefined) result[member.name] = decodeNode(model, member.shape, child, path ? `${path}.${member.name}` : member.name);
      }
      return result;
    }
    case "list": {
      // An empty list is sent as the bare name (`MetricData=`).
      const members = typeof node === "string" ? undefined : node.member;
      if (typeof members !== "object") return [];
      const item = model.shape(shape.member!);
      return numbered(members).map(([index, child]) => decodeNode(model, item, child, `${path}.member.${index}`));
    }
    case "map": {
      const entries = typeof node === "string" ? undefined : node.entry;
      if (typeof entries !== "object") return {};
      const result: Record<string, unknown> = {};
      for (const [index, entry] of numbered(entries)) {
        if (typeof entry !== "object" || typeof entry.key !== "string" || entry.value === undefined) continue;
        result[entry.key] = decodeNode(model, model.shape(shape.value!), entry.value, `${path}.entry.${index}.value`);
      }
      return result;
    }
    default:
      return typeof node === "string" ? decodeScalar(shape, node, path) : undefined;
  }
}

/**
 * The input of an awsQuery request (`Namespace=...&MetricData.member.1.MetricName=...`), led by
 * the model: lists as `.member.N`, maps as `.entry.N.key/value`, numbers and timestamps parsed,
 * unknown parameters ignored. A value that does not parse is refused with its parameter's path.
 */
export function decodeQueryInput(model: ServiceModel, shapeName: string, params: URLSearchParams): Record<string, unknown> {
  return decodeNode(model, model.shape(shapeName), treeOf(params), "") as Record<string, unknown>;
}
