import { parseHTML } from "linkedom";
import { describe, expect, it } from "vitest";
import { approxTextWidth, groupedBarChart, horizontalBarChart, wrapLabel } from "../../src/lib/server/charts.ts";

const REASONS = [
  { label: "Integration or scalability", value: 0.38 },
  { label: "Budget or return on investment", value: 0.31 },
  { label: "Data quality", value: 0.27 },
  { label: "Regulatory", value: 0.09 },
  { label: "Other", value: 0 },
];

// Parses the markup the way a browser would when it is inlined in a page.
function parse(markup: string) {
  const { document } = parseHTML(`<!doctype html><html><body>${markup}</body></html>`);
  const svgs = document.querySelectorAll("svg");
  return { document, svgs, svg: svgs[0]! };
}

function texts(svg: Element): string[] {
  return [...svg.querySelectorAll("text")].map((text) => text.textContent ?? "");
}

// The accessible name and description must resolve to elements inside the SVG.
function expectAccessible(markup: string, title: string) {
  expect(markup.startsWith("<svg ")).toBe(true);
  expect(markup.endsWith("</svg>")).toBe(true);
  const { svgs, svg } = parse(markup);
  expect(svgs).toHaveLength(1);
  expect(svg.getAttribute("role")).toBe("img");
  const titleId = svg.getAttribute("aria-labelledby")!;
  const descId = svg.getAttribute("aria-describedby")!;
  expect(titleId).toMatch(/^[a-z][a-z0-9-]*$/);
  expect(descId).toMatch(/^[a-z][a-z0-9-]*$/);
  const titleElement = svg.querySelector(`#${titleId}`)!;
  expect(titleElement.tagName.toLowerCase()).toBe("title");
  expect(titleElement.textContent).toBe(title);
  // The title comes first, as screen readers expect.
  expect(svg.firstElementChild).toBe(titleElement);
  expect(svg.querySelector(`#${descId}`)!.tagName.toLowerCase()).toBe("desc");
  // The CSP allows styles from files only: no <style> element, no style attribute.
  expect(svg.querySelectorAll("style, [style]")).toHaveLength(0);
  return svg;
}

