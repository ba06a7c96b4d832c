// The Meilisearch adapter: the same SearchEngine contract as the embedded engine, for
// deployments that run a Meilisearch server. Disjunctive facet counts take one multi-search
// (the main query plus one query per filtered facet); every write waits for its task and
// turns a failed task into a thrown Error. Meilisearch does not HTML-escape highlights, so
// it is asked for private-use placeholder tags which are swapped for <mark> after escaping.
// `suggestion` is always null here: Meilisearch has no "did you mean" API, and its typo
// tolerance already finds what a suggestion would have proposed. The query's language
// (language.ts: the page's, or the one the words clearly are in) goes out as `locales`.

import { Meilisearch } from "meilisearch";
import type {
  EnqueuedTask,
  EnqueuedTaskPromise,
  FacetDistribution,
  Hit,
  MatchingStrategies,
  MultiSearchParams,
  MultiSearchQuery,
  SearchParams,
  Settings,
  Task,
} from "meilisearch";
import { FACETS, HIT_FIELDS, STOP_WORDS, assertValidDocuments, emptyFacets, escapeHtml, sortFacetCounts, toHit } from "./engine.ts";
import type { FacetName, SearchDocument, SearchEngine, SearchQuery, SearchResult } from "./engine.ts";
import { meiliSynonyms } from "./glossary.ts";
import { MEILI_LOCALE, queryLanguage } from "./language.ts";

/** Placeholder highlight tags: private-use characters no post text plausibly contains. */
export const HIGHLIGHT_PRE = "\uE000";
/** Closing placeholder highlight tag. */
export const HIGHLIGHT_POST = "\uE001";

/** Crop length in words (~160 characters, like the embedded snippet). */
export const CROP_WORDS = 28;

const LOCALIZED_TEXT_FIELDS = ["title", "tags", "summary", "lessons", "body", "call_title"];

/** The index settings, declared once; ensureIndex() and reindex() apply exactly this. */
export const MEILI_SETTINGS = {
  // Ranked: earlier attributes weigh more (title ≫ tags > … > body), as EMBEDDED_BOOSTS.
  searchableAttributes: ["title", "tags", "organization_name", "funder_name", "call_title", "summary", "lessons", "public_descriptor", "body"],
  filterableAttributes: [...FACETS, "amount_requested"],
  sortableAttributes: ["published_ts"],
  stopWords: [...STOP_WORDS],
  // The multilingual glossary, so "chute" also finds "fall" and "val" (as the embedded engine does).
  synonyms: meiliSynonyms(),
  // Same typo budget as the embedded engine: none up to 3 letters, 1 from 4, 2 from 8.
  typoTolerance: { enabled: true, minWordSizeForTypos: { oneTypo: 4, twoTypos: 8 } },
  // Count order so truncation to maxValuesPerFacet keeps the most frequent values.
  faceting: { maxValuesPerFacet: 100, sortFacetValuesBy: { "*": "count" } },
  // Above the 20,000-document target, so browse-all totals stay exact.
  pagination: { maxTotalHits: 50_000 },
  // Every post is in one of three languages; restricting detection to them avoids
  // misdetected short texts (a Dutch title taken for German, say).
  localizedAttributes: [{ attributePatterns: LOCALIZED_TEXT_FIELDS, locales: ["eng", "fra", "nld"] }],
} satisfies Settings;

// OR within a facet (parenthesised), AND across facets, strings quoted with `"` and `\`
// escaped, years as bare numbers. Null when there is nothing to filter.
/** Meilisearch filter expression for the facet filters. */
export function buildFilterExpression(filters: SearchQuery["filters"], amount?: SearchQuery["amount"]): string | null {
  const groups: string[] = [];
  // The amount range applies to every query of a search, like the text.
  if (amount?.min != null) groups.push(`amount_requested >= ${Math.trunc(amount.min)}`);
  if (amount?.max != null) groups.push(`amount_requested <= ${Math.trunc(amount.max)}`);
  for (const facet of FACETS) {
    const values = filters[facet];
    if (!values || values.length === 0) continue;
    const terms = values.map((value) => `${facet} = ${facet === "year" && /^\d+$/.test(value) ? value : quote(value)}`);
    groups.push(`(${terms.join(" OR ")})`);
  }
  return groups.length > 0 ? groups.join(" AND ") : null;
}

