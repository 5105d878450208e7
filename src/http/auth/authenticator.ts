import { timingSafeEqual } from "node:crypto";
import type { ApiCall } from "../api-call.js";
import type { AccessKey } from "./access-keys.js";
import { examineSignature, verifySignature, type HttpRequestParts } from "./signature-v4.js";

/** Who made a request: the IAM user behind the access key that signed it. */
export interface Principal {
  readonly key: AccessKey;
  /** `arn:aws:iam::<account>:user/<name>`. */
  readonly arn: string;
}

export interface AuthenticatorSettings {
  readonly region: string;
  readonly accountId: string;
  /** Look at no signature at all (`--no-signature-check`): for hand-made requests, never with access keys. */
  readonly noSignatureCheck?: boolean;
}

/**
 * The signature rules of the front door, the same for every service. Every AWS SDK, the CLI
 * and the KPL sign, even with dummy keys, and Kinesis refuses a request that does not: so a
 * signature's presence and syntax are always checked (MissingAuthenticationToken,
 * IncompleteSignature, InvalidSignature for both a header and a query). With access keys
 * configured the signature itself is verified too, scoped to the service it calls; what the
 * key may then do is the service's own question (Kinesis: kinesis/iam/authorization.ts).
 */
export class Authenticator {
  /** Whether signatures are verified against configured keys, and so callers have a Principal. */
  readonly verifies: boolean;
  private readonly checks: boolean;

  constructor(
    private readonly keys: ReadonlyMap<string, AccessKey>,
    private readonly settings: AuthenticatorSettings,
  ) {
    if (settings.noSignatureCheck && keys.size > 0) throw new Error("--no-signature-check cannot be combined with access keys: they need signatures checked");
    this.verifies = keys.size > 0;
    this.checks = !settings.noSignatureCheck;
  }

  /**
   * What can be refused from the headers alone, before the body is read: with keys, all but the
   * signature itself (so an unknown client cannot make us read and parse a 16 MiB body).
   */
  checkHeaders(call: HttpRequestParts, signingName: string, now: number): void {
    if (this.checks) examineSignature(call, this.verifies ? this.checkOf(signingName) : undefined, now);
  }

  /** The signer of a call to the service named `signingName` in credential scopes; none when keys are not configured. */
  async authenticate(call: ApiCall, signingName: string, now: number): Promise<Principal | undefined> {
    if (!this.checks) return undefined;
    if (!this.verifies) {
      examineSignature(call, undefined, now);
      return undefined;
    }
    const key = await verifySignature(call, call.body, this.checkOf(signingName), now);
    return { key, arn: `arn:aws:iam::${this.settings.accountId}:user/${key.user}` };
  }

  /**
   * Whether an `Authorization` header carries one of the access keys as HTTP Basic credentials
   * (user = access key id, password = secret): how a Prometheus scrape proves itself, since it
   * cannot sign. Any key will do, whatever its scope: /metrics is read-only.
   */
  basicCredentialsMatch(authorization: string | undefined): boolean {
    const encoded = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? "")?.[1];
    if (encoded === undefined) return false;
    const text = Buffer.from(encoded, "base64").toString("utf8");
    const colon = text.indexOf(":");
    const key = colon > 0 ? this.keys.get(text.slice(0, colon)) : undefined;
    if (!key) return false;
    const given = Buffer.from(text.slice(colon + 1), "utf8");
    const secret = Buffer.from(key.secretAccessKey, "utf8");
    return given.length === secret.length && timingSafeEqual(given, secret);
  }

  private checkOf(signingName: string) {
    return { service: signingName, region: this.settings.region, keys: this.keys };
  }
}
