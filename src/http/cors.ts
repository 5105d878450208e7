/**
 * CORS as the AWS JSON endpoints answer it, so that an AWS SDK in a browser can call us from a
 * page of another origin: a preflight (OPTIONS with Origin) is allowed whatever it asks for, and
 * every answer to a request with an Origin lets any origin read it and the request id headers.
 */
type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** The response headers a page may read, as the service lists them. */
export const EXPOSED_HEADERS = "x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date";

/** How long a browser may cache a preflight's answer (two days, as the service says). */
const PREFLIGHT_MAX_AGE_SECONDS = "172800";

const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

export function isPreflight(method: string, headers: Headers): boolean {
  return method === "OPTIONS" && first(headers.origin) !== undefined;
}

/** The headers of the answer to a preflight: what it asked for, echoed. */
export function preflightHeaders(headers: Headers): Record<string, string> {
  const answer: Record<string, string> = { "access-control-allow-origin": "*" };
  const requestHeaders = first(headers["access-control-request-headers"]);
  const requestMethod = first(headers["access-control-request-method"]);
  if (requestHeaders) answer["access-control-allow-headers"] = requestHeaders;
  if (requestMethod) answer["access-control-allow-methods"] = requestMethod;
  answer["access-control-max-age"] = PREFLIGHT_MAX_AGE_SECONDS;
  return answer;
}

/** The headers every other answer carries when the request came with an Origin. */
export function corsHeaders(headers: Headers): Record<string, string> {
  if (first(headers.origin) === undefined) return {};
  return { "access-control-allow-origin": "*", "access-control-expose-headers": EXPOSED_HEADERS };
}