describe("horizontalBarChart", () => {
  const markup = horizontalBarChart({ data: REASONS, title: "Why applications are refused", valueLabel: "Share of rejected applications", percent: true });

  it("is a single accessible <svg> with a title and a description of the data", () => {
    const svg = expectAccessible(markup, "Why applications are refused");
    const desc = svg.querySelector("desc")!.textContent!;
    for (const { label } of REASONS) expect(desc).toContain(label);
    expect(desc).toContain("Integration or scalability 38%");
    expect(svg.getAttribute("xmlns")).toBe("http://www.w3.org/2000/svg");
  });

  it("draws one bar per row, in the order given, with widths proportional to the values", () => {
    const { svg } = parse(markup);
    const rects = [...svg.querySelectorAll("rect")];
    expect(rects).toHaveLength(REASONS.length);
    const ys = rects.map((rect) => Number(rect.getAttribute("y")));
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
    const widths = rects.map((rect) => Number(rect.getAttribute("width")));
    for (let i = 0; i < REASONS.length; i++) expect(widths[i]! / widths[0]!).toBeCloseTo(REASONS[i]!.value / REASONS[0]!.value, 6);
    for (const rect of rects) expect(rect.closest("g")!.getAttribute("fill")).toBe("#1f4e5f");
  });

  it("writes every label and every value label", () => {
    const { svg } = parse(markup);
    const all = texts(svg);
    for (const { label } of REASONS) expect(all).toContain(label);
    for (const value of ["38%", "31%", "27%", "9%", "0%"]) expect(all).toContain(value);
    expect(all).toContain("Share of rejected applications");
  });

  it("writes counts as whole numbers, and tiny shares as <1%", () => {
    const counts = parse(
      horizontalBarChart({
        data: [
          { label: "A", value: 12 },
          { label: "B", value: 3 },
        ],
        title: "Counts",
        valueLabel: "Applications",
      }),
    );
    expect(texts(counts.svg)).toEqual(expect.arrayContaining(["12", "3"]));
    const tiny = parse(horizontalBarChart({ data: [{ label: "A", value: 0.001 }], title: "Tiny", valueLabel: "Share", percent: true }));
    expect(texts(tiny.svg)).toContain("<1%");
    const custom = parse(
      horizontalBarChart({ data: [{ label: "A", value: 0.5 }], title: "Custom", valueLabel: "Part", percent: true, formatValue: (v) => `${v * 100} %` }),
    );
    expect(texts(custom.svg)).toContain("50 %");
  });

  it("makes room on the left for the longest label (estimated, as linkedom cannot measure text)", () => {
    for (const width of [320, 640, 960]) {
      const { svg } = parse(horizontalBarChart({ data: REASONS, title: "Margins", valueLabel: "Share", percent: true, width }));
      const barsStart = Number(svg.querySelector("rect")!.getAttribute("x"));
      // Labels end 8px left of the bars; a label fits when its estimated width fits before that.
      for (const { label } of REASONS) {
        const lines = wrapLabel(label, barsStart - 8);
        for (const line of lines) expect(approxTextWidth(line)).toBeLessThanOrEqual(barsStart - 8);
      }
      expect(barsStart - 8).toBeGreaterThanOrEqual(Math.min(approxTextWidth("Budget or return on investment"), width * 0.45));
      if (width >= 640) expect(texts(svg)).toContain("Budget or return on investment");
    }
  });

  it("wraps a label too long for the label column onto several lines, keeping every word", () => {
    const label = "Fonds Wetenschappelijk Onderzoek Vlaanderen – Strategisch Basisonderzoek voor toegepaste artificiële intelligentie";
    const { svg } = parse(horizontalBarChart({ data: [{ label, value: 2 }], title: "Long", valueLabel: "Applications" }));
    const text = [...svg.querySelectorAll("text")].find((t) => t.textContent!.startsWith("Fonds"))!;
    const lines = [...text.querySelectorAll("tspan")].map((tspan) => tspan.textContent);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join(" ")).toBe(label);
    const column = Number(svg.querySelector("rect")!.getAttribute("x")) - 8;
    for (const line of lines) expect(approxTextWidth(line!)).toBeLessThanOrEqual(column);
  });

  it("escapes labels and titles, so markup in them never becomes elements", () => {
    const markup = horizontalBarChart({
      data: [
        { label: "<script>alert(1)</script>", value: 1 },
        { label: 'A & B "quoted" <img src=x onerror=alert(2)>', value: 2 },
      ],
      title: "<script>alert(3)</script> & title",
      valueLabel: "<b>count</b>",
    });
    expect(markup).not.toMatch(/<script/i);
    expect(markup).not.toMatch(/<img/i);
    expect(markup).not.toMatch(/<b>/i);
    expect(markup).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(markup).toContain("A &amp; B");
    const { svg } = parse(markup);
    expect(svg.querySelectorAll("script, img, b")).toHaveLength(0);
    expect(texts(svg)).toContain("<script>alert(1)</script>");
    expect(svg.querySelector("title")!.textContent).toBe("<script>alert(3)</script> & title");
  });

  it("is the same markup for the same input, with ids derived from the title", () => {
    const again = horizontalBarChart({ data: REASONS, title: "Why applications are refused", valueLabel: "Share of rejected applications", percent: true });
    expect(again).toBe(markup);
    const { svg } = parse(markup);
    expect(svg.getAttribute("aria-labelledby")).toMatch(/^chart-why-applications-are-refused-[a-z0-9]+-title$/);
    const other = parse(horizontalBarChart({ data: REASONS, title: "Another chart", valueLabel: "Share", percent: true })).svg;
    expect(other.getAttribute("aria-labelledby")).not.toBe(svg.getAttribute("aria-labelledby"));
    const named = parse(horizontalBarChart({ data: REASONS, title: "Why applications are refused", valueLabel: "Share", id: "reasons 2024" })).svg;
    expect(named.getAttribute("aria-labelledby")).toBe("reasons-2024-title");
    const numeric = parse(horizontalBarChart({ data: REASONS, title: "2024", valueLabel: "Share", id: "2024" })).svg;
    expect(numeric.getAttribute("aria-labelledby")).toMatch(/^chart-2024-[a-z0-9]+-title$/);
  });

  it("keeps two rows with the same label as two bars, and draws bad values as 0", () => {
    const { svg } = parse(
      horizontalBarChart({
        data: [
          { label: "Same", value: 2 },
          { label: "Same", value: 1 },
          { label: "Negative", value: -3 },
          { label: "NaN", value: Number.NaN },
        ],
        title: "Odd data",
        valueLabel: "Count",
      }),
    );
    const rects = [...svg.querySelectorAll("rect")];
    expect(rects).toHaveLength(4);
    expect(rects.slice(2).map((rect) => Number(rect.getAttribute("width")))).toEqual([0, 0]);
  });

  it("is a small accessible SVG saying there is no data when there are no rows", () => {
    const empty = horizontalBarChart({ data: [], title: "Why applications are refused", valueLabel: "Share", emptyText: "Pas de données" });
    const svg = expectAccessible(empty, "Why applications are refused");
    expect(svg.querySelectorAll("rect")).toHaveLength(0);
    expect(texts(svg)).toEqual(["Pas de données"]);
    expect(Number(svg.getAttribute("height"))).toBeLessThanOrEqual(100);
    expect(texts(parse(horizontalBarChart({ data: [], title: "T", valueLabel: "V" })).svg)).toEqual(["No data"]);
  });
});

