import type { ApiCall } from "../api-call.js";
import type { AccessKey } from "./access-keys.js";
import { verifySignature } from "./signature-v4.js";

/** Who made a request: the IAM user behind the access key that signed it. */
export interface Principal {
  readonly key: AccessKey;
  /** `arn:aws:iam::<account>:user/<name>`. */
  readonly arn: string;
}

/**
 * Authentication, for when access keys are configured: every request must be signed (SigV4)
 * by one of them, scoped to the service it calls. What the key may then do is the service's
 * own question (Kinesis: kinesis/iam/authorization.ts).
 */
export class Authenticator {
  constructor(
    private readonly keys: ReadonlyMap<string, AccessKey>,
    private readonly settings: { readonly region: string; readonly accountId: string },
  ) {}

  /** The signer of a call to the service named `signingName` in credential scopes (`kinesis`, `dynamodb`, `monitoring`). */
  async authenticate(call: ApiCall, signingName: string, now: number): Promise<Principal> {
    const key = await verifySignature(call, call.body, { service: signingName, region: this.settings.region, keys: this.keys }, now);
    return { key, arn: `arn:aws:iam::${this.settings.accountId}:user/${key.user}` };
  }
}
