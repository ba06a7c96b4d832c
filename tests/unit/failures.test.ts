// What counts as a failure on /failures (issue 11 §23): each tab is one filter set of the
// search API, the reader's filters apply inside it, and a URL that asks for something outside
// the tab says which parameter.
import { describe, expect, it } from "vitest";
import { failuresScope, failuresSearchQuery, parseFailuresParams } from "../../src/lib/server/failures.ts";

const parse = (query: string) => parseFailuresParams(new URLSearchParams(query));

describe("failures tabs", () => {
  it("the default tab is failed or abandoned projects: outcome failure or abandoned, nothing else fixed", () => {
    const parsed = parse("");
    expect(parsed).toMatchObject({ ok: true, tab: "projects" });
    if (!parsed.ok) return;
    expect(failuresSearchQuery(parsed.tab, parsed.query).filters).toEqual({ outcome: ["failure", "abandoned"] });
  });

  it("the reader's outcome narrows the projects tab, and other facets apply on top (AND)", () => {
    const parsed = parse("kind=projects&outcome=abandoned&care_setting=hospital&q=sepsis&page=2");
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const query = failuresSearchQuery(parsed.tab, parsed.query);
    expect(query.filters).toEqual({ outcome: ["abandoned"], care_settings: ["hospital"] });
    expect(query).toMatchObject({ q: "sepsis", page: 2 });
  });

  it("the refused tab is funding applications whose decision is rejected, with the reader's reasons and amount", () => {
    const parsed = parse("kind=refused&reason=eligibility&amount_min=1000");
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const query = failuresSearchQuery(parsed.tab, parsed.query);
    expect(query.filters).toEqual({ kind: ["funding_application"], decision: ["rejected"], rejection_reasons: ["eligibility"] });
    expect(query.amount).toEqual({ min: 1000, max: null });
  });

  it.each([
    ["kind=all", "kind"],
    ["kind=projects&outcome=success", "outcome"],
    ["kind=projects&decision=rejected", "decision"],
    ["kind=projects&reason=eligibility", "reason"],
    ["kind=projects&amount_max=10", "amount_min"],
    ["kind=refused&decision=awarded", "decision"],
    ["kind=refused&outcome=failure", "outcome"],
    ["kind=refused&page=0", "page"],
  ])("%s is refused, naming %s", (query, param) => {
    expect(parse(query)).toMatchObject({ ok: false, param });
  });

  it("each tab's scope keeps its parameter in every link and offers only the facets that apply", () => {
    expect(failuresScope("projects")).toMatchObject({
      path: "/failures",
      params: { kind: "projects" },
      fixed: ["kind", "decision", "rejection_reasons"],
      amount: false,
    });
    expect(failuresScope("refused")).toMatchObject({ path: "/failures", params: { kind: "refused" }, fixed: ["kind", "decision", "outcome"], amount: true });
  });
});
