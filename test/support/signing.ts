import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";

/** The dummy key every test client signs with (any well-formed signature passes without configured keys). */
export const TEST_CREDENTIALS = { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret" };

export interface SigningOptions {
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  readonly region?: string;
  readonly service?: string;
  readonly signingDate?: Date;
  /** Header names (lower case) to leave out of the signature. */
  readonly unsignedHeaders?: readonly string[];
}

/**
 * The headers of a hand-made request signed with SigV4 by the AWS SDK's own signer, as an SDK
 * signs it: `x-amz-date`, `x-amz-content-sha256` and `authorization` added, `host` signed but not
 * returned (fetch, http and http2 send it, or `:authority`, from the URL themselves).
 */
export async function signedHeaders(
  url: string,
  headers: Readonly<Record<string, string>>,
  body: string | Uint8Array,
  options: SigningOptions = {},
): Promise<Record<string, string>> {
  const target = new URL(url);
  const signer = new SignatureV4({
    service: options.service ?? "kinesis",
    region: options.region ?? "us-east-1",
    credentials: options.credentials ?? TEST_CREDENTIALS,
    sha256: Hash.bind(null, "sha256"),
  });
  const lowerCase = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  const request = new HttpRequest({
    method: "POST",
    protocol: target.protocol,
    hostname: target.hostname,
    port: target.port ? Number(target.port) : undefined,
    path: target.pathname,
    query: Object.fromEntries(target.searchParams),
    headers: { ...lowerCase, host: target.host },
    body,
  });
  const signed = await signer.sign(request, { signingDate: options.signingDate, unsignableHeaders: new Set(options.unsignedHeaders ?? []) });
  const { host: _host, ...rest } = signed.headers;
  return rest;
}
