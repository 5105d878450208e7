import http, { type IncomingMessage, type ServerResponse } from "node:http";
import http2, { type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session, type ServerHttp2Stream } from "node:http2";
import net, { type Socket } from "node:net";
import tls from "node:tls";
import { limitResets, MAX_CONCURRENT_STREAMS } from "./http2-limits.js";

export type RequestHandler = (request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse) => void;

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
// HTTP/2's default 64 KiB flow-control windows make a client stop every 64 KiB of a PutRecords
// body to wait for a window update; open them to a full request.
const RECEIVE_WINDOW_BYTES = 16 * 1024 * 1024;

/**
 * The HTTP/1.1 and HTTP/2 servers behind one listening socket, and the routing of each
 * connection to one of them. Each connection is read until its first bytes show the HTTP/2
 * preface (or cannot be it), then the bytes are put back and the socket handed to the matching
 * Node server, which reads them natively. Over TLS the same holds for the decrypted bytes:
 * ALPN has told the client which to send.
 */
class HttpProtocols {
  readonly http1: http.Server;
  readonly http2: http2.Http2Server;
  private readonly sessions = new Set<ServerHttp2Session>();
  private closing = false;
  /** Each new connection's deadline for the headers of its first request, by socket (HTTP/1.1). */
  private readonly firstHeadersDue = new WeakMap<Socket, NodeJS.Timeout>();
  /** The deadline of the connection being handed to the HTTP/2 server, taken up by its session. */
  private handedOverDeadline: NodeJS.Timeout | undefined;
  private readonly headersTimeoutMs: number;

  constructor(
    handler: RequestHandler,
    listener: net.Server,
    private readonly requestTimeoutMs: number,
  ) {
    // Slow or stalled clients are cut off: headers within 10 s (or the request timeout if
    // shorter), the whole request within the request timeout; checked every second.
    const headersTimeout = Math.min(requestTimeoutMs, 10_000);
    this.headersTimeoutMs = headersTimeout;
    this.http1 = http.createServer(
      { requestTimeout: requestTimeoutMs, headersTimeout, connectionsCheckingInterval: Math.min(headersTimeout, 1_000) },
      handler as (req: IncomingMessage, res: ServerResponse) => void,
    );
    this.http2 = http2.createServer(
      { maxSessionMemory: 64, settings: { initialWindowSize: RECEIVE_WINDOW_BYTES, maxConcurrentStreams: MAX_CONCURRENT_STREAMS } },
      // A stream's request goes to the handler on the next turn of the event loop, not at once:
      // by then a reset that came in the same read (rapid reset opens and cancels streams by
      // the thousand per read) has closed it, and it costs no routing, hooks or reply at all.
      (request: Http2ServerRequest, response: Http2ServerResponse) =>
        setImmediate(() => {
          if (!request.stream.closed) handler(request, response);
        }),
    );
    this.http2.on("session", (session: ServerHttp2Session) => {
      session.setLocalWindowSize(RECEIVE_WINDOW_BYTES);
      this.sessions.add(session);
      const firstHeadersDue = this.handedOverDeadline;
      this.handedOverDeadline = undefined;
      session.once("stream", () => clearTimeout(firstHeadersDue));
      session.once("close", () => clearTimeout(firstHeadersDue));
      session.once("close", () => this.sessions.delete(session));
      this.enforceTimeouts(session);
      limitResets(session);
    });
    // The HTTP/1.1 server never listens itself; its connection tracking (idle connections,
    // request and header timeouts) starts on 'listening', so start it when we listen.
    listener.once("listening", () => this.http1.emit("listening"));
    // A keep-alive connection whose request was under way at close() is idle once answered:
    // close it then rather than when its keep-alive timeout runs out.
    this.http1.on("request", (request: IncomingMessage, response: ServerResponse) => {
      clearTimeout(this.firstHeadersDue.get(request.socket));
      response.once("finish", () => {
        if (this.closing) setImmediate(() => this.http1.closeIdleConnections());
      });
    });
  }

