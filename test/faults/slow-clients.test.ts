import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer } from "../support/server.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startTestServer({ requestTimeoutMs: 1000 });
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

  it("a body that never comes", async () => {
    const { reply, closedAfterMs } = await stall(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: Kinesis_20131202.ListStreams\r\nContent-Length: 1000\r\n\r\n{",
    );
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeLessThan(3500);
  });
});
