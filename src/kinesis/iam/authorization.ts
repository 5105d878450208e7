import type { RequestContext } from "../context.js";
import { AccessDeniedException } from "../errors.js";
import type { AccessTarget } from "./access-target.js";
import type { AccessKey } from "../../http/auth/access-keys.js";
import type { Principal } from "../../http/auth/authenticator.js";

export type PolicyDecision = "allow" | "deny" | "undecided";

/** What a resource-based policy is asked about. */
export interface ResourcePolicyRequest {
  readonly principal: Principal;
  readonly target: AccessTarget;
  readonly ctx: RequestContext;
}

/**
 * The resource-based policy (PutResourcePolicy) of the target: "allow" grants the request even
 * when the key's own scope would not, "deny" refuses it whatever the scope, "undecided" leaves it
 * to the key's scope. The server uses storedResourcePolicies (resource-policies.ts).
 */
export type ResourcePolicyHook = (request: ResourcePolicyRequest) => PolicyDecision | Promise<PolicyDecision>;

export const noResourcePolicies: ResourcePolicyHook = () => "undecided";

/** Whether the key's own scope (the identity-based policy it stands for) allows the target. */
export function identityAllows(key: AccessKey, target: AccessTarget): boolean {
  if (key.access === "read-only" && !target.readOnly) return false;
  if (key.streamPrefixes === undefined) return true;
  // A key limited to some streams may still look at the account (ListStreams, DescribeLimits),
  // but changes nothing account-wide.
  if (target.streamName === undefined) return target.readOnly;
  return key.streamPrefixes.some((prefix) => target.streamName!.startsWith(prefix));
}

/** Allows the request or throws the AccessDeniedException the service gives, in its words. */
export async function authorize(
  principal: Principal,
  target: AccessTarget,
  ctx: RequestContext,
  resourcePolicy: ResourcePolicyHook = noResourcePolicies,
): Promise<void> {
  const decision = await resourcePolicy({ principal, target, ctx });
  if (decision === "allow") return;
  const refusal = `User: ${principal.arn} is not authorized to perform: ${target.action} on resource: ${target.resource}`;
  if (decision === "deny") throw new AccessDeniedException(`${refusal} with an explicit deny in a resource-based policy`);
  if (!identityAllows(principal.key, target)) throw new AccessDeniedException(`${refusal} because no identity-based policy allows the ${target.action} action`);
}