/** Search parameters of the main query (hits, paging, snippets, every facet's distribution). */
export function toMeiliSearchParams(query: SearchQuery, matchingStrategy: MatchingStrategies = "all"): SearchParams {
  const params: SearchParams = {
    q: query.q,
    facets: [...FACETS],
    page: query.page,
    hitsPerPage: query.perPage,
    matchingStrategy,
    attributesToRetrieve: [...HIT_FIELDS],
    attributesToCrop: ["summary", "body"],
    cropLength: CROP_WORDS,
    cropMarker: "…",
    attributesToHighlight: ["summary", "body"],
    highlightPreTag: HIGHLIGHT_PRE,
    highlightPostTag: HIGHLIGHT_POST,
  };
  const filter = buildFilterExpression(query.filters, query.amount);
  if (filter !== null) params.filter = filter;
  const locales = queryLocales(query);
  if (locales) params.locales = locales;
  // Browsing (no text) is newest first, as in the embedded engine.
  if (query.sort === "newest" || query.q.trim() === "") params.sort = ["published_ts:desc"];
  return params;
}

// The main query first, then for each filtered facet a hitless query with every filter
// except that facet's own, whose distribution gives the facet's counts (so choosing
// outcome=failure still shows how many posts have each other outcome).
/** The disjunctive faceting multi-search for a query. */
export function buildFacetQueries(query: SearchQuery, indexUid = "posts", matchingStrategy: MatchingStrategies = "all"): MultiSearchQuery[] {
  const queries: MultiSearchQuery[] = [{ indexUid, ...toMeiliSearchParams(query, matchingStrategy) }];
  for (const facet of filteredFacets(query)) {
    const others: SearchQuery["filters"] = { ...query.filters };
    delete others[facet];
    const filter = buildFilterExpression(others, query.amount);
    queries.push({
      indexUid,
      q: query.q,
      facets: [facet],
      limit: 0,
      matchingStrategy,
      ...(filter === null ? {} : { filter }),
      ...(queryLocales(query) ? { locales: queryLocales(query) } : {}),
    });
  }
  return queries;
}

// Meilisearch analyses the query as written in these languages (same as the embedded
// engine's suggestion language); undefined lets it detect among the index's three.
/** The query `locales` parameter for a query: its language as ISO 639-3, when one is known. */
export function queryLocales(query: Pick<SearchQuery, "q" | "locale">): string[] | undefined {
  if (query.q.trim() === "") return undefined;
  const lang = queryLanguage(query.q, query.locale);
  return lang === null ? undefined : [MEILI_LOCALE[lang]];
}

/** HTML from a Meilisearch-formatted string: escape everything, then placeholders → balanced <mark>. */
export function placeholdersToHtml(formatted: string): string {
  let html = "";
  let open = false;
  for (const part of escapeHtml(formatted).split(/([\uE000\uE001])/)) {
    if (part === HIGHLIGHT_PRE) {
      if (!open) html += "<mark>";
      open = true;
    } else if (part === HIGHLIGHT_POST) {
      if (open) html += "</mark>";
      open = false;
    } else {
      html += part;
    }
  }
  return open ? html + "</mark>" : html;
}

/** Picks the snippet of a hit: the cropped summary or body with more highlights (summary on ties). */
export function snippetFromFormatted(formatted: { summary?: unknown; body?: unknown } | undefined): string {
  const texts = [formatted?.summary, formatted?.body].filter((t): t is string => typeof t === "string");
  let best = texts.find((t) => t.trim() !== "") ?? "";
  let bestMarks = countMarks(best);
  for (const text of texts) {
    const marks = countMarks(text);
    if (marks > bestMarks) {
      best = text;
      bestMarks = marks;
    }
  }
  return placeholdersToHtml(best.trim());
}