  /**
   * The HTTP/1.1 limits, for HTTP/2: each request (headers and body) within the request
   * timeout, and a connection with no request under way closed after it. Our own timers, not
   * Node's session.setTimeout: Node 20 leaves that one armed after the session closes, and it
   * then holds the dead session for the whole timeout (with the AWS SDK's connection per
   * request, thousands of sessions and tens of MB).
   */
  private enforceTimeouts(session: ServerHttp2Session): void {
    const closeWhenIdle = (): NodeJS.Timeout => setTimeout(() => session.close(), this.requestTimeoutMs).unref();
    let idle: NodeJS.Timeout | undefined = closeWhenIdle();
    let streams = 0;
    session.on("stream", (stream: ServerHttp2Stream) => {
      streams++;
      clearTimeout(idle);
      const request = setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), this.requestTimeoutMs).unref();
      stream.once("end", () => clearTimeout(request));
      stream.once("close", () => {
        clearTimeout(request);
        if (--streams === 0 && !session.closed) idle = closeWhenIdle();
      });
    });
    session.once("close", () => clearTimeout(idle));
  }

  close(): void {
    this.closing = true;
    // Stops the HTTP/1.1 server's connection checks; it was never bound, so its error is moot.
    this.http1.close(() => undefined);
  }

  closeIdleConnections(): void {
    this.http1.closeIdleConnections();
    // An HTTP/2 session closes gracefully: streams under way finish, no new ones start.
    for (const session of this.sessions) session.close();
  }

  closeAllConnections(): void {
    this.http1.closeAllConnections();
    for (const session of this.sessions) session.destroy();
  }

  route(socket: Socket): void {
    // The headers of a connection's first request are due within the headers timeout of its
    // opening, however slowly its bytes trickle in: a deadline, not an idle timer (which each
    // byte would reset, keeping a connection that dribbles the HTTP/2 preface open for minutes).
    // Later requests on a kept-alive HTTP/1.1 connection have Node's own headers timeout.
    let routedToHttp1 = false;
    const deadline = setTimeout(() => {
      if (!routedToHttp1 || !socket.writable) return void socket.destroy();
      socket.write("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
      socket.destroySoon();
    }, this.headersTimeoutMs).unref();
    socket.once("close", () => clearTimeout(deadline));
    // Event-stream frames are small writes that must go out at once, not wait for an ACK (Nagle).
    socket.setNoDelay(true);
    let head: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const n = Math.min(head.length, PREFACE.length);
      const couldBeHttp2 = head.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (couldBeHttp2 && head.length < PREFACE.length) return;
      socket.removeListener("data", onData);
      socket.pause();
      socket.unshift(head);
      if (couldBeHttp2) {
        // The HTTP/2 session drains the unshifted bytes and then reads the handle itself;
        // resuming the JS stream here would end the socket.
        this.handedOverDeadline = deadline;
        this.http2.emit("connection", socket);
      } else {
        routedToHttp1 = true;
        this.firstHeadersDue.set(socket, deadline);
        this.http1.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
    socket.on("error", () => socket.destroy());
  }
}

/**
 * One port for HTTP/1.1 and cleartext HTTP/2 with prior knowledge (h2c): the AWS SDK for
 * JavaScript speaks HTTP/2 to http:// endpoints, botocore and the CLI speak HTTP/1.1.
 */
export class DualProtocolServer extends net.Server {
  private readonly protocols: HttpProtocols;

  constructor(handler: RequestHandler, requestTimeoutMs: number) {
    super((socket) => this.protocols.route(socket));
    this.protocols = new HttpProtocols(handler, this, requestTimeoutMs);
  }

  override close(callback?: (error?: Error) => void): this {
    this.protocols.close();
    return super.close(callback);
  }

  /** Closes keep-alive connections that carry no request; called by fastify when closing. */
  closeIdleConnections(): void {
    this.protocols.closeIdleConnections();
  }

  closeAllConnections(): void {
    this.protocols.closeAllConnections();
  }
}

/**
 * The same over TLS: HTTP/2 or HTTP/1.1 as ALPN agreed (the Java SDK and the KPL ask for h2,
 * botocore for http/1.1), served by the same handler as the plain port.
 */
export class TlsDualProtocolServer extends tls.Server {
  private readonly protocols: HttpProtocols;

  constructor(handler: RequestHandler, credentials: { cert: Buffer; key: Buffer }, requestTimeoutMs: number) {
    super({ cert: credentials.cert, key: credentials.key, ALPNProtocols: ["h2", "http/1.1"], handshakeTimeout: Math.min(requestTimeoutMs, 10_000) }, (socket) =>
      this.protocols.route(socket),
    );
    this.protocols = new HttpProtocols(handler, this, requestTimeoutMs);
    // A client that gives up during the handshake (or speaks plain HTTP to this port).
    this.on("tlsClientError", (_error, socket) => socket.destroy());
  }

  override close(callback?: (error?: Error) => void): this {
    this.protocols.close();
    return super.close(callback);
  }

  closeIdleConnections(): void {
    this.protocols.closeIdleConnections();
  }

  closeAllConnections(): void {
    this.protocols.closeAllConnections();
  }
}
