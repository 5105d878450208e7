import net from "node:net";

/**
 * A hostile HTTP/2 client written frame by frame: it ignores the server's SETTINGS (a
 * node:http2 client would queue streams past MAX_CONCURRENT_STREAMS on its own side).
 */
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
const HEADERS = 0x1;
const RST_STREAM = 0x3;
const SETTINGS = 0x4;
const GOAWAY = 0x7;
const END_HEADERS = 0x4;
const ACK = 0x1;
export const CANCEL = 0x8;
export const REFUSED_STREAM = 0x7;
const SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId, 5);
  return Buffer.concat([head, payload]);
}

/** An HPACK integer with an `n`-bit prefix. */
function hpackInt(value: number, n: number): number[] {
  const max = (1 << n) - 1;
  if (value < max) return [value];
  const bytes = [max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

const hpackString = (text: string): Buffer => Buffer.concat([Buffer.from(hpackInt(text.length, 7)), Buffer.from(text)]);

/** A header block of literals without indexing, new names: the simplest valid HPACK. */
function headerBlock(headers: Record<string, string>): Buffer {
  return Buffer.concat(Object.entries(headers).flatMap(([name, value]) => [Buffer.from([0]), hpackString(name), hpackString(value)]));
}

export interface RawHttp2Connection {
  /** HEADERS without END_STREAM: a request whose body never comes. Returns the stream id. */
  openStream(headers: Record<string, string>): number;
  reset(streamId: number, code: number): void;
  /** RST_STREAM codes the server sent, by code. */
  readonly resetsReceived: Map<number, number>;
  /** The server's MAX_CONCURRENT_STREAMS, once its SETTINGS came. */
  readonly maxConcurrentStreams: () => number | undefined;
  readonly goawayCode: () => number | undefined;
  readonly closed: Promise<void>;
  isClosed(): boolean;
  /** Resolves once the socket has written everything queued (or closed). */
  drained(): Promise<void>;
  destroy(): void;
}

export function connectRawHttp2(port: number): Promise<RawHttp2Connection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let nextStreamId = 1;
    let received = Buffer.alloc(0);
    let maxStreams: number | undefined;
    let goaway: number | undefined;
    let isClosed = false;
    const resetsReceived = new Map<number, number>();
    const closed = new Promise<void>((done) =>
      socket.on("close", () => {
        isClosed = true;
        done();
      }),
    );
    socket.on("error", () => undefined);
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 9) {
        const length = received.readUIntBE(0, 3);
        if (received.length < 9 + length) break;
        const type = received[3]!;
        const flags = received[4]!;
        const payload = received.subarray(9, 9 + length);
        if (type === SETTINGS && !(flags & ACK)) {
          for (let i = 0; i + 6 <= payload.length; i += 6) {
            if (payload.readUInt16BE(i) === SETTINGS_MAX_CONCURRENT_STREAMS) maxStreams = payload.readUInt32BE(i + 2);
          }
          socket.write(frame(SETTINGS, ACK, 0, Buffer.alloc(0)));
        } else if (type === RST_STREAM) {
          const code = payload.readUInt32BE(0);
          resetsReceived.set(code, (resetsReceived.get(code) ?? 0) + 1);
        } else if (type === GOAWAY) {
          goaway = payload.readUInt32BE(4);
        }
        received = received.subarray(9 + length);
      }
    });
    socket.once("connect", () => {
      socket.write(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0, Buffer.alloc(0))]));
      resolve({
        openStream(headers) {
          const id = nextStreamId;
          nextStreamId += 2;
          if (!isClosed) socket.write(frame(HEADERS, END_HEADERS, id, headerBlock(headers)));
          return id;
        },
        reset(streamId, code) {
          const payload = Buffer.alloc(4);
          payload.writeUInt32BE(code);
          if (!isClosed) socket.write(frame(RST_STREAM, 0, streamId, payload));
        },
        resetsReceived,
        maxConcurrentStreams: () => maxStreams,
        goawayCode: () => goaway,
        closed,
        isClosed: () => isClosed,
        drained: () =>
          isClosed || socket.writableLength === 0
            ? Promise.resolve()
            : new Promise((done) => {
                socket.once("drain", () => done());
                socket.once("close", () => done());
              }),
        destroy: () => socket.destroy(),
      });
    });
    socket.once("error", reject);
  });
}
