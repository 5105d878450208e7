import { IncompleteSignatureException, InvalidSignatureException, MissingAuthenticationTokenException } from "../errors.js";

/** The parts of an HTTP request a signature covers; header names in lower case, as Node gives them. */
export interface HttpRequestParts {
  readonly method: string;
  /** Path and query string, as received. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** What a request claims about its signature, from its Authorization header or its query, as given. */
export interface SignatureClaim {
  /** `AWS4-HMAC-SHA256` (or whatever else the client wrote). */
  readonly algorithm: string;
  /** `keyid/date/region/service/aws4_request`, not yet split. */
  readonly credential: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  /** X-Amz-Date (or the Date header). */
  readonly date: string;
  readonly sessionToken?: string;
  /** X-Amz-Expires of a presigned request. */
  readonly expiresSeconds?: number;
  readonly path: string;
  readonly query: Record<string, string | string[]>;
}

export const ALGORITHM = "AWS4-HMAC-SHA256";

function header(parts: HttpRequestParts, name: string): string | undefined {
  const value = parts.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function splitUrl(url: string): { path: string; query: Record<string, string | string[]> } {
  const at = url.indexOf("?");
  const query: Record<string, string | string[]> = {};
  if (at >= 0) {
    for (const [key, value] of new URLSearchParams(url.slice(at + 1))) {
      const existing = query[key];
      query[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
    }
  }
  return { path: at >= 0 ? url.slice(0, at) : url, query };
}

/** The access key and the scope of a Credential; throws the service's error unless it has five parts. */
export function splitCredential(credential: string): { accessKeyId: string; scope: string } {
  const pieces = credential.split("/");
  if (pieces.length !== 5) {
    throw new IncompleteSignatureException(`Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`);
  }
  return { accessKeyId: pieces[0]!, scope: pieces.slice(1).join("/") };
}

type ClaimFields = Omit<SignatureClaim, "path" | "query">;

/**
 * The parameters of an Authorization header. The service takes spaces as well as commas
 * between them (`AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` and
 * `... Credential=... SignedHeaders=...` alike) and refuses a piece without `=` first.
 */
function fromHeader(authorization: string, parts: HttpRequestParts): ClaimFields {
  const space = authorization.indexOf(" ");
  const algorithm = space < 0 ? authorization : authorization.slice(0, space);
  const params = new Map<string, string>();
  for (const piece of (space < 0 ? "" : authorization.slice(space + 1)).split(/[, ]+/)) {
    if (piece === "") continue;
    const eq = piece.indexOf("=");
    if (eq < 0) {
      throw new IncompleteSignatureException(`'${piece}' not a valid key=value pair (missing equal-sign) in Authorization header: '${authorization}'.`);
    }
    params.set(piece.slice(0, eq), piece.slice(eq + 1));
  }
  const date = header(parts, "x-amz-date") ?? header(parts, "date");
  // The service lists every missing piece at once, then the header as given.
  const missing = [
    params.has("Credential") ? "" : "Authorization header requires 'Credential' parameter. ",
    params.has("Signature") ? "" : "Authorization header requires 'Signature' parameter. ",
    params.has("SignedHeaders") ? "" : "Authorization header requires 'SignedHeaders' parameter. ",
    date !== undefined ? "" : "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
  ].join("");
  if (missing) throw new IncompleteSignatureException(`${missing}Authorization=${authorization}`);
  return {
    algorithm,
    credential: params.get("Credential")!,
    signedHeaders: params.get("SignedHeaders")!.split(";"),
    signature: params.get("Signature")!,
    date: date!,
    sessionToken: header(parts, "x-amz-security-token"),
  };
}

const QUERY_PARAMS = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"] as const;

/** A presigned request's parameters; an empty one counts as missing (`?X-Amz-Algorithm` lists all five). */
function fromQuery(query: Record<string, string | string[]>): ClaimFields {
  const value = (name: string): string | undefined => {
    const v = query[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const missing = QUERY_PARAMS.filter((name) => !value(name)).map((name) => `AWS query-string parameters must include '${name}'. `);
  if (missing.length > 0) throw new IncompleteSignatureException(`${missing.join("")}Re-examine the query-string parameters.`);
  const expires = value("X-Amz-Expires");
  return {
    algorithm: value("X-Amz-Algorithm")!,
    credential: value("X-Amz-Credential")!,
    signedHeaders: value("X-Amz-SignedHeaders")!.split(";"),
    signature: value("X-Amz-Signature")!,
    date: value("X-Amz-Date")!,
    sessionToken: value("X-Amz-Security-Token"),
    expiresSeconds: expires === undefined ? undefined : /^\d+$/.test(expires) ? Number(expires) : Number.NaN,
  };
}

/**
 * Reads the signature a request claims; throws the service's error for none, for both a header
 * and query parameters, and for missing parts. A query with `X-Amz-Algorithm` in it, even
 * empty, is a presigned request.
 */
export function parseSignedRequest(parts: HttpRequestParts): SignatureClaim {
  const authorization = header(parts, "authorization");
  const { path, query } = splitUrl(parts.url);
  const presigned = query["X-Amz-Algorithm"] !== undefined;
  if (authorization !== undefined && presigned) {
    throw new InvalidSignatureException("Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");
  }
  if (authorization === undefined && !presigned) throw new MissingAuthenticationTokenException("Missing Authentication Token");
  return { ...(authorization !== undefined ? fromHeader(authorization, parts) : fromQuery(query)), path, query };
}
