import { createHash, timingSafeEqual } from "node:crypto";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { ALGORITHM_IDENTIFIER, createScope, getCanonicalHeaders, getSigningKey, SignatureV4Base } from "@smithy/signature-v4";
import { IncompleteSignatureException, InvalidSignatureException, UnrecognizedClientException } from "../errors.js";
import type { AccessKey } from "./access-keys.js";
import { parseSignedRequest, type SignatureClaim, type HttpRequestParts } from "./signed-request.js";

export type { HttpRequestParts } from "./signed-request.js";

/** Kinesis refuses a signature dated further than this from its clock, either way. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;
const SKEW_MINUTES = CLOCK_SKEW_MS / 60_000;
/** The longest a presigned request may be valid (X-Amz-Expires), as for every SigV4 service. */
const MAX_PRESIGNED_SECONDS = 7 * 24 * 3600;

const MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/** `20240102T030405Z`, the form of X-Amz-Date and of the service's clock-skew messages. */
export function amzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

function parseAmzDate(text: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (match) return Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!, +match[4]!, +match[5]!, +match[6]!);
  const httpDate = Date.parse(text);
  return Number.isNaN(httpDate) ? undefined : httpDate;
}

/**
 * The canonical request and string to sign, built by the AWS SDK's own signer (its protected
 * steps, reached through a subclass) from what the client says it signed.
 */
class CanonicalForm extends SignatureV4Base {
  constructor(service: string, region: string) {
    super({ service, region, credentials: { accessKeyId: "", secretAccessKey: "" }, sha256: Hash.bind(null, "sha256") });
  }

  canonicalRequest(request: HttpRequest, signedHeaders: readonly string[], payloadHash: string): string {
    return this.createCanonicalRequest(request, getCanonicalHeaders(request, undefined, new Set(signedHeaders)), payloadHash);
  }

  stringToSign(longDate: string, scope: string, canonicalRequest: string): Promise<string> {
    return this.createStringToSign(longDate, scope, canonicalRequest, ALGORITHM_IDENTIFIER);
  }
}

async function hmacHex(key: Uint8Array, text: string): Promise<string> {
  const hash = new Hash("sha256", key);
  hash.update(text);
  return Buffer.from(await hash.digest()).toString("hex");
}

/** The request as the signer sees it: only the headers the client signed, and its query. */
function signableRequest(parts: HttpRequestParts, claim: SignatureClaim): HttpRequest {
  const headers: Record<string, string> = {};
  for (const name of claim.signedHeaders) {
    let value = parts.headers[name] ?? (name === "host" ? parts.headers[":authority"] : undefined);
    if (Array.isArray(value)) value = value.join(",");
    if (value !== undefined) headers[name] = value;
  }
  return new HttpRequest({ method: parts.method.toUpperCase(), path: claim.path, query: claim.query, headers });
}

export interface SignatureCheck {
  readonly service: string;
  readonly region: string;
  readonly keys: ReadonlyMap<string, AccessKey>;
}

function checkScope(claim: SignatureClaim, check: SignatureCheck, signedAt: number): void {
  const [date, region, service, terminator] = claim.scope.split("/");
  if (terminator !== "aws4_request")
    throw new IncompleteSignatureException(`Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator ?? ""}'. `);
  if (region !== check.region) throw new InvalidSignatureException(`Credential should be scoped to a valid region, not '${region}'. `);
  if (service !== check.service) throw new InvalidSignatureException(`Credential should be scoped to correct service: '${check.service}'. `);
  const dateOfRequest = amzDate(signedAt).slice(0, 8);
  if (date !== dateOfRequest) {
    throw new InvalidSignatureException(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${dateOfRequest}', from '${amzDate(signedAt)}'.`,
    );
  }
}

function checkTime(claim: SignatureClaim, signedAt: number, now: number): void {
  const signed = amzDate(signedAt);
  if (signedAt < now - CLOCK_SKEW_MS) {
    throw new InvalidSignatureException(
      `Signature expired: ${signed} is now earlier than ${amzDate(now - CLOCK_SKEW_MS)} (${amzDate(now)} - ${SKEW_MINUTES} min.)`,
    );
  }
  if (signedAt > now + CLOCK_SKEW_MS) {
    throw new InvalidSignatureException(
      `Signature not yet current: ${signed} is still later than ${amzDate(now + CLOCK_SKEW_MS)} (${amzDate(now)} + ${SKEW_MINUTES} min.)`,
    );
  }
  if (claim.expiresSeconds !== undefined && now > signedAt + claim.expiresSeconds * 1000) {
    // A presigned request past its X-Amz-Expires: worded like the clock-skew message.
    throw new InvalidSignatureException(
      `Signature expired: ${signed} is now earlier than ${amzDate(now - claim.expiresSeconds * 1000)} (${amzDate(now)} - ${claim.expiresSeconds} sec.)`,
    );
  }
}

/**
 * Checks an AWS Signature Version 4 (Authorization header or presigned query) the way the
 * service does, and returns the access key that signed. The payload hash is always the hash of
 * the body received, so a body changed after signing fails like a wrong secret.
 */
export async function verifySignature(parts: HttpRequestParts, body: Buffer, check: SignatureCheck, now: number): Promise<AccessKey> {
  const claim = parseSignedRequest(parts);
  const key = check.keys.get(claim.accessKeyId);
  // Session tokens come from STS, which this server is not: none is valid.
  if (!key || claim.sessionToken !== undefined) throw new UnrecognizedClientException("The security token included in the request is invalid.");
  const signedAt = parseAmzDate(claim.date);
  if (signedAt === undefined)
    throw new IncompleteSignatureException(`Date must be in ISO-8601 'basic format'. Got '${claim.date}'. See http://en.wikipedia.org/wiki/ISO_8601`);
  if (claim.expiresSeconds !== undefined && !(claim.expiresSeconds >= 1 && claim.expiresSeconds <= MAX_PRESIGNED_SECONDS)) {
    throw new IncompleteSignatureException(`X-Amz-Expires must be between 1 and ${MAX_PRESIGNED_SECONDS} seconds. `);
  }
  checkScope(claim, check, signedAt);
  checkTime(claim, signedAt, now);

  const form = new CanonicalForm(check.service, check.region);
  const payloadHash = createHash("sha256").update(body).digest("hex");
  const canonicalRequest = form.canonicalRequest(signableRequest(parts, claim), claim.signedHeaders, payloadHash);
  const scope = createScope(claim.scope.split("/")[0]!, check.region, check.service);
  const stringToSign = await form.stringToSign(amzDate(signedAt), scope, canonicalRequest);
  const signingKey = await getSigningKey(Hash.bind(null, "sha256"), key, claim.scope.split("/")[0]!, check.region, check.service);
  const expected = Buffer.from(await hmacHex(signingKey, stringToSign));
  const given = Buffer.from(claim.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new InvalidSignatureException(
      `${MISMATCH}\n\nThe Canonical String for this request should have been\n'${canonicalRequest}'\n\nThe String-to-Sign should have been\n'${stringToSign}'\n`,
    );
  }
  return key;
}
