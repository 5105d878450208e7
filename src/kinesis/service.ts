import type { Logger } from "pino";
import { headerOf, type ApiCall } from "../http/api-call.js";
import { bodySha256 } from "../http/body-digest.js";
import type { Authenticator } from "../http/auth/authenticator.js";
import type { AnswerMemory } from "../http/memory-budget.js";
import { TargetService, type TargetServiceDefinition } from "../http/target-service.js";
import type { RequestContext } from "./context.js";
import { toKinesisError } from "./engine-errors.js";
import { targetPrefix, type OperationName } from "./generated/model.js";
import { accessTargetOf } from "./iam/access-target.js";
import { authorize, type ResourcePolicyHook } from "./iam/authorization.js";
import { kinesisCbor, kinesisJson, kinesisModel } from "./model.js";
import { operations } from "./operations/index.js";
import { withCallLimits } from "./limits/call-limits.js";

/** Everything a Kinesis call needs but its own arrival time, logger, retry key and share of answer memory. */
export type KinesisServices = Omit<RequestContext, "now" | "log" | "retryKey" | "answerMemory">;

/** A call made without the HTTP layer's budgets: its answers may hold what they need. */
const UNBOUNDED: AnswerMemory = { takeWhenFree: (wanted) => Promise.resolve(wanted), giveBack: () => undefined };

/** The stream a decoded input names, by StreamName or StreamARN. */
function streamOf(input: Record<string, unknown> | undefined): string | undefined {
  if (typeof input?.StreamName === "string") return input.StreamName;
  const arn = input?.StreamARN ?? input?.ResourceARN;
  return typeof arn === "string" ? /:stream\/([^/]+)/.exec(arn)?.[1] : undefined;
}

/**
 * The Kinesis API behind the front door: AWS JSON 1.1 and CBOR 1.1, the operations of
 * operations/index.ts, scoped keys and resource policies (iam/) when access keys are configured.
 */
export function kinesisService(
  services: KinesisServices,
  log: Logger,
  authenticator: Authenticator,
  resourcePolicies?: ResourcePolicyHook,
): TargetService<RequestContext> {
  const definition: TargetServiceDefinition<RequestContext> = {
    name: "kinesis",
    signingName: "kinesis",
    targetPrefix,
    model: kinesisModel,
    // CBOR first: Kinesis answers a call whose content type is neither in CBOR.
    protocols: [kinesisCbor, kinesisJson],
    legacyJsonEnvelope: true,
    operations: services.limits ? withCallLimits(operations) : operations,
    context: (call: ApiCall, now: number) => {
      const invocationId = headerOf(call, "amz-sdk-invocation-id");
      return {
        ...services,
        now,
        log,
        answerMemory: call.answerMemory ?? UNBOUNDED,
        // Computed only by the calls that store records (a getter: the rest never pay for the digest).
        get retryKey() {
          return invocationId === undefined ? undefined : `${invocationId}:${bodySha256(call.body).toString("base64url").slice(0, 22)}`;
        },
      };
    },
    authorize: (principal, operation, input, ctx) => authorize(principal, accessTargetOf(operation as OperationName, input, ctx), ctx, resourcePolicies),
    available: () => services.engine.available,
    toServiceError: toKinesisError,
    resourceOf: streamOf,
  };
  return new TargetService(definition, log, authenticator);
}
