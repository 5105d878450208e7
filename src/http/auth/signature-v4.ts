import { timingSafeEqual } from "node:crypto";
import { bodySha256 } from "../body-digest.js";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { ALGORITHM_IDENTIFIER, createScope, getCanonicalHeaders, getSigningKey, SignatureV4Base } from "@smithy/signature-v4";
import { IncompleteSignatureException, InvalidSignatureException, UnrecognizedClientException } from "../errors.js";
import type { AccessKey } from "./access-keys.js";
import { ALGORITHM, parseSignedRequest, splitCredential, type SignatureClaim, type HttpRequestParts } from "./signed-request.js";

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

/** ISO 8601 basic (`20240102T030405Z`), or an HTTP date (`Tue, 02 Jan 2024 03:04:05 GMT`) as a Date header may carry. */
function parseAmzDate(text: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (match) return Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!, +match[4]!, +match[5]!, +match[6]!);
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
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

/** Everything wrong with a credential's scope, in one message, as the service reports it. */
function checkScope(scope: string, check: SignatureCheck, signedAt: number): void {
  const [date, region, service, terminator] = scope.split("/");
  const dateOfRequest = amzDate(signedAt).slice(0, 8);
  const problems = [
    region === check.region ? "" : `Credential should be scoped to a valid region, not '${region}'.`,
    service === check.service ? "" : `Credential should be scoped to correct service: '${check.service}'.`,
    terminator === "aws4_request" ? "" : `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`,
    date === dateOfRequest
      ? ""
      : `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${dateOfRequest}', from '${amzDate(signedAt)}'.`,
  ].filter((problem) => problem !== "");
  if (problems.length > 0) throw new InvalidSignatureException(problems.join(" "));
}

/**
 * Headers a signature must cover: host (or HTTP/2's :authority, which the JavaScript SDK signs
 * instead), as on every AWS endpoint, and X-Amz-Target, which
 * names the operation. Kinesis itself does not insist on the target; we do, or a captured
 * signed DescribeStreamSummary could be replayed as a DeleteStream (every SDK signs it).
 */
function checkSignedHeaders(claim: SignatureClaim, parts: HttpRequestParts): void {
  const signed = new Set(claim.signedHeaders.map((name) => name.toLowerCase()));
  if (!signed.has("host") && !signed.has(":authority"))
    throw new InvalidSignatureException("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  if (parts.headers["x-amz-target"] !== undefined && !signed.has("x-amz-target")) {
    throw new InvalidSignatureException("'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.");
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

/** A signature examined as far as the headers and query allow: what it claims, when, and (when checked) by which key. */
export interface ExaminedSignature {
  readonly claim: SignatureClaim;
  readonly signedAt: number;
  readonly scope: string;
  /** Only when keys were given to check against. */
  readonly key?: AccessKey;
}

/**
 * Everything about a signature that can be told without the body, in the order the service
 * checks it: missing parts, the date's format, (with keys) the time and the signed headers,
 * the algorithm, the credential's form, (with keys) its scope and key. Without `check`, only
 * presence and syntax: what every Kinesis endpoint refuses whether or not it knows the key.
 */
export function examineSignature(parts: HttpRequestParts, check: SignatureCheck | undefined, now: number): ExaminedSignature {
  const claim = parseSignedRequest(parts);
  const signedAt = parseAmzDate(claim.date);
  if (signedAt === undefined)
    throw new IncompleteSignatureException(`Date must be in ISO-8601 'basic format'. Got '${claim.date}'. See http://en.wikipedia.org/wiki/ISO_8601`);
  if (claim.expiresSeconds !== undefined && !(claim.expiresSeconds >= 1 && claim.expiresSeconds <= MAX_PRESIGNED_SECONDS)) {
    throw new IncompleteSignatureException(`X-Amz-Expires must be between 1 and ${MAX_PRESIGNED_SECONDS} seconds. `);
  }
  if (check) {
    checkTime(claim, signedAt, now);
    checkSignedHeaders(claim, parts);
  }
  if (claim.algorithm !== ALGORITHM) {
    throw new IncompleteSignatureException(`Unsupported AWS 'algorithm': '${claim.algorithm}' (only ${ALGORITHM} for now). `);
  }
  const { accessKeyId, scope } = splitCredential(claim.credential);
  if (!check) return { claim, signedAt, scope };
  checkScope(scope, check, signedAt);
  const key = check.keys.get(accessKeyId);
  if (!key) throw new UnrecognizedClientException("The security token included in the request is invalid.");
  return { claim, signedAt, scope, key };
}

/**
 * Checks an AWS Signature Version 4 (Authorization header or presigned query) the way the
 * service does, and returns the access key that signed. The payload hash is always the hash of
 * the body received, so a body changed after signing fails like a wrong secret.
 */
export async function verifySignature(parts: HttpRequestParts, body: Buffer, check: SignatureCheck, now: number): Promise<AccessKey> {
  const { claim, signedAt, scope, key } = examineSignature(parts, check, now);
  const date = scope.split("/")[0]!;
  const form = new CanonicalForm(check.service, check.region);
  const payloadHash = bodySha256(body).toString("hex");
  const canonicalRequest = form.canonicalRequest(signableRequest(parts, claim), claim.signedHeaders, payloadHash);
  const stringToSign = await form.stringToSign(amzDate(signedAt), createScope(date, check.region, check.service), canonicalRequest);
  const signingKey = await getSigningKey(Hash.bind(null, "sha256"), key!, date, check.region, check.service);
  const expected = Buffer.from(await hmacHex(signingKey, stringToSign));
  const given = Buffer.from(claim.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new InvalidSignatureException(
      `${MISMATCH}\n\nThe Canonical String for this request should have been\n'${canonicalRequest}'\n\nThe String-to-Sign should have been\n'${stringToSign}'\n`,
    );
  }
  // Session tokens come from STS, which this server is not: none is valid.
  if (claim.sessionToken !== undefined) throw new UnrecognizedClientException("The security token included in the request is invalid.");
  return key!;
}
