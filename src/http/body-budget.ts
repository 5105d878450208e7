import type { Readable } from "node:stream";
import { AwsError, ServiceUnavailableException } from "./errors.js";
import type { MemoryHold } from "./memory-budget.js";

/** A body longer than any valid request: refused unread when its length says so, else as soon as it grows past. */
export class RequestTooLarge extends AwsError {
  readonly type = "SerializationException";
  override readonly statusCode = 413;
}

/** A request whose declared length differs from the bytes that came. */
class BodyLengthMismatch extends AwsError {
  readonly type = "SerializationException";
}

export const bodyErrors = {
  tooLarge: (limit: number) => new RequestTooLarge(`Request body exceeds ${limit} bytes`),
  lengthMismatch: () => new BodyLengthMismatch("Request body size did not match Content-Length"),
  // Retryable (503): the SDKs back off and send it again, by when other bodies have gone.
  busy: () => new ServiceUnavailableException("The server is receiving too many request bodies at once; retry shortly."),
};

/**
 * Reads a request body whole, within `limitBytes` and the budget. A declared length over the
 * limit, or more than the budget has free, is refused before a byte is read; a body without
 * one is counted chunk by chunk. A refused body's remaining bytes are read and dropped, so a
 * connection is not left with a half-read request.
 */
export function readBody(payload: Readable, declaredLength: number | undefined, limitBytes: number, hold: MemoryHold): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (declaredLength !== undefined) {
      if (declaredLength > limitBytes) return refuse(bodyErrors.tooLarge(limitBytes));
      if (declaredLength > 0 && !hold.take(declaredLength)) return refuse(bodyErrors.busy());
    }
    // A declared length is read into one buffer of that size (its pages are only resident once
    // written): no list of chunks joined at the end, which would hold the body twice.
    const whole = declaredLength !== undefined ? Buffer.allocUnsafe(declaredLength) : undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    function onData(chunk: Buffer): void {
      if (received + chunk.length > limitBytes) return stop(bodyErrors.tooLarge(limitBytes));
      if (whole) {
        if (received + chunk.length > whole.length) return stop(bodyErrors.lengthMismatch());
        chunk.copy(whole, received);
      } else {
        if (!hold.take(chunk.length)) return stop(bodyErrors.busy());
        chunks.push(chunk);
      }
      received += chunk.length;
    }
    function onEnd(): void {
      detach();
      if (whole) return received === whole.length ? resolve(whole) : reject(bodyErrors.lengthMismatch());
      // Always a copy: a chunk may be a view of a larger read buffer, which it would keep alive.
      resolve(Buffer.concat(chunks, received));
    }
    function onError(error: Error): void {
      detach();
      reject(error);
    }
    function detach(): void {
      payload.removeListener("data", onData);
      payload.removeListener("end", onEnd);
      payload.removeListener("error", onError);
    }
    function stop(error: AwsError): void {
      detach();
      chunks.length = 0;
      refuse(error);
    }
    function refuse(error: AwsError): void {
      payload.on("error", () => undefined);
      payload.resume();
      reject(error);
    }
    payload.on("data", onData);
    payload.on("end", onEnd);
    payload.on("error", onError);
    payload.resume();
  });
}
