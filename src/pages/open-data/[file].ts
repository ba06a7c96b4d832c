// Open data: CSV, JSON and 360Giving exports of public calls and decisions (anonymity
// respected), filterable by ?call= and ?funder=; the outcomes of case studies by governance and
// data fact (issue 17 §4), filterable by ?care_setting= and ?ai_type=; plus the CSV import template.
import type { APIRoute } from "astro";
import { getConfig } from "../../lib/server/config.ts";
import { decisionsCsvTemplate } from "../../lib/server/fundingcsv.ts";
import { listPublicCalls, loadInsightData, loadPublicDecisions } from "../../lib/server/funding.ts";
import { filterCases, outcomesByFacts } from "../../lib/server/insights.ts";
import {
  callsToCsv,
  callsToJson,
  decisionsTo360Giving,
  decisionsToCsv,
  decisionsToJson,
  openDataHeaders,
  outcomesHeaders,
  outcomesToCsv,
  outcomesToJson,
  readOpenDataFilter,
  readOutcomesFilter,
  selectCalls,
  selectDecisions,
  type OpenDataFile,
} from "../../lib/server/opendata.ts";

const FILES = new Set<OpenDataFile>(["decisions.csv", "decisions.json", "calls.csv", "calls.json", "360giving.json"]);

export const GET: APIRoute = async ({ params, url }) => {
  const file = params.file ?? "";
  if (file === "decisions-template.csv") {
    return new Response(decisionsCsvTemplate(), {
      headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": 'attachment; filename="casebook-decisions-template.csv"' },
    });
  }
  if (file === "outcomes.csv" || file === "outcomes.json") {
    const chosen = readOutcomesFilter(url.searchParams);
    if (!chosen.ok)
      return new Response(JSON.stringify({ error: chosen.message }), { status: 400, headers: { "content-type": "application/json; charset=utf-8" } });
    const meta = { publicUrl: getConfig().publicUrl, generatedAt: new Date(), filter: chosen.filter };
    const comparisons = outcomesByFacts(filterCases((await loadInsightData()).cases, chosen.filter));
    const body =
      file === "outcomes.csv" ? outcomesToCsv(comparisons, meta) : JSON.stringify(outcomesToJson(comparisons, comparisons[0]!.overall, meta), null, 2);
    return new Response(body, { headers: { ...outcomesHeaders(file, meta), "cache-control": "public, max-age=60" } });
  }
  if (!FILES.has(file as OpenDataFile)) return new Response("Not found", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
  const parsed = readOpenDataFilter(url.searchParams);
  if (!parsed.ok)
    return new Response(JSON.stringify({ error: parsed.message }), { status: 400, headers: { "content-type": "application/json; charset=utf-8" } });
  const meta = { publicUrl: getConfig().publicUrl, generatedAt: new Date(), filter: parsed.filter };
  const name = file as OpenDataFile;
  let body: string;
  if (name.startsWith("calls")) {
    const calls = selectCalls(
      (await listPublicCalls()).map((c) => ({
        slug: c.slug,
        title: c.title,
        programme: c.programme,
        description: c.description,
        budget: c.budget,
        currency: c.currency,
        opensOn: c.opensOn,
        closesOn: c.closesOn,
        url: c.url,
        funder: { slug: c.funder.slug, name: c.funder.name },
      })),
      parsed.filter,
    );
    body = name === "calls.csv" ? callsToCsv(calls, meta) : JSON.stringify(callsToJson(calls, meta), null, 2);
  } else {
    const decisions = selectDecisions(await loadPublicDecisions(), parsed.filter);
    body =
      name === "decisions.csv"
        ? decisionsToCsv(decisions, meta)
        : name === "decisions.json"
          ? JSON.stringify(decisionsToJson(decisions, meta), null, 2)
          : JSON.stringify(decisionsTo360Giving(decisions, meta), null, 2);
  }
  return new Response(body, { headers: { ...openDataHeaders(name, meta), "cache-control": "public, max-age=60" } });
};
