// The sentence a privacy finding quotes (sentenceAround): the author and the DPO see the finding inside this
// quote, marked, and nowhere else, so a quote that misses the finding or shows the wrong sentence hides it
// (issue 10 §7, from the mutants `npm run mutate` left alive; tests/unit/writing.test.ts has the first cases).
// Survivors judged equivalent:
// - `before >= 0` → `true` / `before > 0` when finding the line start: lastIndexOf's -1 plus one is the same
//   start, and a line break left at the start of the quote is trimmed;
// - `Math.min(text.length, …)` → `Math.max` for the reach after the finding: a longer look only costs time
//   (the quote is the same 120-character window), and the scan's linear time is not checked under mutation;
// - `[.!?…]+` → `[.!?…]` in the sentence-end pattern: a run of marks is then found from its last mark, the
//   same end (it differs only for "B... " after a single letter); `\s+` → `\s`: the next sentence starts at a
//   space, which is trimmed;
// - the abbreviation look-back: its 8-character bound (`Math.max` → `Math.min`; every abbreviation is
//   shorter), `?.[1]?.` (the group always matches when the pattern does), the `?? ""` fallback and the
//   removal of a final "." (the word before a sentence end never ends with "." — that "." would be the end);
// - in the window of a long sentence, `^\S*\s` → `\S*\s`: the first match is at the start whenever there is
//   a space.
import { describe, expect, it } from "vitest";
import { scanText, sentenceAround } from "../../src/lib/server/privacy.ts";

const at = (text: string, match: string) => {
  const start = text.indexOf(match);
  expect(start).toBeGreaterThanOrEqual(0);
  return sentenceAround(text, start, start + match.length);
};

const PHONE = "0470 12 34 56";

describe("the sentence a finding quotes", () => {
  it("starts at the finding when the finding opens the sentence", () => {
    expect(at(`We called the ward. ${PHONE} answered at night. Then nothing.`, PHONE)).toBe(`${PHONE} answered at night.`);
  });

  it("is on the finding's own line, whatever sentences the lines before and after hold", () => {
    const text = `Intro. More here.\nWe tried. Call ${PHONE} now. Then left.\nLast. Line.`;
    expect(at(text, PHONE)).toBe(`Call ${PHONE} now.`);
  });

  it("leaves out the indentation of its line", () => {
    expect(at(`Intro\n    Call ${PHONE} now\nnext`, PHONE)).toBe(`Call ${PHONE} now`);
  });

  it("ends at a question or exclamation mark even after a single letter (only a full stop makes an initial)", () => {
    expect(at(`Was it plan B? Call ${PHONE} now. Done.`, PHONE)).toBe(`Call ${PHONE} now.`);
    expect(at(`We chose plan B! Call ${PHONE} now. Done.`, PHONE)).toBe(`Call ${PHONE} now.`);
  });

  it("holds the whole finding when the finding contains a full stop and a space", () => {
    // 85073003328 has valid check digits; written "85.07.30. 033.28", its own ". " is no sentence end.
    const [finding] = scanText("body_md", "It was typed. Her number is 85.07.30. 033.28 in the file. Next.");
    expect(finding?.kind).toBe("national_number");
    expect(finding?.match).toBe("85.07.30. 033.28");
    expect(finding?.sentence).toBe("Her number is 85.07.30. 033.28 in the file.");
  });

  it("is quoted whole up to 300 characters, even far into the text and with the finding at its end", () => {
    const sentence = `${"We tried many things on the ward ".repeat(5)}and then called ${PHONE}.`;
    const text = `${"An opening sentence. ".repeat(20)}${sentence} Then we stopped.`;
    expect(at(text, PHONE)).toBe(sentence);

    const filler = (length: number) => `${"word ".repeat(Math.ceil(length / 5))}`.slice(0, length).trimEnd();
    const head = `Call ${PHONE} `;
    const exact = `${head}${filler(300 - head.length - 1).padEnd(300 - head.length - 1, "x")}.`;
    expect(exact).toHaveLength(300);
    expect(at(`First. ${exact} Last.`, PHONE)).toBe(exact);
    const longer = `${exact.slice(0, -1)}x.`;
    expect(at(`First. ${longer} Last.`, PHONE)).toMatch(new RegExp(`^Call ${PHONE} word .*…$`));
  });
});

describe("the window quoted from a very long sentence", () => {
  // Words that are each unique, so a cut half word is recognisable.
  const words = (count: number, prefix: string) => Array.from({ length: count }, (_, i) => `${prefix}${i}`).join(" ");
  const tokens = (quote: string) =>
    quote
      .replace(/^…|…$/g, "")
      .split(" ")
      .filter((w) => w !== "");

  it("shows whole words on both sides of the finding, about 120 characters each, with ellipses at the cuts", () => {
    const text = `Start ${words(60, "alpha")} call ${PHONE} ${words(60, "beta")} end.`;
    const start = text.indexOf(PHONE);
    // The window's ends fall inside words, which must then be left out rather than shown in half.
    expect(text.slice(start - 121, start - 119)).toMatch(/^\S\S$/);
    expect(text.slice(start + PHONE.length + 119, start + PHONE.length + 121)).toMatch(/^\S\S$/);
    const quote = at(text, PHONE);
    expect(quote.startsWith("…") && quote.endsWith("…")).toBe(true);
    const [before, after] = quote.slice(1, -1).split(PHONE) as [string, string];
    expect(before.length).toBeGreaterThan(110);
    expect(before.length).toBeLessThanOrEqual(120);
    expect(after.length).toBeGreaterThan(110);
    expect(after.length).toBeLessThanOrEqual(120);
    const whole = new Set(text.split(" "));
    for (const word of tokens(quote)) expect(whole, word).toContain(word);
  });

  it("starts with the sentence, without an ellipsis, when the finding is near its start", () => {
    const quote = at(`Intro. Call ${PHONE} about ${words(80, "beta")} end.`, PHONE);
    expect(quote).toMatch(new RegExp(`^Call ${PHONE} about beta0 beta1 .*[^.]…$`));
    // An indented line loses its indentation here too.
    expect(at(`Intro\n   Call ${PHONE} about ${words(80, "beta")} end.`, PHONE)).toMatch(new RegExp(`^Call ${PHONE} about beta0 .*…$`));
  });

  it("ends with the sentence, without an ellipsis, when the finding is near its end", () => {
    const quote = at(`Intro. ${words(80, "alpha")} call ${PHONE} at the end. Next one.`, PHONE);
    expect(quote).toMatch(new RegExp(`^…[^…]* alpha79 call ${PHONE} at the end\\.$`));
  });

  it("still shows the finding when it is glued to long runs without spaces (a bug fixed: the quote lost it)", () => {
    const text = `See ${words(60, "alpha")} https://example.org/${"y".repeat(150)}?c=jan@example.org&ref=${"z".repeat(150)} ${words(60, "beta")} end.`;
    const [finding] = scanText("body_md", text);
    expect(finding?.match).toBe("jan@example.org");
    expect(finding?.sentence).toContain("jan@example.org");
    expect(finding?.sentence).toMatch(/^…y+\?c=jan@example\.org&ref=z+…$/);
  });
});