describe("groupedBarChart", () => {
  const groups = [
    {
      label: "2023",
      data: [
        { label: "Data quality", value: 7 },
        { label: "Integration or scalability", value: 4 },
        { label: "Regulatory", value: 1 },
      ],
    },
    { label: "2024", data: [{ label: "Budget or return on investment", value: 2 }] },
    { label: "2025", data: [] },
  ];
  const markup = groupedBarChart({ groups, title: "Rejection reasons per year", valueLabel: "Rejected applications" });

  it("is a single accessible <svg> whose description gives each group's bars", () => {
    const svg = expectAccessible(markup, "Rejection reasons per year");
    expect(svg.querySelector("desc")!.textContent).toBe(
      "Rejected applications. 2023: Data quality 7; Integration or scalability 4; Regulatory 1. 2024: Budget or return on investment 2.",
    );
  });

  it("draws one bar per row of every group, under bold group headings, and leaves out empty groups", () => {
    const { svg } = parse(markup);
    expect(svg.querySelectorAll("rect")).toHaveLength(4);
    const all = texts(svg);
    for (const label of ["2023", "2024", "Data quality", "Integration or scalability", "Regulatory", "Budget or return on investment", "7", "4", "1", "2"]) {
      expect(all).toContain(label);
    }
    expect(all).not.toContain("2025");
    const heading = [...svg.querySelectorAll("text")].find((t) => t.textContent === "2024")!;
    expect(heading.closest("g")!.getAttribute("font-weight")).toBe("bold");
    // Bars of 2023 come before the heading of 2024, which comes before its bar.
    const ys = [...svg.querySelectorAll("rect")].map((rect) => Number(rect.getAttribute("y")));
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
  });

  it("shares one value axis across groups", () => {
    const { svg } = parse(markup);
    const widths = [...svg.querySelectorAll("rect")].map((rect) => Number(rect.getAttribute("width")));
    expect(widths[3]! / widths[0]!).toBeCloseTo(2 / 7, 6);
  });

  it("escapes group labels, is deterministic, and has an empty state", () => {
    const hostile = groupedBarChart({ groups: [{ label: "<script>x()</script>", data: [{ label: "a", value: 1 }] }], title: "G", valueLabel: "V" });
    expect(hostile).not.toMatch(/<script/i);
    expect(hostile).toContain("&lt;script&gt;x()&lt;/script&gt;");
    expect(groupedBarChart({ groups, title: "Rejection reasons per year", valueLabel: "Rejected applications" })).toBe(markup);
    const empty = groupedBarChart({ groups: [{ label: "2025", data: [] }], title: "Nothing yet", valueLabel: "V" });
    const svg = expectAccessible(empty, "Nothing yet");
    expect(texts(svg)).toEqual(["No data"]);
  });
});

describe("wrapLabel", () => {
  it("keeps short labels on one line and breaks long ones at spaces, or inside a word only when it must", () => {
    expect(wrapLabel("Data quality", 200)).toEqual(["Data quality"]);
    const lines = wrapLabel("Budget or return on investment", 100);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join(" ")).toBe("Budget or return on investment");
    for (const line of lines) expect(approxTextWidth(line)).toBeLessThanOrEqual(100);
    const word = "Gezondheidszorginnovatieprogramma";
    const broken = wrapLabel(word, 60);
    expect(broken.join("")).toBe(word);
    for (const line of broken) expect(approxTextWidth(line)).toBeLessThanOrEqual(60);
    expect(wrapLabel("", 100)).toEqual([""]);
  });
});

describe("ARIA inside the chart (issue 11 §18, axe aria-prohibited-attr)", () => {
  it.each([
    ["bars", () => horizontalBarChart({ title: "Reasons", valueLabel: "Share", percent: true, data: REASONS })],
    ["groups", () => groupedBarChart({ title: "Per year", valueLabel: "Refusals", groups: [{ label: "2024", data: [{ label: "Data quality", value: 3 }] }] })],
  ])('%s: only the root <svg> carries aria-* attributes (Plot\'s aria-label="rect" and the like are gone)', (_name, draw) => {
    const markup = draw();
    expect(markup).not.toMatch(/aria-label="/);
    const { svg } = parse(markup);
    const inner = [...svg.querySelectorAll("*")].flatMap((element) => element.getAttributeNames().filter((name: string) => name.startsWith("aria-")));
    expect(inner).toEqual([]);
    expect(
      svg
        .getAttributeNames()
        .filter((name: string) => name.startsWith("aria-"))
        .sort(),
    ).toEqual(["aria-describedby", "aria-labelledby"]);
  });
});
