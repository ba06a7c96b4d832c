// The embedded engine's working memory (scratch.ts): arrays taken during one search never
// overlap, survive the buffer growing under them, and the memory is reused by the next search.
import { describe, expect, it } from "vitest";
import { Scratch } from "../../src/lib/server/search/scratch.ts";
import { Accumulator, union } from "../../src/lib/server/search/postings.ts";

describe("Scratch", () => {
  it("hands out arrays that do not overlap, even across a growth of its buffer", () => {
    const scratch = new Scratch(64);
    const a = scratch.int32(10).fill(7);
    const b = scratch.float64(3).fill(1.5);
    // Larger than what is left: a new buffer; a and b keep their contents.
    const c = scratch.uint32(1000).fill(9);
    const d = scratch.uint8(5).fill(3);
    expect([...a]).toEqual(Array(10).fill(7));
    expect([...b]).toEqual([1.5, 1.5, 1.5]);
    expect(c.every((x) => x === 9)).toBe(true);
    expect([...d]).toEqual([3, 3, 3, 3, 3]);
    expect(b.byteOffset % 8).toBe(0);
    expect(scratch.size).toBeGreaterThanOrEqual(4000);
  });

  it("reuses its memory after reset instead of growing", () => {
    const scratch = new Scratch(1024);
    const first = scratch.int32(100);
    scratch.reset();
    const second = scratch.int32(100);
    expect(second.buffer).toBe(first.buffer);
    expect(second.byteOffset).toBe(first.byteOffset);
    for (let i = 0; i < 50; i++) {
      scratch.reset();
      scratch.float64(100);
    }
    expect(scratch.size).toBe(1024);
  });

  it("gives back a buffer an unusual search grew past 16 MB", () => {
    const scratch = new Scratch(1024);
    scratch.float64(3 * 1024 * 1024); // 24 MB
    expect(scratch.size).toBeGreaterThan(16 * 1024 * 1024);
    scratch.reset();
    expect(scratch.size).toBe(1024);
    // Below the limit, it is kept.
    scratch.float64(1024 * 1024);
    scratch.reset();
    expect(scratch.size).toBeGreaterThan(8 * 1024 * 1024);
  });

  it("gives the accumulator's matches the same contents as fresh arrays", () => {
    const scratch = new Scratch(16);
    const acc = new Accumulator();
    acc.reserve(100);
    const run = (use?: Scratch) => {
      for (const doc of [42, 7, 99, 7, 3]) acc.add(doc, doc / 10, 1);
      const a = acc.drain(use);
      for (const doc of [8, 42]) acc.add(doc, 1, 2);
      const b = acc.drain(use);
      const m = union(a, b, use);
      return { docs: [...m.docs], scores: [...m.scores], masks: [...m.masks] };
    };
    expect(run(scratch)).toEqual(run());
    expect(run()).toEqual({ docs: [3, 7, 8, 42, 99], scores: [0.3, 1.4, 1, 5.2, 9.9], masks: [1, 1, 2, 3, 1] });
  });
});
