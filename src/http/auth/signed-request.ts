import { IncompleteSignatureException, InvalidSignatureException, MissingAuthenticationTokenException } from "../errors.js";

/** The parts of an HTTP request a signature covers; header names in lower case, as Node gives them. */
export interface HttpRequestParts {
  readonly method: string;
  /** Path and query string, as received. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** What a request claims about its signature, from its Authorization header or its query. */
export interface SignatureClaim {
  readonly accessKeyId: string;
  /** `date/region/service/aws4_request`. */
  readonly scope: string;
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

const ALGORITHM = "AWS4-HMAC-SHA256";

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

function splitCredential(credential: string): { accessKeyId: string; scope: string } {
  const pieces = credential.split("/");
  if (pieces.length !== 5) {
    throw new IncompleteSignatureException(`Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`);
  }
  return { accessKeyId: pieces[0]!, scope: pieces.slice(1).join("/") };
}

function fromHeader(authorization: string, parts: HttpRequestParts): Omit<SignatureClaim, "path" | "query"> {
  const space = authorization.indexOf(" ");
  const algorithm = space < 0 ? authorization : authorization.slice(0, space);
  const params = new Map<string, string>();
  for (const piece of (space < 0 ? "" : authorization.slice(space + 1)).split(",")) {
    const eq = piece.indexOf("=");
    if (eq > 0) params.set(piece.slice(0, eq).trim(), piece.slice(eq + 1).trim());
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
  if (algorithm !== ALGORITHM) throw new IncompleteSignatureException(`Unsupported AWS 'algorithm': '${algorithm}'`);
  return {
    ...splitCredential(params.get("Credential")!),
    signedHeaders: params.get("SignedHeaders")!.split(";"),
    signature: params.get("Signature")!,
    date: date!,
    sessionToken: header(parts, "x-amz-security-token"),
  };
}

const QUERY_PARAMS = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"] as const;

function fromQuery(query: Record<string, string | string[]>): Omit<SignatureClaim, "path" | "query"> {
  const value = (name: string): string | undefined => {
    const v = query[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const missing = QUERY_PARAMS.filter((name) => value(name) === undefined).map((name) => `AWS query-string parameters must include '${name}'. `);
  if (missing.length > 0) throw new IncompleteSignatureException(`${missing.join("")}Re-examine the query-string parameters.`);
  if (value("X-Amz-Algorithm") !== ALGORITHM) throw new IncompleteSignatureException(`Unsupported AWS 'algorithm': '${value("X-Amz-Algorithm")}'`);
  const expires = value("X-Amz-Expires");
  return {
    ...splitCredential(value("X-Amz-Credential")!),
    signedHeaders: value("X-Amz-SignedHeaders")!.split(";"),
    signature: value("X-Amz-Signature")!,
    date: value("X-Amz-Date")!,
    sessionToken: value("X-Amz-Security-Token"),
    expiresSeconds: expires === undefined ? undefined : /^\d+$/.test(expires) ? Number(expires) : Number.NaN,
  };
}

/** Reads the signature a request claims; throws the service's error for none, both or a malformed one. */
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
