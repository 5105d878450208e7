import { createHmac, timingSafeEqual } from "node:crypto";
import { ExpiredNextTokenException, InvalidArgumentException } from "../errors.js";

const MAC_BYTES = 16;
/** A NextToken is good for this long after it was issued, as the service's are. */
export const TOKEN_LIFETIME_MS = 300_000;

/** The operations that page with a NextToken: a token of one is refused by the others. */
export type PagedOperation = "ListShards" | "ListStreamConsumers" | "ListStreams";

interface Envelope {
  readonly op: PagedOperation;
  readonly issuedAt: number;
  readonly page: unknown;
}

/**
 * NextTokens of the list operations: a JSON payload and a truncated HMAC, base64url. Signed so
 * that a client cannot forge a position, readable by every instance (the key is shared), bound
 * to the operation that issued it, and good for TOKEN_LIFETIME_MS.
 */
export class PageTokenCodec {
  constructor(private readonly key: Uint8Array) {}

  encode(op: PagedOperation, page: object, now: number): string {
    const body = Buffer.from(JSON.stringify({ op, issuedAt: now, page } satisfies Envelope), "utf8");
    return Buffer.concat([body, this.mac(body)]).toString("base64url");
  }

  /**
   * The page a token carries; throws InvalidArgumentException for a token we did not make or
   * made for another operation, ExpiredNextTokenException for one too old. `isPage` checks the
   * payload's shape.
   */
  decode<T>(op: PagedOperation, token: string, now: number, isPage: (page: Partial<T>) => boolean): T {
    const envelope = this.open(token);
    if (!envelope || envelope.op !== op || typeof envelope.issuedAt !== "number" || typeof envelope.page !== "object" || envelope.page === null) {
      throw new InvalidArgumentException("Invalid NextToken.");
    }
    if (!isPage(envelope.page as Partial<T>)) throw new InvalidArgumentException("Invalid NextToken.");
    const age = now - envelope.issuedAt;
    if (age > TOKEN_LIFETIME_MS) throw new ExpiredNextTokenException(`The NextToken expired: it was issued ${age} ms ago and lives ${TOKEN_LIFETIME_MS} ms.`);
    return envelope.page as T;
  }

  /**
   * The stream a token of ours pages through, whatever operation issued it and however old it
   * is: what the caller's scope is checked against before the operation decodes it for real.
   */
  streamOf(token: string): string | undefined {
    const page = this.open(token)?.page as { stream?: unknown } | undefined;
    return typeof page?.stream === "string" ? page.stream : undefined;
  }

  private open(token: string): Partial<Envelope> | undefined {
    const bytes = Buffer.from(token, "base64url");
    if (bytes.length <= MAC_BYTES || bytes.toString("base64url") !== token) return undefined;
    const body = bytes.subarray(0, bytes.length - MAC_BYTES);
    if (!timingSafeEqual(this.mac(body), bytes.subarray(body.length))) return undefined;
    try {
      return JSON.parse(body.toString("utf8")) as Partial<Envelope>;
    } catch {
      return undefined;
    }
  }

  private mac(body: Uint8Array): Buffer {
    return createHmac("sha256", this.key).update("page-token:").update(body).digest().subarray(0, MAC_BYTES);
  }
}
