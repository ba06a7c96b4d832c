// Server-rendered SVG charts for the insights page: Observable Plot drawing into a linkedom
// document, serialised to a string the page inlines, so charts need no client JavaScript.
// linkedom cannot measure text, so every margin and label width here is an estimate from
// character counts (approxTextWidth), erring on the wide side so that labels are not cut.
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import { slugifyText } from "./ids.ts";

/** The one brand colour of the bars; about 9:1 against white, so it also reads in greyscale. */
export const CHART_COLOR = "#1f4e5f";

const SVG_NS = "http://www.w3.org/2000/svg";
const FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const FONT_SIZE = 13;
const LINE_HEIGHT = 16;
const MIN_ROW_HEIGHT = 28;
const BAR_THICKNESS = 20;
const GROUP_GAP = 12;
const LABEL_GAP = 8;
const VALUE_GAP = 6;
const MARGIN_TOP = 8;
const MARGIN_BOTTOM = 44;
const DEFAULT_WIDTH = 640;
const MIN_WIDTH = 320;
// Row labels may take this share of the width; longer ones wrap onto several lines.
const MAX_LABEL_SHARE = 0.45;

let sharedDocument: Document | undefined;

/**
 * One horizontal bar per row, in the order given, with its value written at the bar's end
 * and the label on the left. `percent` means values are shares (0.42 shows as "42%") on a
 * 0–100% axis; otherwise values are counts on an axis from 0. Negative or non-finite values
 * draw as 0. Returns the `<svg>` markup, or a small "no data" SVG when `data` is empty.
 */
export function horizontalBarChart(options: BarChartOptions): string {
  const rows: Row[] = options.data.map((datum) => ({ kind: "bar", label: datum.label, value: datum.value }));
  return renderChart("bar", rows, options);
}

/**
 * Grouped bars, e.g. rejection reasons per year or per funder: each group is a bold heading
 * followed by its own horizontal bars, all on one shared value axis. Chosen over stacked
 * bars because a dozen reasons would need a dozen colours and a legend, which is hard to
 * tell apart (and useless to colour-blind readers); here every bar is labelled in words and
 * one colour suffices. Groups without bars are left out.
 */
export function groupedBarChart(options: GroupedBarChartOptions): string {
  const rows: Row[] = [];
  for (const group of options.groups) {
    if (group.data.length === 0) continue;
    rows.push({ kind: "heading", label: group.label, value: 0 });
    for (const datum of group.data) rows.push({ kind: "bar", label: datum.label, value: datum.value });
  }
  return renderChart("grouped", rows, options);
}

/** Estimated rendered width in pixels of a string in the chart font (system-ui); deliberately generous. */
export function approxTextWidth(text: string, fontSize = FONT_SIZE): number {
  let ems = 0;
  for (const char of text) ems += charWidth(char);
  // A margin on top of the per-character widths: wide fallback fonts (DejaVu Sans on Linux) come close to them.
  return ems * fontSize * 1.06;
}

