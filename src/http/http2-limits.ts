import http2, { type ServerHttp2Session, type ServerHttp2Stream } from "node:http2";

/**
 * Streams one HTTP/2 connection may have open at once, as its SETTINGS tell the client (the
 * AWS SDK opens another connection past it). Node's default is unbounded: 600,000 half-open
 * streams on 10 connections took the server to 4.9 GB.
 */
export const MAX_CONCURRENT_STREAMS = 128;

/**
 * Streams a client may reset (or leave unanswered by closing) on one connection within the
 * window before the connection is dropped: the "rapid reset" attack (CVE-2023-44487) opens and
 * cancels streams in a loop, 127,000 to 187,000 in 10 s here, each costing a request's work.
 * An SDK cancels a stream only when a call times out, far below this.
 */
export const RESET_LIMIT = 1000;
export const RESET_WINDOW_MS = 10_000;

/** Counts the streams of a session that the client reset before their answers were done, and destroys the session past the limit. */
export function limitResets(session: ServerHttp2Session, limit = RESET_LIMIT, windowMs = RESET_WINDOW_MS): void {
  let windowStart = performance.now();
  let resets = 0;
  session.on("stream", (stream: ServerHttp2Stream) => {
    stream.once("close", () => {
      // A stream answered in full closes with NO_ERROR; a reset (by the client, or ours of a
      // client too slow) with another code.
      if (stream.rstCode === http2.constants.NGHTTP2_NO_ERROR || session.destroyed) return;
      const now = performance.now();
      if (now - windowStart > windowMs) {
        windowStart = now;
        resets = 0;
      }
      if (++resets === limit + 1) {
        // Not from inside this callback: it can run while nghttp2 is still handling the reset
        // frame, and destroying the session there fails an assertion in Node 20 and aborts the process.
        setImmediate(() => {
          if (session.destroyed) return;
          session.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
          session.destroy();
        });
      }
    });
  });
}
