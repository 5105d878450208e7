import { describe, expect, it } from "vitest";
import type { AccessKey } from "../../src/http/auth/access-keys.js";
import { loadAccessKeys } from "../../src/http/auth/access-keys.js";
import type { Principal } from "../../src/http/auth/authenticator.js";
import { authorize, identityAllows, type ResourcePolicyHook } from "../../src/kinesis/iam/authorization.js";
import type { AccessTarget } from "../../src/kinesis/iam/access-target.js";
import type { RequestContext } from "../../src/kinesis/context.js";

const key = (extra: Partial<AccessKey> = {}): AccessKey => ({ accessKeyId: "AKID", secretAccessKey: "s", user: "u", access: "read-write", ...extra });
const target = (streamName: string | undefined, readOnly: boolean, action = "kinesis:PutRecord"): AccessTarget => ({
  action,
  readOnly,
  streamName,
  resource: streamName ? `arn:aws:kinesis:us-east-1:000000000000:stream/${streamName}` : "arn:aws:kinesis:us-east-1:000000000000:stream/*",
});
const ctx = {} as RequestContext;

describe("identity scope of an access key", () => {
  it("read-only keys read; prefix keys touch their streams and only read the account", () => {
    expect(identityAllows(key({ access: "read-only" }), target("s", true))).toBe(true);
    expect(identityAllows(key({ access: "read-only" }), target("s", false))).toBe(false);
    const orders = key({ streamPrefixes: ["orders-", "audit."] });
    expect(identityAllows(orders, target("orders-eu", false))).toBe(true);
    expect(identityAllows(orders, target("audit.log", false))).toBe(true);
    expect(identityAllows(orders, target("billing", true))).toBe(false);
    expect(identityAllows(orders, target(undefined, true))).toBe(true);
    expect(identityAllows(orders, target(undefined, false))).toBe(false);
    expect(identityAllows(key(), target(undefined, false))).toBe(true);
  });
});

describe("the resource-policy hook", () => {
  const principal: Principal = { key: key({ access: "read-only" }), arn: "arn:aws:iam::000000000000:user/u" };
  const hook =
    (decision: "allow" | "deny" | "undecided"): ResourcePolicyHook =>
    (request) => {
      expect(request.target.action).toBe("kinesis:PutRecord");
      expect(request.principal).toBe(principal);
      return decision;
    };

  it("allow grants beyond the key's scope, deny refuses within it, undecided leaves it to the key", async () => {
    await expect(authorize(principal, target("s", false), ctx, hook("allow"))).resolves.toBeUndefined();
    await expect(authorize(principal, target("s", true, "kinesis:PutRecord"), ctx, hook("deny"))).rejects.toThrow(
      "User: arn:aws:iam::000000000000:user/u is not authorized to perform: kinesis:PutRecord on resource: arn:aws:kinesis:us-east-1:000000000000:stream/s with an explicit deny in a resource-based policy",
    );
    await expect(authorize(principal, target("s", false), ctx, hook("undecided"))).rejects.toThrow(
      "because no identity-based policy allows the kinesis:PutRecord action",
    );
  });
});

describe("access keys from the configuration", () => {
  it("reads AKID:secret pairs and refuses malformed or duplicated ones", () => {
    const keys = loadAccessKeys({ credentials: "AKID1:s1, AKID2:s:2" });
    expect([...keys.values()]).toEqual([
      { accessKeyId: "AKID1", secretAccessKey: "s1", user: "AKID1", access: "read-write" },
      { accessKeyId: "AKID2", secretAccessKey: "s:2", user: "AKID2", access: "read-write" },
    ]);
    expect(() => loadAccessKeys({ credentials: "AKID1" })).toThrow("expected AKID:secret");
    expect(() => loadAccessKeys({ credentials: "AKID1:a,AKID1:b" })).toThrow("given twice");
    expect(loadAccessKeys({}).size).toBe(0);
  });
});
