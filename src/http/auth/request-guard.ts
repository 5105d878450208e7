import type { RequestContext } from "../../kinesis/context.js";
import { accessTargetOf } from "../../kinesis/iam/access-target.js";
import type { OperationName } from "../../kinesis/generated/model.js";
import type { AccessKey } from "./access-keys.js";
import { authorize, noResourcePolicies, type Principal, type ResourcePolicyHook } from "../../kinesis/iam/authorization.js";
import { verifySignature, type HttpRequestParts } from "./signature-v4.js";

/** The signing name of Kinesis in SigV4 credential scopes. */
const SERVICE = "kinesis";

/**
 * Authentication and authorization, for when access keys are configured: every request must
 * be signed by one of them (SigV4), and may touch only what that key is allowed to.
 */
export class RequestGuard {
  constructor(
    private readonly keys: ReadonlyMap<string, AccessKey>,
    private readonly settings: { readonly region: string; readonly accountId: string },
    private readonly resourcePolicy: ResourcePolicyHook = noResourcePolicies,
  ) {}

  async authenticate(http: HttpRequestParts, body: Buffer, now: number): Promise<Principal> {
    const key = await verifySignature(http, body, { service: SERVICE, region: this.settings.region, keys: this.keys }, now);
    return { key, arn: `arn:aws:iam::${this.settings.accountId}:user/${key.user}` };
  }

  authorize(principal: Principal, operation: OperationName, input: Record<string, unknown>, ctx: RequestContext): Promise<void> {
    return authorize(principal, accessTargetOf(operation, input, ctx), ctx, this.resourcePolicy);
  }
}
