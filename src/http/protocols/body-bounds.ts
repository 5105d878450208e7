import { SerializationException } from "../errors.js";

/**
 * How deep and how wide a request body may be before it is parsed. JSON.parse takes 3.9 s over
 * 16.8 MB of `[[[[…` and 0.9 s over an object of 900,000 keys, blocking every other request;
 * cbor-x and cbor2 recurse. A linear scan first, with no recursion, refuses such bodies in
 * milliseconds. No valid request comes near these: Kinesis inputs nest 4 levels, a DynamoDB
 * item 32 documents deep (two JSON levels each); PutRecords takes 500 records, PutMetricData
 * 1,000 data with 150 values each.
 */
export interface BodyBounds {
  /** Most containers (arrays, objects, CBOR arrays, maps and tags) open at once. */
  readonly maxDepth: number;
  /** Most items in one container (elements, or an object's members). */
  readonly maxMembers: number;
  /** Most items in all containers together. */
  readonly maxItems: number;
}

export const BODY_BOUNDS: BodyBounds = { maxDepth: 100, maxMembers: 50_000, maxItems: 250_000 };

/** As the service answers a body it cannot read: SerializationException, no message. */
export const unreadableBody = (): SerializationException => new SerializationException("");

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

const isBlank = (byte: number): boolean => byte === SPACE || byte === TAB || byte === LF || byte === CR;

/** The index of the quote closing the string opened at `open`, or the body's length if it never closes. */
export function stringEnd(body: Uint8Array, open: number): number {
  let at = open;
  for (;;) {
    at = body.indexOf(QUOTE, at + 1);
    if (at < 0) return body.length;
    let backslashes = 0;
    while (body[at - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

/**
 * Throws SerializationException if a JSON body nests deeper or holds larger containers than
 * `bounds` allow. Counts commas outside strings, so malformed JSON is left to JSON.parse; this
 * only has to see that the body cannot be a large or deep valid one.
 */
export function checkJsonBounds(body: Uint8Array, bounds: BodyBounds = BODY_BOUNDS): void {
  const members = new Int32Array(bounds.maxDepth + 1);
  let depth = 0;
  let items = 0;
  // Whether the container just opened has no item yet (so `[]` counts none, `[1]` one).
  let empty = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i]!;
    if (empty && !isBlank(byte) && byte !== CLOSE_ARRAY && byte !== CLOSE_OBJECT) {
      empty = false;
      members[depth] = 1;
      items++;
    }
    switch (byte) {
      case QUOTE:
        // Strings are most of a body (base64 data): skip them natively rather than byte by byte.
        i = stringEnd(body, i);
        break;
      case OPEN_ARRAY:
      case OPEN_OBJECT:
        if (++depth > bounds.maxDepth) throw unreadableBody();
        members[depth] = 0;
        empty = true;
        break;
      case CLOSE_ARRAY:
      case CLOSE_OBJECT:
        empty = false;
        if (depth > 0) depth--;
        break;
      case COMMA:
        if (depth > 0 && (++members[depth]! > bounds.maxMembers || ++items > bounds.maxItems)) throw unreadableBody();
        break;
      default:
    }
  }
}

const INDEFINITE = -1;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;
const MAJOR_TAG = 6;
const MAJOR_SIMPLE = 7;
const BREAK = 0xff;

/**
 * The same for a CBOR body: walks the item heads without building anything (strings are
 * skipped by their length), with an explicit stack. A container whose declared length is
 * over the bounds is refused before a single item of it is read.
 */
export function checkCborBounds(body: Uint8Array, bounds: BodyBounds = BODY_BOUNDS): void {
  // Per open container: items still due (INDEFINITE until its break), items seen, whether it is a map.
  const due = new Float64Array(bounds.maxDepth + 1);
  const seen = new Float64Array(bounds.maxDepth + 1);
  const isMap = new Uint8Array(bounds.maxDepth + 1);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let depth = 0;
  let items = 0;
  let pos = 0;

  const open = (count: number, map: boolean): void => {
    if (++depth > bounds.maxDepth) throw unreadableBody();
    due[depth] = count === INDEFINITE ? INDEFINITE : map ? count * 2 : count;
    seen[depth] = 0;
    isMap[depth] = map ? 1 : 0;
  };
  /** One item is complete: count it in its container, and close the containers it completes. Returns whether the top-level item is done. */
  const complete = (): boolean => {
    while (depth > 0) {
      if (due[depth] === INDEFINITE) {
        const count = ++seen[depth]!;
        if ((isMap[depth] ? count / 2 : count) > bounds.maxMembers || ++items > bounds.maxItems) throw unreadableBody();
        return false;
      }
      if (--due[depth]! > 0) return false;
      depth--;
    }
    return true;
  };
  const count = (n: number): void => {
    items += n;
    if (n > bounds.maxMembers || items > bounds.maxItems) throw unreadableBody();
  };

  while (pos < body.length) {
    const head = body[pos++]!;
    const major = head >> 5;
    const info = head & 0x1f;
    if (head === BREAK) {
      if (depth === 0 || due[depth] !== INDEFINITE) throw unreadableBody();
      depth--;
      if (complete()) return;
      continue;
    }
    let argument: number;
    if (info < 24) argument = info;
    else if (info === 31) argument = INDEFINITE;
    else if (info > 27) throw unreadableBody();
    else {
      const size = 1 << (info - 24);
      if (pos + size > body.length) return;
      argument = size === 1 ? view.getUint8(pos) : size === 2 ? view.getUint16(pos) : size === 4 ? view.getUint32(pos) : Number(view.getBigUint64(pos));
      pos += size;
    }
    if (major === MAJOR_SIMPLE) {
      if (complete()) return;
      continue;
    }
    if (argument === INDEFINITE && major < MAJOR_BYTES) throw unreadableBody();
    switch (major) {
      case MAJOR_BYTES:
      case MAJOR_TEXT:
        if (argument === INDEFINITE) {
          // Chunks until a break: a container of strings, as far as bounds go.
          open(INDEFINITE, false);
          continue;
        }
        if (argument > body.length - pos) throw unreadableBody();
        pos += argument;
        break;
      case MAJOR_ARRAY:
      case MAJOR_MAP:
        if (argument !== INDEFINITE) count(argument);
        if (argument === 0) {
          // An empty container opens no frame, but nests as deep as one.
          if (depth + 1 > bounds.maxDepth) throw unreadableBody();
          break;
        }
        open(argument, major === MAJOR_MAP);
        continue;
      case MAJOR_TAG:
        if (argument === INDEFINITE) throw unreadableBody();
        open(1, false);
        continue;
      default:
    }
    if (complete()) return;
  }
}