/** Creates the Meilisearch-backed engine. */
export function createMeilisearchEngine(options: MeilisearchEngineOptions): MeilisearchEngine {
  const indexUid = options.indexUid ?? "posts";
  const waitOptions = { timeout: options.taskTimeoutMs ?? 120_000, interval: 50 };
  const client = new Meilisearch({ host: options.url, apiKey: options.apiKey, timeout: options.requestTimeoutMs ?? 10_000 });
  const index = client.index<SearchDocument>(indexUid);
  // Reindexes in progress in this process. Writes made meanwhile are journaled and replayed
  // into the staging index after its batches (so they win over older batch copies), then
  // written to both indexes until the swap, so the swap cannot lose them.
  const stagings = new Set<Staging>();

  // Waits for a task and throws with Meilisearch's own error message if it did not succeed.
  async function settle(task: EnqueuedTaskPromise | EnqueuedTask, what: string): Promise<Task> {
    const done = "waitTask" in task ? await task.waitTask(waitOptions) : await client.tasks.waitForTask(task, waitOptions);
    if (done.status !== "succeeded") throw taskError(done, what);
    return done;
  }

  async function createIndexIfMissing(uid: string): Promise<void> {
    const done = await client.createIndex(uid, { primaryKey: "id" }).waitTask(waitOptions);
    if (done.status !== "succeeded" && done.error?.code !== "index_already_exists") {
      throw taskError(done, `creating index ${uid}`);
    }
  }

  async function ensureIndex(): Promise<void> {
    await createIndexIfMissing(indexUid);
    await settle(index.updateSettings(MEILI_SETTINGS), `settings of ${indexUid}`);
  }

  // Sends documents in request-sized chunks; returns the enqueued tasks (not yet awaited).
  async function enqueueDocuments(uid: string, docs: SearchDocument[]): Promise<EnqueuedTask[]> {
    assertValidDocuments(docs);
    if (docs.length === 0) return [];
    const enqueued: EnqueuedTask[] = [];
    for (let i = 0; i < docs.length; i += UPLOAD_CHUNK) {
      // Awaiting the enqueue (not the task) keeps uploads pipelined without leaving a
      // rejected promise unobserved.
      enqueued.push(await client.index<SearchDocument>(uid).addDocuments(docs.slice(i, i + UPLOAD_CHUNK), { primaryKey: "id" }));
    }
    return enqueued;
  }

  async function count(): Promise<number> {
    try {
      return (await index.getStats()).numberOfDocuments;
    } catch (error) {
      if (apiErrorCode(error) === "index_not_found") return 0;
      throw error;
    }
  }

  // Enqueues one write on an index; returns its tasks, not yet awaited.
  async function enqueueWrite(uid: string, op: Write): Promise<EnqueuedTask[]> {
    if ("upsert" in op) return enqueueDocuments(uid, op.upsert);
    return [await client.index(uid).deleteDocuments(op.remove)];
  }

  async function write(op: Write): Promise<void> {
    const tasks = await enqueueWrite(indexUid, op);
    for (const staging of stagings) {
      if (staging.live) tasks.push(...(await enqueueWrite(staging.uid, op)));
      else staging.journal.push(op);
    }
    for (const task of tasks) await settle(task, "upsert" in op ? "adding documents" : "deleting documents");
  }

  async function runSearch(query: SearchQuery, strategy: MatchingStrategies) {
    const params: MultiSearchParams = { queries: buildFacetQueries(query, indexUid, strategy) };
    return (await client.multiSearch<MultiSearchParams, SearchDocument>(params)).results;
  }

  return {
    name: "meilisearch",
    indexUid,
    ensureIndex,

    async upsert(docs) {
      if (docs.length === 0) return;
      assertValidDocuments(docs);
      await write({ upsert: docs });
    },

    async remove(ids) {
      if (ids.length === 0) return;
      await write({ remove: ids });
    },

    async search(query) {
      const started = performance.now();
      let results = await runSearch(query, "all");
      // AND first; if nothing matches every word, let Meilisearch drop words from the end.
      if ((results[0]?.totalHits ?? 0) === 0 && wordCount(query.q) > 1) results = await runSearch(query, "last");
      const main = results[0];
      if (!main) throw new Error("Meilisearch multi-search returned no results");

      const facets = emptyFacets();
      const filtered = filteredFacets(query);
      for (const facet of FACETS) {
        const source = filtered.includes(facet) ? results[1 + filtered.indexOf(facet)] : main;
        facets[facet] = distributionOf(source?.facetDistribution, facet);
      }
      const total = main.totalHits ?? 0;
      return {
        hits: main.hits.map((hit: Hit<SearchDocument>) => toHit(hit, snippetFromFormatted(hit._formatted))),
        total,
        page: query.page,
        perPage: query.perPage,
        totalPages: main.totalPages ?? Math.ceil(total / query.perPage),
        facets,
        suggestion: null,
        tookMs: Math.round((performance.now() - started) * 100) / 100,
      };
    },

    async health() {
      try {
        await client.health();
      } catch (error) {
        return { ok: false, detail: `Meilisearch unreachable: ${messageOf(error)}` };
      }
      try {
        return { ok: true, documents: (await index.getStats()).numberOfDocuments };
      } catch (error) {
        return { ok: false, detail: `Meilisearch index ${indexUid}: ${messageOf(error)}` };
      }
    },

    async reindex(batches) {
      // Fill a fresh index, then swap it with the live one in a single task: searches see
      // the old documents until the swap and the new ones after, never a partial index.
      await ensureIndex();
      const staging: Staging = {
        uid: `${indexUid}_reindex_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`,
        journal: [],
        live: false,
      };
      stagings.add(staging);
      try {
        await createIndexIfMissing(staging.uid);
        await settle(client.index(staging.uid).updateSettings(MEILI_SETTINGS), `settings of ${staging.uid}`);
        const tasks: EnqueuedTask[] = [];
        for await (const batch of batches) tasks.push(...(await enqueueDocuments(staging.uid, batch)));
        // Replay concurrent writes after the batches; writes arriving during the replay join
        // the journal and are replayed in turn. Once it is empty, writes go to both indexes.
        while (staging.journal.length > 0) {
          for (const op of staging.journal.splice(0)) tasks.push(...(await enqueueWrite(staging.uid, op)));
        }
        staging.live = true;
        for (const task of tasks) await settle(task, `filling ${staging.uid}`);
        await settle(client.swapIndexes([{ indexes: [indexUid, staging.uid], rename: false }]), `swapping ${staging.uid} into ${indexUid}`);
      } finally {
        stagings.delete(staging);
        // After the swap the staging index holds the old documents; on failure, the partial new ones.
        try {
          await client.deleteIndex(staging.uid).waitTask(waitOptions);
        } catch {
          // Best effort: a leftover staging index is harmless and visible in the dashboard.
        }
      }
      return { count: await count() };
    },

    count,

    async dropIndex() {
      const done = await client.deleteIndex(indexUid).waitTask(waitOptions);
      if (done.status !== "succeeded" && done.error?.code !== "index_not_found") throw taskError(done, `deleting ${indexUid}`);
    },
  };
}

