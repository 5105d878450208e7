import { createHmac, timingSafeEqual } from "node:crypto";

const MAC_BYTES = 16;

/**
 * NextTokens of the list operations: a JSON payload and a truncated HMAC, base64url. Signed so
 * that a client cannot forge a position, and readable by every instance (the key is shared).
 */
export class PageTokenCodec {
  constructor(private readonly key: Uint8Array) {}

  encode(payload: object): string {
    const body = Buffer.from(JSON.stringify(payload), "utf8");
    return Buffer.concat([body, this.mac(body)]).toString("base64url");
  }

  /** The payload, or undefined for a token we did not make. */
  decode(token: string): unknown {
    const bytes = Buffer.from(token, "base64url");
    if (bytes.length <= MAC_BYTES || bytes.toString("base64url") !== token) return undefined;
    const body = bytes.subarray(0, bytes.length - MAC_BYTES);
    if (!timingSafeEqual(this.mac(body), bytes.subarray(body.length))) return undefined;
    try {
      return JSON.parse(body.toString("utf8"));
    } catch {
      return undefined;
    }
  }

  private mac(body: Uint8Array): Buffer {
    return createHmac("sha256", this.key).update("page-token:").update(body).digest().subarray(0, MAC_BYTES);
  }
}
