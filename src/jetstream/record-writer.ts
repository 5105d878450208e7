import { createInbox, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import type { RecordCipher } from "./record-cipher.js";
import { recordHeaders, recordHeaderText } from "./record-format.js";

export interface OutgoingRecord {
  /** The shard's place in the stream: its subject. */
  readonly shardIndex: number;
  readonly data: Uint8Array;
  readonly partitionKey: string;
  /** Epoch ms at which the server received the record (stamped on the message). */
  readonly receivedMs: number;
  /** Store the data encrypted under this KMS KeyId. */
  readonly encryptionKeyId?: string;
  /**
   * JetStream's deduplication id: a second publish with the same id within the stream's
   * duplicate window is not stored again and is acknowledged with the first one's sequence.
   */
  readonly messageId?: string;
}

/** Why a record was not stored (or may not have been). */
export type PublishFailure =
  /** No JetStream stream takes the subject: the stream or the shard is gone. */
  | "no-stream"
  /** No acknowledgement in time: the record may or may not be stored. */
  | "timeout"
  /** JetStream refused the record (limits, storage); the description says why. */
  | "rejected";

export type PublishOutcome =
  /** Stored; `duplicate` when JetStream had it already under the same message id (a retry): then stored by the first write. */
  { readonly sequence: bigint; readonly duplicate: boolean; readonly failure?: undefined } | { readonly failure: PublishFailure; readonly description: string };

/** The records of one publish call: their outcomes as they arrive, and how many are still due. */
interface Batch {
  readonly outcomes: PublishOutcome[];
  due: number;
  readonly resolve: (outcomes: PublishOutcome[]) => void;
}

/**
 * The messages of one publish call awaiting their acknowledgements: consecutive reply ids from
 * `firstId`, the record each stands for, and which were answered. One entry per call, not
 * one per record: a Map entry and an object per record were a good part of the garbage.
 */
interface InFlight {
  readonly firstId: number;
  /** The record index of each id from firstId on. */
  readonly indexes: number[];
  /** 1 where the id was answered (a late or repeated answer is then ignored). */
  answered: Uint8Array;
  readonly deadline: number;
  readonly batch: Batch;
  /** Ids not answered yet. */
  open: number;
}

interface PubAck {
  seq?: number;
  duplicate?: boolean;
  error?: { description?: string };
}

/**
 * What of nats.js's protocol handler a batch publish uses: the queue its own publish fills,
 * whose socket write happens once 256 KiB are pending or at the end of the event-loop turn. Not
 * in nats.js's types; checked at run time, and without it records go out one nc.publish each.
 */
interface ProtocolQueue {
  sendCommand(command: Uint8Array, ...payloads: Uint8Array[]): void;
  /** Writes what is queued to the socket (nothing while disconnected: it stays queued for the reconnect). */
  flushPending(): void;
  readonly info?: { readonly max_payload?: number; readonly headers?: boolean };
  readonly noMorePublishing?: boolean;
  outMsgs: number;
  outBytes: number;
}

function protocolQueueOf(nc: NatsConnection): ProtocolQueue | undefined {
  const protocol = (nc as unknown as { protocol?: Partial<ProtocolQueue> }).protocol;
  return typeof protocol?.sendCommand === "function" && typeof protocol.flushPending === "function" && typeof protocol.outMsgs === "number"
    ? (protocol as ProtocolQueue)
    : undefined;
}

/** Bytes of HPUB frames gathered before they are handed to nats.js: its own write threshold (server.ts). */
const FRAME_CHUNK_BYTES = 256 * 1024;
const CRLF = 0x0d0a;

/**
 * Publishes records to JetStream pipelined: every message of a batch goes out at once, each
 * with a reply subject under one shared inbox, and the acknowledgements are matched back by
 * that subject. No round trip per record, no subscription or timer per record (nats.js's
 * js.publish awaits each and costs several times more CPU). The messages' HPUB frames are
 * written here, a batch's into a few large buffers: nats.js's publish builds a header object,
 * a header string, a protocol line and four buffers per message, which was most of the CPU of
 * a PutRecords record. The bytes are those nats.js writes for the same message.
 */
export class RecordWriter {
  private readonly inbox = createInbox();
  private readonly subscription: Subscription;
  /** Calls awaiting acknowledgements, by ascending firstId, hence by deadline. */
  private readonly inFlight: InFlight[] = [];
  private nextId = 0;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly ackTimeoutMs: number,
    private readonly cipher: RecordCipher,
  ) {
    this.subscription = nc.subscribe(`${this.inbox}.*`, { callback: (_error, msg) => this.onAck(msg) });
  }

  /** Publishes `records`, each to the subject `subjectOf` its shard index; an outcome per record, in order. */
  publish(records: readonly OutgoingRecord[], subjectOf: (shardIndex: number) => string): Promise<PublishOutcome[]> {
    const deadline = Date.now() + this.ackTimeoutMs;
    // One promise per call rather than one per record: a 500-record call allocates far less.
    return new Promise((resolve) => {
      const batch: Batch = { outcomes: new Array<PublishOutcome>(records.length), due: records.length, resolve };
      if (records.length === 0) resolve(batch.outcomes);
      const queue = protocolQueueOf(this.nc);
      // Closed, draining or headers refused: nc.publish says so in its own words, record by record.
      const batched = queue !== undefined && queue.info?.headers !== false && !queue.noMorePublishing && !this.nc.isClosed() && !this.nc.isDraining();
      const flight: InFlight = { firstId: this.nextId, indexes: [], answered: EMPTY, deadline, batch, open: 0 };
      if (batched) this.publishFrames(queue, records, subjectOf, flight);
      else this.publishEach(records, subjectOf, flight);
      if (flight.indexes.length === 0) return;
      flight.open = flight.indexes.length;
      flight.answered = new Uint8Array(flight.open);
      this.inFlight.push(flight);
      this.sweeper ??= setInterval(() => this.expire(), 100).unref();
    });
  }

  /** The batch as HPUB frames, written into shared buffers and queued on nats.js's connection. */
  private publishFrames(queue: ProtocolQueue, records: readonly OutgoingRecord[], subjectOf: (shardIndex: number) => string, flight: InFlight): void {
    const { batch, indexes } = flight;
    const maxPayload = queue.info?.max_payload ?? Number.POSITIVE_INFINITY;
    const subjects = new Map<number, string>();
    let chunk = Buffer.allocUnsafe(FRAME_CHUNK_BYTES);
    let start = 0;
    let end = 0;
    // A full chunk is written at once: sendCommand alone would leave it queued until the end
    // of the turn whenever the queue was empty, and then copy it into one buffer with the next.
    const send = (full: boolean): void => {
      if (end > start) queue.sendCommand(chunk.subarray(start, end));
      if (full) queue.flushPending();
      start = end;
    };
    records.forEach((record, index) => {
      let subject = subjects.get(record.shardIndex);
      if (subject === undefined) subjects.set(record.shardIndex, (subject = subjectOf(record.shardIndex)));
      const keyId = record.encryptionKeyId;
      let headerText: string;
      let data: Uint8Array;
      try {
        headerText = recordHeaderText(record.partitionKey, record.receivedMs, keyId, record.messageId);
        data = keyId === undefined ? record.data : this.cipher.encrypt(keyId, record.data);
      } catch (error) {
        settle(batch, index, { failure: "rejected", description: (error as Error).message });
        return;
      }
      const headerBytes = Buffer.byteLength(headerText);
      const size = headerBytes + data.length;
      if (size > maxPayload) {
        settle(batch, index, { failure: "rejected", description: "max_payload size exceeded" });
        return;
      }
      const id = this.nextId++;
      const text = `HPUB ${subject} ${this.inbox}.${id} ${headerBytes} ${size}\r\n${headerText}`;
      const frameBytes = Buffer.byteLength(text) + data.length + 2;
      if (end + frameBytes > chunk.length) {
        send(true);
        chunk = Buffer.allocUnsafe(Math.max(FRAME_CHUNK_BYTES, frameBytes));
        start = end = 0;
      }
      end += chunk.write(text, end);
      chunk.set(data, end);
      end += data.length;
      end = chunk.writeUInt16BE(CRLF, end);
      queue.outMsgs++;
      queue.outBytes += size;
      indexes.push(index);
    });
    send(false);
  }

  /** The batch one nc.publish per record. */
  private publishEach(records: readonly OutgoingRecord[], subjectOf: (shardIndex: number) => string, flight: InFlight): void {
    const { batch, indexes } = flight;
    records.forEach((record, index) => {
      const id = this.nextId;
      try {
        const keyId = record.encryptionKeyId;
        this.nc.publish(subjectOf(record.shardIndex), keyId === undefined ? record.data : this.cipher.encrypt(keyId, record.data), {
          reply: `${this.inbox}.${id}`,
          headers: recordHeaders(record.partitionKey, record.receivedMs, keyId, record.messageId),
        });
        this.nextId++;
        indexes.push(index);
      } catch (error) {
        settle(batch, index, { failure: "rejected", description: (error as Error).message });
      }
    });
  }

  close(): void {
    this.subscription.unsubscribe();
    clearInterval(this.sweeper);
    this.expire(Number.POSITIVE_INFINITY);
  }

  private onAck(msg: Msg): void {
    const id = Number(msg.subject.slice(this.inbox.length + 1));
    const flight = this.flightOf(id);
    if (!flight) return;
    const offset = id - flight.firstId;
    if (flight.answered[offset] === 1) return;
    const outcome: PublishOutcome =
      msg.headers?.code === 503 ? { failure: "no-stream", description: "no JetStream stream takes this subject" } : outcomeOfAck(msg.data);
    this.answer(flight, offset, outcome);
  }

  /** The call that sent reply id `id`, if it still awaits answers; acknowledgements come mostly in order, so mostly the first. */
  private flightOf(id: number): InFlight | undefined {
    const flights = this.inFlight;
    let low = 0;
    let high = flights.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const flight = flights[middle]!;
      if (id < flight.firstId) high = middle - 1;
      else if (id >= flight.firstId + flight.indexes.length) low = middle + 1;
      else return flight;
    }
    return undefined;
  }

  private answer(flight: InFlight, offset: number, outcome: PublishOutcome): void {
    flight.answered[offset] = 1;
    if (--flight.open === 0) this.inFlight.splice(this.inFlight.indexOf(flight), 1);
    settle(flight.batch, flight.indexes[offset]!, outcome);
  }

  /** Fails acknowledgements past their deadline. Deadlines grow with ids, so stop at the first live call. */
  private expire(now = Date.now()): void {
    while (this.inFlight.length > 0 && this.inFlight[0]!.deadline <= now) {
      const flight = this.inFlight[0]!;
      flight.answered.forEach((answered, offset) => {
        if (answered === 0) this.answer(flight, offset, { failure: "timeout", description: "no acknowledgement from JetStream in time" });
      });
    }
    if (this.inFlight.length === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }
}

