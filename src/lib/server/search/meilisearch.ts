// The Meilisearch adapter: the same SearchEngine contract as the embedded engine, for
// deployments that run a Meilisearch server. Disjunctive facet counts take one multi-search
// (the main query plus one query per filtered facet); every write waits for its task and
// turns a failed task into a thrown Error. Meilisearch does not HTML-escape highlights, so
// it is asked for private-use placeholder tags which are swapped for <mark> after escaping.
// `suggestion` is always null here: Meilisearch has no "did you mean" API, and its typo
// tolerance already finds what a suggestion would have proposed. The query's language
// (language.ts: the page's, or the one the words clearly are in) goes out as `locales`.

import { createHash } from "node:crypto";
import { Meilisearch } from "meilisearch";
import type {
  EnqueuedTask,
  EnqueuedTaskPromise,
  FacetDistribution,
  FederatedMultiSearchParams,
  Hit,
  KeyCreation,
  MatchingStrategies,
  MultiSearchParams,
  MultiSearchQuery,
  MultiSearchQueryWithFederation,
  SearchParams,
  Settings,
  Task,
} from "meilisearch";
import { STEM_LANGUAGES, isStemLanguage, queryTerms, stemOf, stemmedTerms } from "./analysis.ts";
import type { StemLanguage } from "./analysis.ts";
import { FACETS, HIT_FIELDS, STOP_WORDS, assertValidDocuments, emptyFacets, escapeHtml, sortFacetCounts, toHit } from "./engine.ts";
import type { FacetName, SearchDocument, SearchEngine, SearchQuery, SearchResult } from "./engine.ts";
import { type GlossaryLanguage, glossaryMatches } from "./glossary.ts";
import { MEILI_LOCALE, queryLanguage } from "./language.ts";

/** Placeholder highlight tags: private-use characters no post text plausibly contains. */
export const HIGHLIGHT_PRE = "\uE000";
/** Closing placeholder highlight tag. */
export const HIGHLIGHT_POST = "\uE001";

/** Crop length in words (~160 characters, like the embedded snippet). */
export const CROP_WORDS = 28;

const LOCALIZED_TEXT_FIELDS = ["title", "tags", "summary", "lessons", "body", "call_title"];

/**
 * Meilisearch does no stemming, so each document carries its words stemmed in its own language
 * (analysis.ts, the same stemmers as the embedded engine) in this field, and a text search also
 * runs the query's words stemmed in each language against it, confined to that language's posts
 * (federated search merges the hits, each document once, and counts facets over the union).
 */
export const STEMS_FIELD = "stems";
/** Weight of a stem match against a match on the words as written (federated ranking). */
export const STEM_WEIGHT = 0.9;

/** The document as sent to Meilisearch: the search document plus its stems. */
export function toMeiliDocument(doc: SearchDocument): SearchDocument & { [STEMS_FIELD]: string } {
  const text = [doc.title, doc.tags.join(" "), doc.summary, doc.lessons, doc.body, doc.call_title ?? ""].join(" ");
  return { ...doc, [STEMS_FIELD]: isStemLanguage(doc.language) ? stemmedTerms(text, doc.language).join(" ") : "" };
}

/** Weight of a match found only through the glossary (another name of the concept, often in another language). */
export const GLOSSARY_WEIGHT = 0.5;
/** Factor on a match in a post of another language than the one the query's words are clearly in. */
export const OTHER_LANGUAGE_WEIGHT = 0.8;
// Bounds the federated queries a long query naming many concepts can add.
const MAX_GLOSSARY_QUERIES = 12;

/** The fields a glossary alternative is looked for in: the posts' text, not the names of organisations, funders or calls. */
export const GLOSSARY_FIELDS = ["title", "tags", "summary", "lessons", "body"] as const;

/** The query with one named concept replaced by each of its other names (glossary.ts), one query text each, with the languages whose posts it is for. */
export function glossaryQueries(q: string): { q: string; languages: GlossaryLanguage[] }[] {
  const terms = queryTerms(q);
  const out = new Map<string, GlossaryLanguage[]>();
  for (const match of glossaryMatches(terms)) {
    for (const alternative of match.alternatives) {
      const text = [...terms.slice(0, match.start), ...alternative.terms, ...terms.slice(match.start + match.terms.length)].join(" ");
      const languages = out.get(text) ?? [];
      for (const lang of alternative.languages) if (!languages.includes(lang)) languages.push(lang);
      out.set(text, languages);
    }
  }
  return [...out].slice(0, MAX_GLOSSARY_QUERIES).map(([text, languages]) => ({ q: text, languages }));
}

