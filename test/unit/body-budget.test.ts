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

  it("gives a read what is free of what it wants, never less than the floor, and takes it all back on release", () => {
    const budget = new MemoryBudget(16 * MIB);
    const [first, second, third] = [new MemoryHold(budget), new MemoryHold(budget), new MemoryHold(budget)];
    expect(first.takeUpTo(10 * MIB, MIB)).toBe(10 * MIB);
    expect(second.takeUpTo(10 * MIB, MIB)).toBe(6 * MIB);
    // Nothing free: the floor, past the capacity.
    expect(third.takeUpTo(10 * MIB, MIB)).toBe(MIB);
    expect(budget.heldBytes).toBe(17 * MIB);
    // A read that used less gives the rest back at once; the answer holds what it used until sent.
    second.giveBack(5 * MIB);
    expect(budget.heldBytes).toBe(12 * MIB);
    // Never more than it holds, never negative.
    second.giveBack(-3);
    second.giveBack(99 * MIB);
    expect(budget.heldBytes).toBe(11 * MIB);
    first.release();
    third.release();
    second.release();
    expect(budget.heldBytes).toBe(0);
    expect(new MemoryHold(budget).takeUpTo(10 * MIB, MIB)).toBe(10 * MIB);
  });

  it("a floor larger than the want gives the want", () => {
    const budget = new MemoryBudget(MIB);
    const hold = new MemoryHold(budget);
    expect(hold.takeUpTo(MIB, MIB)).toBe(MIB);
    expect(new MemoryHold(budget).takeUpTo(1000, MIB)).toBe(1000);
  });

  it("a request whose client went away gets the floor, and holds nothing", () => {
    const budget = new MemoryBudget(MIB);
    const hold = new MemoryHold(budget);
    hold.release();
    expect(hold.takeUpTo(10 * MIB, MIB)).toBe(MIB);
    expect(budget.heldBytes).toBe(0);
  });
});
