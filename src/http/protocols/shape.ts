import { shapes as generatedShapes, type ShapeName } from "../../kinesis/generated/model.js";

/** One shape of the service model, as the generator keeps it. */
export interface ShapeDef {
  readonly type: "structure" | "list" | "map" | "string" | "integer" | "long" | "boolean" | "blob" | "timestamp" | "double";
  readonly members?: Readonly<Record<string, string>>;
  readonly required?: readonly string[];
  readonly member?: string;
  readonly key?: string;
  readonly value?: string;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  /** A structure whose members are the events (and errors) of an event stream. */
  readonly eventstream?: boolean;
  readonly exception?: boolean;
}

const all = generatedShapes as unknown as Readonly<Record<string, ShapeDef>>;

export function shapeOf(name: ShapeName | string): ShapeDef {
  const shape = all[name];
  if (!shape) throw new Error(`unknown shape ${name}`);
  return shape;
}

/** Member names on the wire are PascalCase; AWS reports them lowerCamel in validation paths. */
export const lowerCamel = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

/** A member of a structure shape, with what its users need ready-made. */
export interface Member {
  readonly name: string;
  readonly shapeName: string;
  readonly shape: ShapeDef;
  readonly required: boolean;
}

const memberLists = new WeakMap<ShapeDef, readonly Member[]>();

/**
 * The members of a structure shape, in the model's order, computed once per shape: the request
 * and response walkers visit every member of every record, so they must not rebuild this.
 */
export function membersOf(shape: ShapeDef): readonly Member[] {
  let members = memberLists.get(shape);
  if (!members) {
    const required = new Set(shape.required ?? []);
    members = Object.entries(shape.members ?? {}).map(([name, shapeName]) => ({ name, shapeName, shape: shapeOf(shapeName), required: required.has(name) }));
    memberLists.set(shape, members);
  }
  return members;
}
