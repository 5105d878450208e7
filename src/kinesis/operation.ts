import { operations as model, type OperationIO, type OperationName } from "./generated/model.js";
import type { RuntimeLimits } from "../http/protocols/constraints.js";
import type { RequestContext } from "./context.js";

export type InputOf<N extends OperationName> = OperationIO[N]["input"];
export type OutputOf<N extends OperationName> = OperationIO[N]["output"];

/** One Kinesis operation: its name, the model shapes of its input and output, and its handler. */
export interface Operation<N extends OperationName = OperationName> {
  readonly name: N;
  readonly inputShape: string;
  readonly outputShape: string | null;
  /** Limits that depend on the stream (its maximum record size), checked with the model's. */
  readonly runtimeLimits?: (input: InputOf<N>, ctx: RequestContext) => RuntimeLimits;
  readonly handler: (input: InputOf<N>, ctx: RequestContext) => Promise<OutputOf<N>>;
}

export function defineOperation<N extends OperationName>(name: N, spec: Pick<Operation<N>, "handler" | "runtimeLimits">): Operation<N> {
  return { name, inputShape: model[name].input, outputShape: model[name].output, ...spec };
}