const EMPTY = new Uint8Array(0);

const ascii = (text: string): Uint8Array => Buffer.from(text, "latin1");
const ACK_HEAD = ascii('{"stream":"');
const ACK_SEQ = ascii('"seq":');
const ACK_DUPLICATE = ascii('"duplicate":');
const ACK_TRUE = ascii("true");
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;
const SPACE = 0x20;

const hasAt = (data: Uint8Array, at: number, part: Uint8Array): boolean => {
  if (at + part.length > data.length) return false;
  for (let i = 0; i < part.length; i++) if (data[at + i] !== part[i]) return false;
  return true;
};

const skipSpaces = (data: Uint8Array, at: number): number => {
  while (data[at] === SPACE) at++;
  return at;
};

/**
 * The acknowledgement JetStream sends for an ordinary write, read from its bytes: no string, no
 * JSON.parse. nats-server writes it {"stream":"S", "seq":N} with ,"duplicate": true on a retry
 * (spaces allowed where it puts them or not). Anything else (errors, a domain, a sequence
 * past 2^53) is undefined and goes to JSON.parse.
 */
export function plainAck(data: Uint8Array): PublishOutcome | undefined {
  if (!hasAt(data, 0, ACK_HEAD)) return undefined;
  let at = ACK_HEAD.length;
  while (at < data.length && data[at] !== QUOTE) if (data[at++] === BACKSLASH) return undefined;
  if (data[at + 1] !== COMMA) return undefined;
  at = skipSpaces(data, at + 2);
  if (!hasAt(data, at, ACK_SEQ)) return undefined;
  at = skipSpaces(data, at + ACK_SEQ.length);
  const digits = at;
  let seq = 0;
  for (let byte = data[at]!; byte >= 0x30 && byte <= 0x39; byte = data[++at]!) seq = seq * 10 + byte - 0x30;
  if (at === digits || at - digits > 15) return undefined;
  at = skipSpaces(data, at);
  let duplicate = false;
  if (data[at] === COMMA) {
    at = skipSpaces(data, at + 1);
    if (!hasAt(data, at, ACK_DUPLICATE)) return undefined;
    at = skipSpaces(data, at + ACK_DUPLICATE.length);
    if (!hasAt(data, at, ACK_TRUE)) return undefined;
    duplicate = true;
    at = skipSpaces(data, at + ACK_TRUE.length);
  }
  return at === data.length - 1 && data[at] === CLOSE_BRACE ? { sequence: BigInt(seq), duplicate } : undefined;
}

/** A JetStream publish acknowledgement ({stream, seq, duplicate} or {error}) as an outcome. */
export function outcomeOfAck(data: Uint8Array): PublishOutcome {
  const plain = plainAck(data);
  if (plain) return plain;
  let ack: PubAck;
  try {
    ack = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("utf8")) as PubAck;
  } catch {
    return { failure: "rejected", description: "invalid acknowledgement" };
  }
  if (ack.seq !== undefined && !ack.error) return { sequence: BigInt(ack.seq), duplicate: ack.duplicate === true };
  return { failure: "rejected", description: ack.error?.description ?? "invalid acknowledgement" };
}

function settle(batch: Batch, index: number, outcome: PublishOutcome): void {
  batch.outcomes[index] = outcome;
  if (--batch.due === 0) batch.resolve(batch.outcomes);
}
