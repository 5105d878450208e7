import http2 from "node:http2";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer } from "../support/server.js";

let server: RunningServer;

beforeAll(async () => {
  // Requests written by hand, unsigned: these tests are about timeouts.
  server = await startTestServer({ requestTimeoutMs: 1000, noSignatureCheck: true });
});
afterAll(async () => server?.close());

/** Opens a connection, sends `bytes`, then nothing: resolves with what came back and when the server hung up. */
function stall(bytes: string): Promise<{ reply: string; closedAfterMs: number }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let reply = "";
    const socket = net.connect(Number(port), "127.0.0.1", () => socket.write(bytes));
    socket.on("data", (chunk: Buffer) => (reply += chunk.toString()));
    socket.on("close", () => resolve({ reply, closedAfterMs: performance.now() - started }));
    socket.on("error", reject);
    setTimeout(() => reject(new Error("the server kept a stalled connection open")), 5_000);
  });
}

/** Opens a connection and sends `bytes` one every 100 ms: resolves with what came back and when the server hung up. */
function trickle(bytes: string): Promise<{ reply: string; closedAfterMs: number }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let reply = "";
    let sent = 0;
    const socket = net.connect(Number(port), "127.0.0.1");
    const timer = setInterval(() => sent < bytes.length && socket.write(bytes[sent++]!), 100);
    socket.on("data", (chunk: Buffer) => (reply += chunk.toString()));
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ reply, closedAfterMs: performance.now() - started });
    });
    socket.on("error", () => undefined);
    setTimeout(() => reject(new Error("the server kept a trickling connection open")), 8_000);
  });
}

describe("slow and stalled clients are cut off", () => {
  it("a connection that sends nothing", async () => {
    const { closedAfterMs } = await stall("");
    expect(closedAfterMs).toBeGreaterThan(900);
    expect(closedAfterMs).toBeLessThan(3000);
  });

  it("headers that never end", async () => {
    const { closedAfterMs } = await stall("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Kinesis_20131202.ListStreams\r\n");
    expect(closedAfterMs).toBeLessThan(3500);
  });

  it("headers that trickle in a byte at a time are cut at the headers timeout of the connection's opening, with a 408", async () => {
    const { reply, closedAfterMs } = await trickle("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Kinesis_20131202.ListStreams\r\n".repeat(5));
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeGreaterThan(900);
    expect(closedAfterMs).toBeLessThan(2000);
  });

  it("an HTTP/2 preface that trickles in a byte at a time is cut at the headers timeout too", async () => {
    // 24 bytes at 100 ms each would take 2.4 s: an idle timer, reset by each byte, would wait for all of them.
    const { closedAfterMs } = await trickle("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    expect(closedAfterMs).toBeGreaterThan(900);
    expect(closedAfterMs).toBeLessThan(2000);
  });

  it("a body that never comes", async () => {
    const { reply, closedAfterMs } = await stall(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: Kinesis_20131202.ListStreams\r\nContent-Length: 1000\r\n\r\n{",
    );
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeLessThan(3500);
  });
});

describe("over HTTP/2 too", () => {
  it("a request body that never ends is reset, and the idle connection then closed", async () => {
    const session = http2.connect(server.url);
    const started = performance.now();
    const stream = session.request({
      ":method": "POST",
      ":path": "/",
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "Kinesis_20131202.ListStreams",
    });
    stream.write("{");
    const reset = await new Promise<number>((resolve) => stream.on("close", () => resolve(stream.rstCode)));
    const resetAfterMs = performance.now() - started;
    expect(reset).toBe(http2.constants.NGHTTP2_CANCEL);
    expect(resetAfterMs).toBeGreaterThan(900);
    expect(resetAfterMs).toBeLessThan(3000);
    await new Promise<void>((resolve, reject) => {
      session.on("close", resolve);
      setTimeout(() => reject(new Error("the server kept an idle HTTP/2 connection open")), 5_000);
    });
    expect(performance.now() - started).toBeGreaterThan(1900);
  });

  it("a connection in use is not cut while its requests keep coming", async () => {
    const session = http2.connect(server.url);
    const listStreams = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const stream = session.request({
          ":method": "POST",
          ":path": "/",
          "content-type": "application/x-amz-json-1.1",
          "x-amz-target": "Kinesis_20131202.ListStreams",
        });
        stream.on("response", (headers) => resolve(Number(headers[":status"])));
        stream.on("error", reject);
        stream.resume();
        stream.end("{}");
      });
    for (let i = 0; i < 6; i++) {
      expect(await listStreams()).toBe(200);
      await new Promise((r) => setTimeout(r, 400));
    }
    expect(session.closed).toBe(false);
    session.close();
  });
});
