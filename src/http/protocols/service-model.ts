/** One shape of a service model, as scripts/generate-model.mjs keeps it. */
export interface ShapeDef {
  readonly type: "structure" | "list" | "map" | "string" | "integer" | "long" | "boolean" | "blob" | "timestamp" | "double" | "float";
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

/** A member of a structure shape, with what its users need ready-made. */
export interface Member {
  readonly name: string;
  readonly shapeName: string;
  readonly shape: ShapeDef;
  readonly required: boolean;
}

/** What the service model does not say but the service does: the order and words of its validation messages. */
export interface ModelOverlay {
  /** Member orders the service reports validation errors in, where they differ from the model's. */
  readonly memberOrder?: Readonly<Record<string, readonly string[]>>;
  /** Enum orders as the service prints them (a Java set), where known. */
  readonly enumOrder?: Readonly<Record<string, readonly string[]>>;
  /** The Java package of the service's classes, as its messages print objects (`com.amazonaws.kinesis.v20131202`). */
  readonly javaPackage: string;
}

/**
 * The shapes of one AWS service's model, and what the request and response walkers need from
 * them. The walkers visit every member of every record on the hot paths, so member lists are
 * computed once per shape.
 */
export class ServiceModel {
  private readonly memberLists = new WeakMap<ShapeDef, readonly Member[]>();
  private readonly eventStreamMembers = new Map<string, string | undefined>();

  constructor(
    private readonly shapes: Readonly<Record<string, ShapeDef>>,
    readonly overlay: ModelOverlay,
  ) {}

  shape(name: string): ShapeDef {
    const shape = this.shapes[name];
    if (!shape) throw new Error(`unknown shape ${name}`);
    return shape;
  }

  /** The members of a structure shape, in the model's order. */
  members(shape: ShapeDef): readonly Member[] {
    let members = this.memberLists.get(shape);
    if (!members) {
      const required = new Set(shape.required ?? []);
      members = Object.entries(shape.members ?? {}).map(([name, shapeName]) => ({
        name,
        shapeName,
        shape: this.shape(shapeName),
        required: required.has(name),
      }));
      this.memberLists.set(shape, members);
    }
    return members;
  }

  /** The member of an output shape that is an event stream, if any. */
  eventStreamMemberOf(outputShape: string | null): string | undefined {
    if (outputShape === null) return undefined;
    if (!this.eventStreamMembers.has(outputShape)) {
      const member = this.members(this.shape(outputShape)).find((m) => m.shape.eventstream);
      this.eventStreamMembers.set(outputShape, member?.name);
    }
    return this.eventStreamMembers.get(outputShape);
  }
}

/** Member names on the wire are PascalCase; AWS reports them lowerCamel in validation paths. */
export const lowerCamel = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);
