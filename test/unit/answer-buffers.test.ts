import { describe, expect, it } from "vitest";
import { answerOf, releaseAnswer, takeBuffer } from "../../src/http/protocols/answer-buffers.js";
import { kinesisJson } from "../../src/kinesis/model.js";

const filled = (bytes: number, value: number): { buffer: Buffer; used: number } => {
  const buffer = takeBuffer();
  const big = buffer.length >= bytes ? buffer : Buffer.allocUnsafeSlow(bytes);
  big.fill(value, 0, bytes);
  return { buffer: big, used: bytes };
};

describe("answer buffers", () => {
  it("copies a small answer out and keeps its buffer for the next one", () => {
    const { buffer, used } = filled(1000, 7);
    const answer = answerOf(buffer, used);
    expect(answer.buffer).not.toBe(buffer.buffer);
    expect(takeBuffer()).toBe(buffer);
    expect(answer.equals(Buffer.alloc(1000, 7))).toBe(true);
  });

  it("sends a large answer from its own buffer, reused only once the answer is released", () => {
    const { buffer, used } = filled(512 * 1024, 9);
    const answer = answerOf(buffer, used);
    expect(answer.buffer).toBe(buffer.buffer);
    expect(takeBuffer()).not.toBe(buffer);
    releaseAnswer(answer);
    expect(takeBuffer()).toBe(buffer);
    // A second release of the same answer does not hand the buffer out twice.
    releaseAnswer(answer);
    expect(takeBuffer()).not.toBe(buffer);
  });

  it("keeps an answer intact while another is written, until it is released", () => {
    const output = (n: number) => ({
      Records: Array.from({ length: 200 }, (_, i) => ({ SequenceNumber: String(i), Data: Buffer.alloc(1024, n), PartitionKey: `pk-${i}` })),
      MillisBehindLatest: n,
    });
    const first = kinesisJson.encodeOutput("GetRecordsOutput", output(1));
    const copy = Buffer.from(first);
    const second = kinesisJson.encodeOutput("GetRecordsOutput", output(2));
    expect(first.equals(copy)).toBe(true);
    releaseAnswer(first);
    const third = kinesisJson.encodeOutput("GetRecordsOutput", output(3));
    expect(third.buffer).toBe(first.buffer);
    expect((JSON.parse(second.toString()) as { MillisBehindLatest: number }).MillisBehindLatest).toBe(2);
    expect((JSON.parse(third.toString()) as { MillisBehindLatest: number }).MillisBehindLatest).toBe(3);
  });
});