/**
 * The language whose posts a text search prefers: the one the words are clearly written in
 * ("septicémie", "ziekenhuis"), else none. The embedded engine's scoring already puts a post
 * in that language first (its words as typed and their stems); Meilisearch ranks a prefix or
 * glossary match in another language as high, so other languages' matches weigh less.
 */
export function preferredLanguage(q: string): StemLanguage | null {
  const lang = queryLanguage(q);
  return lang !== null && isStemLanguage(lang) ? lang : null;
}

/** The query's words stemmed in each stemmed language (a word without a stem stays as written); empty without words. */
export function stemQueries(q: string): { lang: StemLanguage; q: string }[] {
  const terms = queryTerms(q);
  if (terms.length === 0) return [];
  return STEM_LANGUAGES.map((lang) => ({ lang, q: terms.map((term) => stemOf(term, lang) ?? term).join(" ") }));
}

/** The index settings, declared once; ensureIndex() and reindex() apply exactly this. */
export const MEILI_SETTINGS = {
  // Ranked: earlier attributes weigh more (title ≫ tags > … > body), as EMBEDDED_BOOSTS.
  // `stems` last: a match on another form of a word ranks below a match on the word itself.
  searchableAttributes: ["title", "tags", "organization_name", "funder_name", "call_title", "summary", "lessons", "public_descriptor", "body", STEMS_FIELD],
  filterableAttributes: [...FACETS, "amount_requested"],
  sortableAttributes: ["published_ts"],
  // "sort" first: sort=newest means newest first among the matches (as in the embedded engine),
  // and it also lets a federated search merge its queries' hits by date. Without a sort
  // parameter the rule does nothing, and relevance is Meilisearch's default order.
  rankingRules: ["sort", "words", "typo", "proximity", "attribute", "exactness"],
  stopWords: [...STOP_WORDS],
  // No synonyms: the multilingual glossary ("chute" also finds "fall" and "val") is applied per
  // query (glossaryQueries), so that, as in the embedded engine, posts found by the words typed
  // rank before those found only through another language's name of the concept. Synonyms
  // would rank both alike. An empty list also clears synonyms an older version had set.
  synonyms: {},
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

/**
 * A text search as one federated multi-search: the query as written, its stem queries and its
 * glossary alternatives (in that order of weight), the
 * hits of a page merged with each document once, and `facets` counted over all of them.
 * `exceptFacet` drops that facet's own filter (a disjunctive count); `withHits` false asks for counts only.
 */
export function buildFederatedSearch(
  query: SearchQuery,
  options: {
    indexUid?: string;
    matchingStrategy?: MatchingStrategies;
    facets: readonly FacetName[];
    exceptFacet?: FacetName;
    withHits: boolean;
    /** Posts in this language rank first among equals; see preferredLanguage(). */
    prefer?: StemLanguage | null;
  },
): FederatedMultiSearchParams {
  const indexUid = options.indexUid ?? "posts";
  const matchingStrategy = options.matchingStrategy ?? "all";
  const filters: SearchQuery["filters"] = { ...query.filters };
  if (options.exceptFacet) delete filters[options.exceptFacet];
  const filter = buildFilterExpression(filters, query.amount);
  const prefer = options.prefer ?? null;
  const and = (extra: string) => (filter === null ? extra : `(${filter}) AND ${extra}`);
  // A query over every language becomes two when one is preferred: its posts at full weight,
  // the others' at OTHER_LANGUAGE_WEIGHT.
  const split = (q: MultiSearchQueryWithFederation, weight: number): MultiSearchQueryWithFederation[] =>
    prefer === null
      ? [{ ...q, ...(filter === null ? {} : { filter }), federationOptions: { weight } }]
      : [
          { ...q, filter: and(`language = ${quote(prefer)}`), federationOptions: { weight } },
          { ...q, filter: and(`language != ${quote(prefer)}`), federationOptions: { weight: weight * OTHER_LANGUAGE_WEIGHT } },
        ];
  const shown: SearchParams = options.withHits
    ? {
        attributesToRetrieve: [...HIT_FIELDS],
        attributesToCrop: ["summary", "body"],
        cropLength: CROP_WORDS,
        cropMarker: "…",
        attributesToHighlight: ["summary", "body"],
        highlightPreTag: HIGHLIGHT_PRE,
        highlightPostTag: HIGHLIGHT_POST,
      }
    : { attributesToRetrieve: ["id"] };
  const sort = query.sort === "newest" ? { sort: ["published_ts:desc"] } : {};
  const locales = queryLocales(query);
  const queries: MultiSearchQueryWithFederation[] = split({ indexUid, q: query.q, matchingStrategy, ...shown, ...sort, ...(locales ? { locales } : {}) }, 1);
  for (const stem of stemQueries(query.q)) {
    queries.push({
      indexUid,
      q: stem.q,
      matchingStrategy,
      attributesToSearchOn: [STEMS_FIELD],
      ...shown,
      ...sort,
      filter: and(`language = ${quote(stem.lang)}`),
      federationOptions: { weight: STEM_WEIGHT * (prefer === null || stem.lang === prefer ? 1 : OTHER_LANGUAGE_WEIGHT) },
    });
  }
  // As in the embedded engine: in the posts' text, and in posts of the languages that name the
  // concept so (elsewhere the same letters are a false friend: "val" in "Soins à Domicile
  // Val-de-Meuse"); those in the preferred language at the full glossary weight.
  const inLanguages = (languages: readonly string[]) => `language IN [${languages.map(quote).join(", ")}]`;
  for (const alternative of glossaryQueries(query.q)) {
    const base = { indexUid, q: alternative.q, matchingStrategy, attributesToSearchOn: [...GLOSSARY_FIELDS], ...shown, ...sort };
    const preferred = prefer !== null && alternative.languages.includes(prefer) ? [prefer] : [];
    const others = alternative.languages.filter((lang) => lang !== prefer);
    if (preferred.length > 0) queries.push({ ...base, filter: and(inLanguages(preferred)), federationOptions: { weight: GLOSSARY_WEIGHT } });
    if (others.length > 0) {
      const weight = prefer === null ? GLOSSARY_WEIGHT : GLOSSARY_WEIGHT * OTHER_LANGUAGE_WEIGHT;
      queries.push({ ...base, filter: and(inLanguages(others)), federationOptions: { weight } });
    }
  }
  return {
    federation: {
      offset: options.withHits ? (query.page - 1) * query.perPage : 0,
      limit: options.withHits ? query.perPage : 0,
      facetsByIndex: { [indexUid]: [...options.facets] },
    },
    queries,
  };
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

/**
 * The two API keys the site works with, made with the master key when the index is ensured: one
 * that can only search the public index (all a request handler needs), one that can only write
 * its documents (the outbox worker, a reindex's staging index included). The master key itself
 * only manages indexes (create, settings, swap, delete). A key's uid is derived from the index
 * name, and Meilisearch derives the key from uid and master key, so every process and restart
 * finds the same keys.
 */
export function siteKeySpecs(indexUid: string): (KeyCreation & { uid: string; role: "search" | "write" })[] {
  const spec = (role: "search" | "write", actions: string[], indexes: string[]) => ({
    role,
    uid: uuidFrom(`casebook:${role}:${indexUid}`),
    name: `casebook-${role}-${indexUid}`,
    description: role === "search" ? `Casebook site: search ${indexUid} only` : `Casebook site: write the documents of ${indexUid}`,
    actions,
    indexes,
    expiresAt: null,
  });
  return [
    spec("search", ["search"], [indexUid]),
    spec("write", ["documents.add", "documents.delete", "tasks.get", "stats.get"], [indexUid, `${indexUid}_reindex_*`]),
  ];
}

// A v4-shaped UUID from a name (Meilisearch key uids must be UUIDs).
function uuidFrom(name: string): string {
  const b = createHash("sha256").update(name).digest();
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.subarray(0, 16).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Creates the Meilisearch-backed engine. */
export function createMeilisearchEngine(options: MeilisearchEngineOptions): MeilisearchEngine {
  const indexUid = options.indexUid ?? "posts";
  const waitOptions = { timeout: options.taskTimeoutMs ?? 120_000, interval: 50 };
  const connect = (apiKey: string | undefined) => new Meilisearch({ host: options.url, apiKey, timeout: options.requestTimeoutMs ?? 10_000 });
  // The master key's client manages indexes; searches and document writes move to the scoped
  // keys once ensureIndex() has made them (a server without a master key has no keys to make).
  const client = connect(options.apiKey);
  let searchClient = client;
  let writeClient = client;
  let index = client.index<SearchDocument>(indexUid);
  let keys: { search: string; write: string } | null = null;
  let lastDrift: string[] = [];
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

  // True when the index was made now.
  async function createIndexIfMissing(uid: string): Promise<boolean> {
    const done = await client.createIndex(uid, { primaryKey: "id" }).waitTask(waitOptions);
    if (done.status !== "succeeded" && done.error?.code !== "index_already_exists") {
      throw taskError(done, `creating index ${uid}`);
    }
    return done.status === "succeeded";
  }

  async function ensureIndex(): Promise<void> {
    const created = await createIndexIfMissing(indexUid);
    // Verified before applying, so a drift (a setting changed by hand, an older version's
    // settings) is named in the log; applying the declaration corrects it either way.
    const drift = created ? [] : settingsDrift(await client.index(indexUid).getSettings());
    if (drift.length > 0) console.warn(`[search] Meilisearch index ${indexUid}: correcting settings that differ from the declaration: ${drift.join(", ")}`);
    lastDrift = drift;
    await settle(client.index(indexUid).updateSettings(MEILI_SETTINGS), `settings of ${indexUid}`);
    if (options.apiKey && options.scopedKeys !== false) await useScopedKeys();
  }

  // Creates the site's keys, or finds them; one whose rights drifted is made again (same uid, same key).
  async function useScopedKeys(): Promise<void> {
    const made: Record<string, string> = {};
    for (const { role, ...spec } of siteKeySpecs(indexUid)) {
      let key = await client.getKey(spec.uid).catch((error: unknown) => {
        if (apiErrorCode(error) === "api_key_not_found") return null;
        throw error;
      });
      if (key && (!sameSet(key.actions, spec.actions) || !sameSet(key.indexes, spec.indexes))) {
        console.warn(`[search] Meilisearch key ${spec.name} had other rights; making it again`);
        await client.deleteKey(spec.uid);
        key = null;
      }
      key ??= await client.createKey(spec);
      made[role] = key.key;
    }
    keys = { search: made.search!, write: made.write! };
    searchClient = connect(keys.search);
    writeClient = connect(keys.write);
    index = writeClient.index<SearchDocument>(indexUid);
  }

  // Sends documents in request-sized chunks; returns the enqueued tasks (not yet awaited).
  async function enqueueDocuments(uid: string, docs: SearchDocument[]): Promise<EnqueuedTask[]> {
    assertValidDocuments(docs);
    if (docs.length === 0) return [];
    const enqueued: EnqueuedTask[] = [];
    for (let i = 0; i < docs.length; i += UPLOAD_CHUNK) {
      // Awaiting the enqueue (not the task) keeps uploads pipelined without leaving a
      // rejected promise unobserved.
      enqueued.push(await writeClient.index(uid).addDocuments(docs.slice(i, i + UPLOAD_CHUNK).map(toMeiliDocument), { primaryKey: "id" }));
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
    return [await writeClient.index(uid).deleteDocuments(op.remove)];
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
    return (await searchClient.multiSearch<MultiSearchParams, SearchDocument>(params)).results;
  }

  // No words: one multi-search (filters and facets only; stemming has nothing to add).
  async function browse(query: SearchQuery): Promise<Omit<SearchResult, "tookMs">> {
    const results = await runSearch(query, "all");
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
    };
  }

  // Words: federated searches (as written, stemmed, glossary), one for the hits and every
  // unfiltered facet, one more per filtered facet for its disjunctive counts, sent together.
  async function textSearch(query: SearchQuery): Promise<Omit<SearchResult, "tookMs">> {
    const prefer = preferredLanguage(query.q);
    const filtered = filteredFacets(query);
    const run = (strategy: MatchingStrategies) =>
      Promise.all(
        [
          buildFederatedSearch(query, { indexUid, matchingStrategy: strategy, facets: FACETS, withHits: true, prefer }),
          ...filtered.map((facet) =>
            buildFederatedSearch(query, { indexUid, matchingStrategy: strategy, facets: [facet], exceptFacet: facet, withHits: false, prefer }),
          ),
        ].map((params) => searchClient.multiSearch<FederatedMultiSearchParams, SearchDocument>(params)),
      );
    let responses = await run("all");
    // AND first; if nothing matches every word, let Meilisearch drop words from the end.
    if ((responses[0]?.estimatedTotalHits ?? 0) === 0 && wordCount(query.q) > 1) responses = await run("last");
    const main = responses[0];
    if (!main) throw new Error("Meilisearch federated search returned no result");
    const facets = emptyFacets();
    for (const facet of FACETS) {
      const source = filtered.includes(facet) ? responses[1 + filtered.indexOf(facet)] : main;
      facets[facet] = distributionOf(source?.facetsByIndex?.[indexUid]?.distribution, facet);
    }
    // A local federated search counts its candidates exactly (the union of its queries' hits).
    const total = main.estimatedTotalHits ?? 0;
    return {
      hits: main.hits.map((hit: Hit<SearchDocument>) => toHit(hit, snippetFromFormatted(hit._formatted))),
      total,
      page: query.page,
      perPage: query.perPage,
      totalPages: Math.ceil(total / query.perPage),
      facets,
      suggestion: null,
    };
  }

  return {
    name: "meilisearch",
    indexUid,
    ensureIndex,
    get keys() {
      return keys;
    },
    get settingsDrift() {
      return lastDrift;
    },

    async outdatedDocuments() {
      // Documents written before `stems` existed cannot be found by their stems: one sample
      // tells, since every write since then and every reindex carries the field.
      try {
        const page = await client.index(indexUid).getDocuments({ limit: 1, fields: ["id", STEMS_FIELD] });
        const first = page.results[0] as Record<string, unknown> | undefined;
        return first !== undefined && typeof first[STEMS_FIELD] !== "string";
      } catch (error) {
        if (apiErrorCode(error) === "index_not_found") return false;
        throw error;
      }
    },

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
      const result = queryTerms(query.q).length > 0 ? await textSearch(query) : await browse(query);
      return { ...result, tookMs: Math.round((performance.now() - started) * 100) / 100 };
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

/** The names of the declared settings that `current` does not match (order kept where it ranks). */
export function settingsDrift(current: Settings): string[] {
  const drift: string[] = [];
  const declared = MEILI_SETTINGS as Record<string, unknown>;
  const got = current as Record<string, unknown>;
  const unordered = new Set(["filterableAttributes", "sortableAttributes", "stopWords"]);
  for (const key of Object.keys(declared)) {
    const want = declared[key];
    const have = got[key];
    const same =
      unordered.has(key) && Array.isArray(want) && Array.isArray(have)
        ? sameSet(
            want.map(String),
            have.map((v) => (typeof v === "string" ? v : JSON.stringify(v))),
          )
        : typeof want === "object" && want !== null && !Array.isArray(want)
          ? contains(have, want)
          : JSON.stringify(have) === JSON.stringify(want);
    if (!same) drift.push(key);
  }
  return drift;
}

// True when every field of `want` is in `have` with the same value (Meilisearch returns more).
function contains(have: unknown, want: unknown): boolean {
  if (typeof want !== "object" || want === null) return JSON.stringify(have) === JSON.stringify(want);
  if (Array.isArray(want)) return JSON.stringify(have) === JSON.stringify(want);
  if (typeof have !== "object" || have === null) return false;
  // An empty declaration (no synonyms) means exactly that, not "anything".
  if (Object.keys(want).length === 0) return Object.keys(have).length === 0;
  return Object.entries(want).every(([k, v]) => contains((have as Record<string, unknown>)[k], v));
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
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
  /** False keeps every request on the given key (default: search and writes move to scoped keys). */
  scopedKeys?: boolean;
};

/** The Meilisearch engine: the shared contract plus index housekeeping. */
export type MeilisearchEngine = SearchEngine & {
  readonly name: "meilisearch";
  readonly indexUid: string;
  /** Deletes the whole index (test teardown, decommissioning). */
  dropIndex(): Promise<void>;
  /** The settings ensureIndex() found different from MEILI_SETTINGS (and corrected), by name. */
  readonly settingsDrift: string[];
  /** True when the index holds documents written without `stems` (an older version): rebuild it. */
  outdatedDocuments(): Promise<boolean>;
  /** The scoped keys in use (search only, documents only); null before ensureIndex() or without a master key. */
  readonly keys: { search: string; write: string } | null;
};