const UPLOAD_CHUNK = 1000;

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function filteredFacets(query: SearchQuery): FacetName[] {
  return FACETS.filter((facet) => (query.filters[facet]?.length ?? 0) > 0);
}

function distributionOf(distribution: FacetDistribution | undefined, facet: FacetName): { value: string; count: number }[] {
  const values = distribution?.[facet] ?? {};
  return sortFacetCounts(Object.entries(values).map(([value, count]) => ({ value, count })));
}

function countMarks(text: string): number {
  let n = 0;
  for (const c of text) if (c === HIGHLIGHT_PRE) n++;
  return n;
}

// Words Meilisearch will match on (stop words excluded), to decide whether dropping words can help.
function wordCount(q: string): number {
  const stop = new Set(STOP_WORDS);
  return (q.toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? []).filter((w) => !stop.has(w)).length;
}

function taskError(task: Task, what: string): Error {
  const reason = task.error ? `${task.error.message} (${task.error.code})` : `task ended as ${task.status}`;
  return new Error(`Meilisearch ${what} failed: ${reason} [task ${task.uid}]`);
}

function apiErrorCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === "string" ? cause.code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type Write = { upsert: SearchDocument[] } | { remove: string[] };
type Staging = { uid: string; journal: Write[]; live: boolean };

/** Connection options of {@link createMeilisearchEngine}. */
export type MeilisearchEngineOptions = {
  url: string;
  apiKey?: string;
  indexUid?: string;
  /** How long to wait for one indexing task (default 120 s). */
  taskTimeoutMs?: number;
  /** HTTP timeout per request (default 10 s). */
  requestTimeoutMs?: number;
};

/** The Meilisearch engine: the shared contract plus index housekeeping. */
export type MeilisearchEngine = SearchEngine & {
  readonly name: "meilisearch";
  readonly indexUid: string;
  /** Deletes the whole index (test teardown, decommissioning). */
  dropIndex(): Promise<void>;
};
