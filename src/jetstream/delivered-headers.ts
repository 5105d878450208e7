import type { Msg } from "@nats-io/transport-node";

/**
 * The headers of a delivered message, read straight from its bytes. nats.js's `msg.headers`
 * builds a header object per message (decoding, splitting, canonicalizing and appending each
 * name); on a replay of 1 KiB records that was about 6 µs a record, a fifth of the server's
 * CPU. Every read of records only needs a JetStream status code or three of our own headers,
 * so they are found in the header bytes nats.js already holds.
 *
 * Those bytes are a nats.js internal (its MsgImpl keeps the message as `_rdata`, headers
 * first, their length in `_msg.hdr`): checked at each use, with `msg.headers` as the fallback
 * should another nats.js keep them differently.
 */
interface RawMessage {
  readonly _rdata?: unknown;
  readonly _msg?: { readonly hdr?: unknown };
}

/** Node's native UTF-8 decoder of a byte range, which takes any Uint8Array. */
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice(this: Uint8Array, start: number, end: number): string }).utf8Slice;

const SPACE = 0x20;
const DIGIT_0 = 0x30;
// "NATS/1.0": a status line goes on with a space and the code.
const VERSION_BYTES = 8;

/** The raw bytes and the header length of a delivered message, when nats.js exposes them. */
function rawOf(msg: Msg): { readonly bytes: Uint8Array; readonly headerBytes: number } | undefined {
  const raw = msg as unknown as RawMessage;
  const bytes = raw._rdata;
  const headerBytes = raw._msg?.hdr;
  if (typeof headerBytes !== "number" || !(bytes instanceof Uint8Array) || headerBytes > bytes.length) return undefined;
  return { bytes, headerBytes };
}

/**
 * The status code of a JetStream status message ("NATS/1.0 404 No Messages": 404), 0 for any
 * other message. Most messages are records: their first header line is the bare version.
 */
export function statusCodeOf(msg: Msg): number {
  const raw = rawOf(msg);
  if (!raw) return msg.headers?.code ?? 0;
  const { bytes, headerBytes } = raw;
  if (headerBytes <= VERSION_BYTES || bytes[VERSION_BYTES] !== SPACE) return 0;
  let at = VERSION_BYTES;
  while (at < headerBytes && bytes[at] === SPACE) at++;
  let code = 0;
  for (; at < headerBytes; at++) {
    const digit = bytes[at]! - DIGIT_0;
    if (digit < 0 || digit > 9) break;
    code = code * 10 + digit;
  }
  return code;
}

/**
 * The first value of each header of a delivered message, by lower-cased name, or nothing
 * without headers. Header names are matched in any case, as HTTP-style headers should be
 * (nats.js's own lookup is exact by default); values are trimmed, as nats.js trims them.
 */
export function headerValuesOf(msg: Msg, names: readonly string[]): (string | undefined)[] {
  const values: (string | undefined)[] = names.map(() => undefined);
  const raw = rawOf(msg);
  if (!raw) {
    for (const [name, list] of msg.headers ?? []) {
      const index = names.indexOf(name.toLowerCase());
      if (index !== -1 && values[index] === undefined) values[index] = list[0] ?? "";
    }
    return values;
  }
  if (raw.headerBytes <= 0) return values;
  const text = utf8Slice.call(raw.bytes, 0, raw.headerBytes);
  // The first line is the version (and any status); then one "Name: value" per line.
  let lineEnd = text.indexOf("\r\n");
  while (lineEnd !== -1) {
    const start = lineEnd + 2;
    lineEnd = text.indexOf("\r\n", start);
    const end = lineEnd === -1 ? text.length : lineEnd;
    const colon = text.indexOf(":", start);
    if (colon === -1 || colon > end) continue;
    const index = names.indexOf(text.slice(start, colon).toLowerCase());
    if (index !== -1 && values[index] === undefined) values[index] = text.slice(colon + 1, end).trim();
  }
  return values;
}
