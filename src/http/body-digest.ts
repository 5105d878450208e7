import { createHash } from "node:crypto";

const digests = new WeakMap<Buffer, Buffer>();

/**
 * The SHA-256 of a request body, computed once per body: the SigV4 check needs it for the
 * canonical request, and PutRecord(s) for the retry key, so a signed 5 MiB body is hashed once,
 * not twice. A body is never changed once read.
 */
export function bodySha256(body: Buffer): Buffer {
  let digest = digests.get(body);
  if (digest === undefined) {
    digest = createHash("sha256").update(body).digest();
    digests.set(body, digest);
  }
  return digest;
}
