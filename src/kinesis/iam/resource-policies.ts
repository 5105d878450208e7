import type { DocumentStore } from "../../jetstream/document-store.js";
import { evaluatePolicy } from "./resource-policy.js";
import type { ResourcePolicyHook } from "./authorization.js";

/** Policies are read again after this: a change on any instance applies everywhere within it. */
const CACHE_MS = 1_000;

/**
 * The resource policies PutResourcePolicy stored, applied to requests: the policy of the
 * resource itself (a consumer's, or the stream's), and for a consumer also its stream's.
 * Cached for a second per resource, so that a signed request does not cost a NATS round trip.
 */
export function storedResourcePolicies(store: DocumentStore): ResourcePolicyHook {
  const cache = new Map<string, { policy: string | undefined; at: number }>();
  const policyOf = async (arn: string, now: number): Promise<string | undefined> => {
    const cached = cache.get(arn);
    if (cached && now - cached.at < CACHE_MS) return cached.policy;
    const policy = (await store.get<{ policy: string }>(arn))?.policy;
    cache.set(arn, { policy, at: now });
    return policy;
  };
  return async ({ principal, target, ctx }) => {
    const streamArn = /^(.*:stream\/[^/]+)\/consumer\//.exec(target.resource)?.[1];
    const arns = streamArn ? [target.resource, streamArn] : [target.resource];
    const decisions = await Promise.all(
      arns.map(async (arn) => {
        const policy = await policyOf(arn, ctx.now);
        return policy ? evaluatePolicy(policy, principal.arn, target.action, target.resource) : "undecided";
      }),
    );
    if (decisions.includes("deny")) return "deny";
    return decisions.includes("allow") ? "allow" : "undecided";
  };
}
