import type { OperationName } from "../generated/model.js";
import type { Operation } from "../operation.js";
import { CALL_RATES } from "./rates.js";

type OperationTable = { [N in OperationName]: Operation<N> };

/**
 * The operation table with the control-plane rates in front of the handlers that have one:
 * a call over its rate is refused after it was read, checked and authorized, before it does
 * anything.
 */
export function withCallLimits(operations: OperationTable): OperationTable {
  const limited = { ...operations } as Record<OperationName, Operation>;
  for (const name of Object.keys(CALL_RATES) as OperationName[]) {
    const operation = operations[name] as Operation;
    limited[name] = {
      ...operation,
      handler: async (input, ctx) => {
        ctx.limits?.admitCall(name, input as Record<string, unknown>, ctx.now);
        return operation.handler(input, ctx);
      },
    };
  }
  return limited as OperationTable;
}