/** Splits a label into lines no wider than `maxWidth` pixels (by approxTextWidth), at spaces where it can. */
export function wrapLabel(text: string, maxWidth: number, fontSize = FONT_SIZE): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (approxTextWidth(candidate, fontSize) <= maxWidth) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    // A single word wider than the line (a long compound, a URL) is broken between characters.
    line = "";
    for (const char of word) {
      if (line && approxTextWidth(line + char, fontSize) > maxWidth) {
        lines.push(line);
        line = "";
      }
      line += char;
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

function renderChart(kind: string, rows: Row[], options: ChartCommonOptions): string {
  const document = getDocument();
  const width = Math.max(MIN_WIDTH, Math.round(options.width ?? DEFAULT_WIDTH));
  const percent = options.percent ?? false;
  const format = options.formatValue ?? (percent ? formatPercent : formatCount);
  const ids = chartIds(kind, options);
  const emptyText = options.emptyText ?? "No data";
  const bars = rows.filter((row) => row.kind === "bar");
  if (bars.length === 0) return renderEmpty(document, width, ids, options.title, emptyText);

  // Each row gets its own height, so one long wrapped label does not stretch every row;
  // positions are in pixels and go through an identity y scale.
  const clean = (value: number) => (Number.isFinite(value) ? Math.max(0, value) : 0);
  const longestLabel = Math.max(...bars.map((row) => approxTextWidth(row.label)));
  const labelWidth = Math.min(Math.ceil(longestLabel), Math.floor(width * MAX_LABEL_SHARE));
  const marginLeft = labelWidth + LABEL_GAP + 4;
  const longestValue = Math.max(...bars.map((row) => approxTextWidth(format(clean(row.value)))));
  const marginRight = Math.ceil(longestValue) + VALUE_GAP + 8;

  const barItems: BarItem[] = [];
  const headingItems: HeadingItem[] = [];
  let cursor = MARGIN_TOP;
  for (const row of rows) {
    if (row.kind === "heading") {
      const lines = wrapLabel(row.label, width - 8);
      if (cursor > MARGIN_TOP) cursor += GROUP_GAP;
      cursor += lines.length * LINE_HEIGHT + 4;
      // The heading's last line sits just above the bars it heads.
      headingItems.push({ y: cursor - 4, text: lines.join("\n") });
    } else {
      const lines = wrapLabel(row.label, labelWidth);
      const rowHeight = Math.max(MIN_ROW_HEIGHT, lines.length * LINE_HEIGHT + 10);
      const middle = cursor + rowHeight / 2;
      const value = clean(row.value);
      barItems.push({ y: middle, y1: middle - BAR_THICKNESS / 2, y2: middle + BAR_THICKNESS / 2, value, label: lines.join("\n"), text: format(value) });
      cursor += rowHeight;
    }
  }
  const height = Math.ceil(cursor) + MARGIN_BOTTOM;

  const domainMax = Math.max(1, ...barItems.map((item) => item.value));
  // About one tick per 55px so tick labels never collide on narrow charts; counts get
  // whole-number ticks only, so at most one tick per unit.
  const tickRoom = Math.max(1, Math.min(5, Math.floor((width - marginLeft - marginRight) / 55)));
  const ticks = percent ? tickRoom : Math.max(1, Math.min(tickRoom, Math.floor(domainMax)));

  const svg = Plot.plot({
    document,
    width,
    height,
    marginTop: MARGIN_TOP,
    marginBottom: MARGIN_BOTTOM,
    marginLeft,
    marginRight,
    x: {
      domain: [0, domainMax],
      nice: !percent,
      grid: true,
      ticks,
      tickFormat: (value: number) => (percent || Number.isInteger(value) ? format(value) : ""),
      label: options.valueLabel,
      labelAnchor: "right",
      labelArrow: "none",
    },
    y: { type: "identity", axis: null },
    marks: [
      Plot.rect(barItems, { x1: 0, x2: "value", y1: "y1", y2: "y2", fill: CHART_COLOR }),
      Plot.text(barItems, {
        y: "y",
        text: "label",
        frameAnchor: "left",
        textAnchor: "end",
        lineAnchor: "middle",
        lineHeight: LINE_HEIGHT / FONT_SIZE,
        dx: -LABEL_GAP,
        fontSize: FONT_SIZE,
        fill: "currentColor",
      }),
      Plot.text(headingItems, {
        y: "y",
        text: "text",
        frameAnchor: "left",
        textAnchor: "start",
        lineAnchor: "bottom",
        lineHeight: LINE_HEIGHT / FONT_SIZE,
        dx: 4 - marginLeft,
        fontSize: FONT_SIZE,
        fontWeight: "bold",
        fill: "currentColor",
      }),
      Plot.text(barItems, {
        x: "value",
        y: "y",
        text: "text",
        textAnchor: "start",
        lineAnchor: "middle",
        dx: VALUE_GAP,
        fontSize: FONT_SIZE,
        fill: "currentColor",
      }),
    ],
  });

  // The CSP allows no inline styles: Plot's <style> element and style attributes go, and
  // global.css (.chart-svg) carries the few rules they held.
  for (const element of [svg, ...svg.querySelectorAll("[style], style")]) {
    if (element.tagName.toLowerCase() === "style") element.remove();
    else element.removeAttribute("style");
  }
  // Plot names its mark groups (aria-label="rect", "x-axis tick"…); inside role="img" those
  // names are prohibited (axe aria-prohibited-attr) and say nothing: the <desc> carries the data.
  for (const element of [svg, ...svg.querySelectorAll("*")]) {
    for (const name of element.getAttributeNames()) if (name.startsWith("aria-")) element.removeAttribute(name);
  }
  svg.setAttribute("class", "chart-svg");
  // Axis tick labels inherit the root font size; Plot's default of 10px is too small to read.
  svg.setAttribute("font-size", String(FONT_SIZE));
  svg.setAttribute("font-family", FONT_FAMILY);
  const description = options.description ?? describe(rows, format, options.valueLabel);
  labelSvg(document, svg, ids, options.title, description);
  return svg.outerHTML;
}

// The accessible name and description: role="img" hides the marks from assistive
// technology, so the <desc> carries the data in words.
function labelSvg(document: Document, svg: Element, ids: ChartIds, title: string, description: string): void {
  // xmlns keeps the markup a valid standalone .svg file as well as inline HTML.
  svg.setAttribute("xmlns", SVG_NS);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-labelledby", ids.title);
  svg.setAttribute("aria-describedby", ids.desc);
  const titleElement = document.createElementNS(SVG_NS, "title");
  titleElement.setAttribute("id", ids.title);
  titleElement.textContent = title;
  const descElement = document.createElementNS(SVG_NS, "desc");
  descElement.setAttribute("id", ids.desc);
  descElement.textContent = description;
  // The title must be the first child for some screen readers to pick it up.
  svg.insertBefore(descElement, svg.firstChild);
  svg.insertBefore(titleElement, descElement);
}

function renderEmpty(document: Document, width: number, ids: ChartIds, title: string, emptyText: string): string {
  const height = 80;
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("font-family", FONT_FAMILY);
  svg.setAttribute("font-size", String(FONT_SIZE));
  svg.setAttribute("fill", "currentColor");
  svg.setAttribute("class", "chart-svg");
  const text = document.createElementNS(SVG_NS, "text");
  text.setAttribute("x", String(width / 2));
  text.setAttribute("y", String(height / 2));
  text.setAttribute("text-anchor", "middle");
  text.setAttribute("dominant-baseline", "middle");
  text.textContent = emptyText;
  svg.appendChild(text);
  labelSvg(document, svg, ids, title, emptyText);
  return svg.outerHTML;
}

function describe(rows: readonly Row[], format: (value: number) => string, valueLabel: string): string {
  const parts: string[] = [];
  let current: string[] = [];
  let heading: string | null = null;
  const flush = () => {
    if (current.length > 0) parts.push(heading === null ? current.join("; ") : `${heading}: ${current.join("; ")}`);
    current = [];
  };
  for (const row of rows) {
    if (row.kind === "heading") {
      flush();
      heading = row.label;
    } else {
      current.push(`${row.label} ${format(Number.isFinite(row.value) ? Math.max(0, row.value) : 0)}`);
    }
  }
  flush();
  return `${valueLabel}. ${parts.join(". ")}.`;
}

// Ids derived from the title (not random), so the same chart renders the same markup; the
// hash keeps titles apart whose slugs coincide (say, in a non-Latin script).
function chartIds(kind: string, options: ChartCommonOptions): ChartIds {
  const given = options.id ? slugifyText(options.id, 40) : "";
  // A given id is used as is when it starts with a letter (so `#id` selectors work too).
  const base = /^[a-z]/.test(given) ? given : `chart-${given || slugifyText(options.title, 40) || kind}-${hash(`${kind}\u0000${options.id ?? options.title}`)}`;
  return { title: `${base}-title`, desc: `${base}-desc` };
}

// FNV-1a, 32 bits, in base 36: short and stable, not for security.
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

function formatPercent(value: number): string {
  if (value > 0 && value < 0.005) return "<1%";
  return `${Math.round(value * 100)}%`;
}

function formatCount(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 10) / 10);
}

