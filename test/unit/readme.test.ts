import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { operations as modelOperations } from "../../src/kinesis/generated/model.js";
import { operations as served } from "../../src/kinesis/operations/index.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("the README", () => {
  it("counts the operations the dispatch table serves, out of the model's", () => {
    const claim = /(\d+) of the (\d+) operations of API version 2013-12-02/.exec(readme);
    expect(claim, "the README states how many operations are served").not.toBeNull();
    expect(Number(claim![1])).toBe(Object.keys(served).length);
    expect(Number(claim![2])).toBe(Object.keys(modelOperations).length);
  });

  it("names every served operation in its operations table", () => {
    const table = readme.slice(readme.indexOf("## Operations"), readme.indexOf("## How Kinesis maps onto JetStream"));
    const missing = Object.keys(served).filter((name) => !new RegExp(`\\b${name}\\b`).test(table));
    expect(missing).toEqual([]);
  });
});
