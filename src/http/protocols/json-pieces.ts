import { stringEnd } from "./body-bounds.js";

/**
 * JSON.parse over a body, in pieces of at most PIECE_BYTES. A string longer than 128 KiB goes
 * into V8's large-object space, fresh pages every time: decoding a 700 KB PutRecords body into
 * one string costs about 2.8 ms on the 2-core bench machine, against about 0.1 ms in pieces.
 * So a container larger than a piece is split at its own commas and colons and each member is
 * parsed alone; only a single value larger than a piece (one huge string) is decoded whole. A
 * caller that decodes strings by their shape may have those longer than a threshold left as
 * their bytes (LongJsonString): the containers above them are then split down to them.
 *
 * The result is what JSON.parse of the whole body gives, and a body JSON.parse refuses is
 * refused (with a SyntaxError): every piece goes through JSON.parse, and between pieces only
 * whitespace and the separators JSON expects are let through. The pieces end at ASCII bytes,
 * which never fall inside a UTF-8 sequence, so decoding piece by piece decodes the same text.
 * The caller bounds depth and width first (checkJsonBounds): recursion is at most that deep.
 */
export const PIECE_BYTES = 48 * 1024;

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

const isBlank = (byte: number | undefined): boolean => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

const isBlankRange = (body: Buffer, start: number, end: number): boolean => {
  for (let i = start; i < end; i++) if (!isBlank(body[i])) return false;
  return true;
};

const malformed = (): SyntaxError => new SyntaxError("malformed JSON");

const BACKSLASH = 0x5c;

/**
 * A long string value with no escape in it, left as its bytes in the body (parseJsonPieces with
 * `longStringBytes`). Its text is those bytes as UTF-8, so a blob's base64 (the
 * Data of a 100 KiB record) can be decoded from them without ever being a large string.
 */
export class LongJsonString {
  constructor(
    private readonly body: Buffer,
    private readonly start: number,
    private readonly end: number,
  ) {}

  /** The text JSON.parse would give; a raw control character, which JSON.parse refuses, is a SyntaxError. */
  text(): string {
    for (let i = this.start; i < this.end; i++) if (this.body[i]! < 0x20) throw malformed();
    return this.body.toString("utf8", this.start, this.end);
  }

  /** The bytes of the UTF-8 text, a view on the body. */
  utf8(): Buffer {
    return this.body.subarray(this.start, this.end);
  }
}

/**
 * Parses `body` as JSON.parse parses its UTF-8 text. With `longStringBytes`, a string longer than
 * that which holds no escape comes back as a LongJsonString instead, for the caller to decode, and
 * containers longer than that are parsed member by member to find such strings.
 */
export function parseJsonPieces(body: Buffer, pieceBytes = PIECE_BYTES, longStringBytes = Number.POSITIVE_INFINITY): unknown {
  return parseRange(body, 0, body.length, Math.min(pieceBytes, longStringBytes), longStringBytes);
}

function parseRange(body: Buffer, from: number, to: number, pieceBytes: number, longStrings: number): unknown {
  let start = from;
  let end = to;
  while (start < end && isBlank(body[start])) start++;
  while (end > start && isBlank(body[end - 1])) end--;
  const first = body[start];
  const last = body[end - 1];
  if (first === QUOTE && end - start > longStrings && stringEnd(body, start) === end - 1 && body.subarray(start, end).indexOf(BACKSLASH) < 0) {
    return new LongJsonString(body, start + 1, end - 1);
  }
  if (end - start <= pieceBytes || !((first === OPEN_ARRAY && last === CLOSE_ARRAY) || (first === OPEN_OBJECT && last === CLOSE_OBJECT))) {
    if (start === end) throw malformed();
    return JSON.parse(body.toString("utf8", start, end));
  }
  const members = memberRanges(body, start + 1, end - 1);
  // A large container of whitespace alone is an empty one.
  if (members.length === 1 && isBlankRange(body, members[0]![0], members[0]![1])) return first === OPEN_ARRAY ? [] : {};
  if (first === OPEN_ARRAY) return members.map(([a, b]) => parseRange(body, a, b, pieceBytes, longStrings));
  const object: Record<string, unknown> = {};
  for (const [a, b] of members) {
    const { key, valueStart } = memberKey(body, a, b);
    // As JSON.parse defines it, even for "__proto__": an own property, the last one winning.
    Object.defineProperty(object, key, {
      value: parseRange(body, valueStart, b, pieceBytes, longStrings),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return object;
}

/** Where the string opened by the quote at `open` ends (its closing quote), skipping escapes. */
function closingQuote(body: Buffer, open: number, end: number): number {
  const at = stringEnd(body, open);
  if (at >= end) throw malformed();
  return at;
}

/** The [start, end) ranges between the top-level commas of a container's inside. */
function memberRanges(body: Buffer, start: number, end: number): [number, number][] {
  const ranges: [number, number][] = [];
  let depth = 0;
  let memberStart = start;
  for (let i = start; i < end; i++) {
    const byte = body[i]!;
    if (byte === QUOTE) i = closingQuote(body, i, end);
    else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) depth++;
    else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      if (--depth < 0) throw malformed();
    } else if (byte === COMMA && depth === 0) {
      ranges.push([memberStart, i]);
      memberStart = i + 1;
    }
  }
  if (depth !== 0) throw malformed();
  ranges.push([memberStart, end]);
  return ranges;
}

/** An object member's key, and where its value starts (after the colon). */
function memberKey(body: Buffer, start: number, end: number): { key: string; valueStart: number } {
  let at = start;
  while (at < end && isBlank(body[at])) at++;
  if (body[at] !== QUOTE) throw malformed();
  const close = closingQuote(body, at, end);
  const key = JSON.parse(body.toString("utf8", at, close + 1)) as string;
  at = close + 1;
  while (at < end && isBlank(body[at])) at++;
  if (body[at] !== COLON) throw malformed();
  return { key, valueStart: at + 1 };
}