// Widths in ems, a little above system-ui's real ones, so estimates err on the wide side.
function charWidth(char: string): number {
  const code = char.codePointAt(0) ?? 0;
  if (code >= 0x1f000) return 1.25; // emoji and other pictographs
  if (code >= 0x2e80) return 1.05; // CJK and other full-width scripts
  if (" iljtfrI.,:;'!|()[]`".includes(char)) return 0.36;
  if ("mwMW@%".includes(char)) return 0.95;
  if (char >= "A" && char <= "Z") return 0.74;
  if (char >= "0" && char <= "9") return 0.64;
  return 0.62;
}

function getDocument(): Document {
  // One detached document is enough: Plot only creates elements in it, never attaches them.
  sharedDocument ??= parseHTML("<!doctype html><html><body></body></html>").document;
  return sharedDocument;
}

type Row = { kind: "bar" | "heading"; label: string; value: number };

type BarItem = { y: number; y1: number; y2: number; value: number; label: string; text: string };

type HeadingItem = { y: number; text: string };

type ChartIds = { title: string; desc: string };

/** Options shared by every chart. */
export type ChartCommonOptions = {
  /** Accessible name (the SVG `<title>`); also the source of the element ids. */
  title: string;
  /** What the values are, e.g. "Share of rejected applications"; the value axis label. */
  valueLabel: string;
  /** Values are shares between 0 and 1, shown as percentages. */
  percent?: boolean;
  /** Width in pixels of the viewBox (the SVG scales down to its container); at least 320. */
  width?: number;
  /** Formats values for the bar-end labels, axis and description (to localise numbers). */
  formatValue?: (value: number) => string;
  /** The `<desc>`; by default every label with its value, in order. */
  description?: string;
  /** The text of the empty chart; "No data" by default (pass a translation). */
  emptyText?: string;
  /** Base of the element ids, when two charts on a page share a title. */
  id?: string;
};

/** One bar: its label and value. */
export type BarDatum = { label: string; value: number };

/** Options of horizontalBarChart. */
export type BarChartOptions = ChartCommonOptions & { data: BarDatum[] };

/** One group of a grouped chart: its heading and bars. */
export type BarGroup = { label: string; data: BarDatum[] };

/** Options of groupedBarChart. */
export type GroupedBarChartOptions = ChartCommonOptions & { groups: BarGroup[] };
