import { operations as model, type OperationIO, type OperationName } from "./generated/model.js";
import type { TableContext } from "./context.js";

export type InputOf<N extends OperationName> = OperationIO[N]["input"];
export type OutputOf<N extends OperationName> = OperationIO[N]["output"];

/** One DynamoDB operation: its name, the model shapes of its input and output, and its handler. */
export interface Operation<N extends OperationName = OperationName> {
  readonly name: N;
  readonly inputShape: string;
  readonly outputShape: string | null;
  readonly handler: (input: InputOf<N>, ctx: TableContext) => Promise<OutputOf<N>>;
}

export function defineOperation<N extends OperationName>(name: N, handler: Operation<N>["handler"]): Operation<N> {
  return { name, inputShape: model[name].input, outputShape: model[name].output, handler };
}
