import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_CONCURRENT_STREAMS, RESET_LIMIT } from "../../src/http/http2-limits.js";
import type { ServerProcess } from "../support/server-process.js";
import { spawnTarget, underAttack } from "./overload-probe.js";
import { connectRawHttp2, REFUSED_STREAM } from "./raw-http2.js";

let server: ServerProcess;
let port: number;

beforeAll(async () => {
  server = await spawnTarget();
  port = Number(new URL(server.url).port);
});
afterAll(async () => server?.kill());

// A request whose body never comes: unsigned is fine, no keys are configured.
const HALF_OPEN = {
  ":method": "POST",
  ":path": "/",
  ":scheme": "http",
  ":authority": "127.0.0.1",
  "content-type": "application/x-amz-json-1.1",
  "x-amz-target": "Kinesis_20131202.ListStreams",
  "content-length": "1000",
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("HTTP/2 streams per connection are bounded", () => {
  it("the server says so in its SETTINGS, and refuses streams past it from a client that ignores them", async () => {
    const connection = await connectRawHttp2(port);
    for (let i = 0; i < MAX_CONCURRENT_STREAMS + 40; i++) connection.openStream(HALF_OPEN);
    await connection.drained();
    const deadline = performance.now() + 3_000;
    while ((connection.resetsReceived.get(REFUSED_STREAM) ?? 0) < 40 && performance.now() < deadline) await sleep(20);
    expect(connection.maxConcurrentStreams()).toBe(MAX_CONCURRENT_STREAMS);
    expect(connection.resetsReceived.get(REFUSED_STREAM)).toBe(40);
    connection.destroy();
  });

  it("10 connections flooding half-open streams: memory stays bounded, health answers", { timeout: 30_000 }, async () => {
    let opened = 0;
    let connections = 0;
    const flood = async (over: () => boolean): Promise<void> => {
      while (!over()) {
        const connection = await connectRawHttp2(port);
        connections++;
        while (!over() && !connection.isClosed()) {
          for (let i = 0; i < 500; i++) connection.openStream(HALF_OPEN);
          opened += 500;
          await connection.drained();
          await sleep(5);
        }
        connection.destroy();
      }
    };
    const figures = await underAttack("HTTP/2 half-open streams", server, 8_000, async (over) => {
      await Promise.all(Array.from({ length: 10 }, () => flood(over)));
    });
    console.log(`[overload] HTTP/2 half-open streams: ${opened} streams opened on ${connections} connections`);
    expect(opened).toBeGreaterThan(50_000);
    expect(figures.growthMb).toBeLessThan(300);
    expect(figures.healthP99Ms).toBeLessThan(1000);
  });
});

describe("rapid reset (CVE-2023-44487)", () => {
  it("a connection that keeps opening and cancelling streams is dropped; health answers", { timeout: 30_000 }, async () => {
    const resetsPerConnection: number[] = [];
    let droppedByServer = 0;
    const resetLoop = async (over: () => boolean): Promise<void> => {
      while (!over()) {
        const session = http2.connect(server.url);
        session.on("error", () => undefined);
        let resets = 0;
        let closed = false;
        session.once("close", () => (closed = true));
        await new Promise<void>((resolve) => session.once("connect", () => resolve()).once("close", () => resolve()));
        while (!over() && !closed) {
          for (let i = 0; i < 50 && !closed; i++) {
            try {
              const stream = session.request({ ":method": "GET", ":path": "/health/live" });
              stream.on("error", () => undefined);
              stream.close(http2.constants.NGHTTP2_CANCEL);
              resets++;
            } catch {
              closed = true;
            }
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
        if (closed) droppedByServer++;
        session.destroy();
        resetsPerConnection.push(resets);
      }
    };
    const figures = await underAttack("HTTP/2 rapid reset", server, 8_000, async (over) => {
      await Promise.all(Array.from({ length: 4 }, () => resetLoop(over)));
    });
    const total = resetsPerConnection.reduce((a, b) => a + b, 0);
    console.log(
      `[overload] HTTP/2 rapid reset: ${total} resets on ${resetsPerConnection.length} connections, ${droppedByServer} dropped by the server, most on one: ${Math.max(...resetsPerConnection)}`,
    );
    expect(droppedByServer).toBeGreaterThan(0);
    // Before the limit one connection reset 127,000 to 187,000 streams in 10 s.
    expect(Math.max(...resetsPerConnection)).toBeLessThan(RESET_LIMIT * 10);
    expect(figures.growthMb).toBeLessThan(300);
    expect(figures.healthP99Ms).toBeLessThan(1000);
  });

  it("a connection whose streams are answered is never dropped, however many", { timeout: 30_000 }, async () => {
    const session = http2.connect(server.url);
    let closed = false;
    session.once("close", () => (closed = true));
    const answered = async (): Promise<number> =>
      new Promise((resolve, reject) => {
        const stream = session.request({ ":method": "GET", ":path": "/health/live" });
        stream.on("response", (headers) => resolve(headers[":status"] as number));
        stream.on("error", reject);
        stream.resume();
      });
    for (let batch = 0; batch < (RESET_LIMIT * 3) / 100; batch++) {
      const statuses = await Promise.all(Array.from({ length: 100 }, answered));
      expect(statuses.every((s) => s === 200)).toBe(true);
    }
    expect(closed).toBe(false);
    session.close();
  });
});
