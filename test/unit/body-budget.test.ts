import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { readBody } from "../../src/http/body-budget.js";
import { MemoryBudget, MemoryHold } from "../../src/http/memory-budget.js";

const LIMIT = 1000;

function body(chunks: Buffer[]): PassThrough {
  const stream = new PassThrough();
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  return stream;
}

describe("reading a body within the limit and the budget", () => {
  it("reads a declared body whole and holds its length until released", async () => {
    const budget = new MemoryBudget(1500);
    const hold = new MemoryHold(budget);
    const read = await readBody(body([Buffer.alloc(300, 1), Buffer.alloc(300, 2)]), 600, LIMIT, hold);
    expect(read).toEqual(Buffer.concat([Buffer.alloc(300, 1), Buffer.alloc(300, 2)]));
    expect(budget.heldBytes).toBe(600);
    hold.release();
    hold.release();
    expect(budget.heldBytes).toBe(0);
  });

  it("refuses a declared length over the limit (413) or over what the budget has free (503) before reading it", async () => {
    const budget = new MemoryBudget(1500);
    const first = new MemoryHold(budget);
    await readBody(body([Buffer.alloc(900)]), 900, LIMIT, first);
    await expect(readBody(body([]), 1001, LIMIT, new MemoryHold(budget))).rejects.toMatchObject({ type: "SerializationException", statusCode: 413 });
    await expect(readBody(body([Buffer.alloc(700)]), 700, LIMIT, new MemoryHold(budget))).rejects.toMatchObject({
      type: "ServiceUnavailableException",
      statusCode: 503,
    });
    first.release();
    expect(budget.heldBytes).toBe(0);
  });

  it("counts a body of no declared length as it comes, and refuses it once it no longer fits", async () => {
    const budget = new MemoryBudget(500);
    const hold = new MemoryHold(budget);
    await expect(readBody(body([Buffer.alloc(400), Buffer.alloc(400)]), undefined, LIMIT, hold)).rejects.toMatchObject({ statusCode: 503 });
    hold.release();
    expect(budget.heldBytes).toBe(0);
    const next = new MemoryHold(budget);
    expect((await readBody(body([Buffer.alloc(200), Buffer.alloc(200)]), undefined, LIMIT, next)).length).toBe(400);
    expect(budget.heldBytes).toBe(400);
  });

  it("refuses a body that grows past the limit, or differs from its declared length", async () => {
    const budget = new MemoryBudget(10_000);
    await expect(readBody(body([Buffer.alloc(600), Buffer.alloc(600)]), undefined, LIMIT, new MemoryHold(budget))).rejects.toMatchObject({ statusCode: 413 });
    await expect(readBody(body([Buffer.alloc(10)]), 20, LIMIT, new MemoryHold(budget))).rejects.toMatchObject({
      type: "SerializationException",
      statusCode: 400,
    });
    await expect(readBody(body([Buffer.alloc(30)]), 20, LIMIT, new MemoryHold(budget))).rejects.toMatchObject({
      type: "SerializationException",
      statusCode: 400,
    });
  });
});

describe("shares of the read memory budget", () => {
  const MIB = 1024 * 1024;
  const WAIT_MS = 200;

  it("gives a read what is free of what it wants, has the next wait for its floor, and takes it all back on release", async () => {
    const budget = new MemoryBudget(16 * MIB);
    const [first, second, third] = [new MemoryHold(budget), new MemoryHold(budget), new MemoryHold(budget)];
    expect(await first.takeWhenFree(10 * MIB, MIB, WAIT_MS)).toBe(10 * MIB);
    expect(await second.takeWhenFree(10 * MIB, MIB, WAIT_MS)).toBe(6 * MIB);
    // Nothing free: the third waits, and is served when the second gives back what it did not use.
    const waiting = third.takeWhenFree(10 * MIB, MIB, WAIT_MS);
    expect(budget.heldBytes).toBe(16 * MIB);
    second.giveBack(5 * MIB);
    expect(await waiting).toBe(5 * MIB);
    expect(budget.heldBytes).toBe(16 * MIB);
    // Never more than it holds, never negative.
    second.giveBack(-3);
    second.giveBack(99 * MIB);
    expect(budget.heldBytes).toBe(15 * MIB);
    first.release();
    third.release();
    second.release();
    expect(budget.heldBytes).toBe(0);
    expect(await new MemoryHold(budget).takeWhenFree(10 * MIB, MIB, WAIT_MS)).toBe(10 * MIB);
  });

  it("waiting readers are served in turn, and one whose wait runs out gets nothing", async () => {
    const budget = new MemoryBudget(2 * MIB);
    const holder = new MemoryHold(budget);
    expect(await holder.takeWhenFree(2 * MIB, MIB, WAIT_MS)).toBe(2 * MIB);
    const served: string[] = [];
    const wait = (name: string, waitMs: number) =>
      new MemoryHold(budget).takeWhenFree(MIB, MIB, waitMs).then((granted) => {
        served.push(`${name} ${granted / MIB}`);
        return granted;
      });
    const [a, b, late] = [wait("a", WAIT_MS), wait("b", WAIT_MS), wait("late", 20)];
    expect(await late).toBe(0);
    holder.giveBack(2 * MIB);
    await Promise.all([a, b]);
    expect(served).toEqual(["late 0", "a 1", "b 1"]);
    expect(budget.heldBytes).toBe(2 * MIB);
  });

  it("a floor larger than the want waits for the want only", async () => {
    const budget = new MemoryBudget(MIB);
    expect(await new MemoryHold(budget).takeWhenFree(MIB - 1000, MIB, WAIT_MS)).toBe(MIB - 1000);
    expect(await new MemoryHold(budget).takeWhenFree(1000, MIB, WAIT_MS)).toBe(1000);
  });

  it("a request whose client went away, before or while it waits, gets nothing and holds nothing", async () => {
    const budget = new MemoryBudget(MIB);
    const gone = new MemoryHold(budget);
    gone.release();
    expect(await gone.takeWhenFree(10 * MIB, MIB, WAIT_MS)).toBe(0);
    const holder = new MemoryHold(budget);
    await holder.takeWhenFree(MIB, MIB, WAIT_MS);
    const leaving = new MemoryHold(budget);
    const waiting = leaving.takeWhenFree(MIB, MIB, WAIT_MS);
    leaving.release();
    holder.release();
    expect(await waiting).toBe(0);
    expect(budget.heldBytes).toBe(0);
  });
});
