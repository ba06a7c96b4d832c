import { describe, expect, it } from "vitest";
import { diffContent } from "../../src/lib/server/queues.ts";

// The moderator's revision diff (issue 9 §9, same class): a word diff of two unrelated
// 100 KB bodies took 35 s on the server's thread; past the edit budget the field is shown
// as replaced, while ordinary edits keep their word-level diff.
const words = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(" ");

describe("diffContent", () => {
  it("shows an ordinary edit word by word", () => {
    const before = words(16_000, "w");
    const after = before.replace("w100 ", "changed ");
    const [diff] = diffContent({ body_md: before }, { body_md: after });
    expect(diff?.field).toBe("body_md");
    expect(diff?.parts.filter((p) => p.change !== "same").map((p) => [p.change, p.text])).toEqual([
      ["removed", "w100"],
      ["added", "changed"],
    ]);
  });

  it("shows a wholesale rewrite of a 100 KB body as removed then added, without diffing it word by word", () => {
    const before = words(16_000, "a");
    const after = words(16_000, "b");
    expect(diffContent({ body_md: before }, { body_md: after })).toEqual([
      {
        field: "body_md",
        parts: [
          { text: before, change: "removed" },
          { text: after, change: "added" },
        ],
      },
    ]);
  });

  it("compares list fields as comma-separated text, a missing value as empty, and leaves unchanged fields out", () => {
    expect(
      diffContent(
        { title: "Same title", tags: ["triage", "nlp"], outcome: null, anonymous: false },
        { title: "Same title", tags: ["triage"], outcome: "stopped", anonymous: false },
      ),
    ).toEqual([
      { field: "outcome", parts: [{ text: "stopped", change: "added" }] },
      {
        field: "tags",
        parts: [
          { text: "triage", change: "same" },
          { text: ", nlp", change: "removed" },
        ],
      },
    ]);
    expect(diffContent({ summary: null, decision: undefined }, {})).toEqual([]);
    expect(diffContent({ anonymous: false }, { anonymous: true })).toEqual([
      {
        field: "anonymous",
        parts: [
          { text: "false", change: "removed" },
          { text: "true", change: "added" },
        ],
      },
    ]);
  });

  it("compares a decision date by its day, so a stored date and the form's value of the same day are no change", () => {
    expect(diffContent({ decided_on: "2026-03-31 00:00:00.000Z" }, { decided_on: "2026-03-31" })).toEqual([]);
    expect(diffContent({ decided_on: "2026-03-31 00:00:00.000Z" }, { decided_on: "2026-04-02" })).toEqual([
      {
        field: "decided_on",
        parts: [
          { text: "2026-03-31", change: "removed" },
          { text: "2026-04-02", change: "added" },
        ],
      },
    ]);
  });

  it("shows a long field emptied as one removed part", () => {
    const long = words(16_000, "a");
    expect(diffContent({ lessons_md: long }, { lessons_md: "" })[0]?.parts).toEqual([{ text: long, change: "removed" }]);
  });
});
