// Issue 17 §3: the rounding that keeps an anonymous case study's amounts from matching a
// published tender or budget line exactly.
import { describe, expect, it } from "vitest";
import { roughly } from "../../src/lib/server/posts.ts";

describe("roughly", () => {
  it.each([
    [123_456, 120_000],
    [125_000, 130_000],
    [9_449, 9_400],
    [9_450, 9_500],
    [18_250, 18_000],
    [99, 99],
    [7, 7],
    [999_999, 1_000_000],
  ])("%d is shown as %d", (amount, shown) => {
    expect(roughly(amount)).toBe(shown);
  });
});
