// Shared by the integration tests that follow a change from a domain function to the search
// index: unique search words, a valid case-study form, draining the outbox, a trusted reader,
// and the rows a transition leaves behind. Nothing here writes a domain table.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type PocketBase from "pocketbase";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { inject } from "vitest";
import { createEmbeddedEngine } from "../../src/lib/server/search/embedded.ts";
import { makeQuery, type SearchEngine, type SearchQuery } from "../../src/lib/server/search/engine.ts";
import { createMeilisearchEngine } from "../../src/lib/server/search/meilisearch.ts";
import { searchPosts, setSearchEngine } from "../../src/lib/server/search/index.ts";
import { drainOutbox } from "../../src/lib/server/search/outbox.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser } from "./setup.ts";

/** A word no other post contains, so a search finds only the calling test's records. */
export function word(prefix = "z"): string {
  const letters = "bcdfghjklmnpqrstvwxz";
  return `${prefix}${Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => letters[b % letters.length]).join("")}`;
}

/** A valid case-study form for `saveDraft`, its title carrying the search marker. */
export function caseStudyInput(
  orgId: string,
  marker: string,
  title = `Discharge letters summarised by a model ${marker}`,
  overrides: Record<string, unknown> = {},
) {
  return {
    kind: "case_study",
    organization: orgId,
    title,
    summary: "A language model drafted discharge letters; doctors corrected more than they saved.",
    body_md: "## Context\n\nDischarge letters were drafted by a model and checked by the doctor.\n\n## Result\n\nMixed.",
    language: "en",
    tags: "discharge",
    anonymous: false,
    outcome: "partial",
    care_settings: ["hospital"],
    ai_types: ["llm"],
    lifecycle_stage: "pilot",
    lessons_md: "- Measure time saved honestly.",
    ...overrides,
  };
}

/** Drains the outbox until nothing due is left (bounded); returns what was applied and what failed. */
export async function drainAll(now?: Date): Promise<{ processed: number; failed: number }> {
  const total = { processed: 0, failed: 0 };
  for (let i = 0; i < 100; i++) {
    const r = await drainOutbox({ limit: 100, now });
    total.processed += r.processed;
    total.failed += r.failed;
    if (r.processed + r.failed === 0) break;
  }
  return total;
}

/** Searches the app's engine for one term, 50 hits a page. */
export const search = (q: string, partial: Partial<SearchQuery> = {}) => searchPosts(makeQuery({ q, perPage: 50, ...partial }));

/**
 * A fresh search engine made the app's engine; `dispose` forgets it and removes what it made.
 * The embedded engine under its own temporary folder, or, with CASEBOOK_TEST_ENGINE=meilisearch,
 * an index of its own on the Meilisearch the global setup started (scoped keys and all).
 */
export function useTestSearch(): { engine: SearchEngine; dispose: () => Promise<void> } {
  if (process.env.CASEBOOK_TEST_ENGINE === "meilisearch") {
    const meili = inject("meili");
    if (!meili || "skip" in meili) throw new Error(`CASEBOOK_TEST_ENGINE=meilisearch without a Meilisearch: ${meili?.skip ?? "not provided"}`);
    const engine = createMeilisearchEngine({
      url: meili.url,
      apiKey: meili.apiKey,
      indexUid: `casebook_it_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`,
    });
    const ready = engine.ensureIndex();
    // setSearchEngine takes a ready engine: every call waits for the index and keys first.
    const waiting = new Proxy(engine, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== "function" || prop === "ensureIndex") return value;
        return async (...args: unknown[]) => {
          await ready;
          return value.apply(target, args);
        };
      },
    });
    setSearchEngine(waiting);
    return {
      engine: waiting,
      dispose: async () => {
        setSearchEngine(null);
        await ready.catch(() => undefined);
        await engine.dropIndex();
      },
    };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "casebook-search-it-"));
  const engine = createEmbeddedEngine({ snapshotPath: path.join(dir, "index.json") });
  setSearchEngine(engine);
  return {
    engine,
    dispose: async () => {
      setSearchEngine(null);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Publishes a post through the real lifecycle: the editor saves and submits, the moderator claims and approves. */
export async function publishThroughModeration(editor: Actor, moderator: Actor, input: Record<string, unknown>): Promise<string> {
  const { id } = await saveDraft(editor, input);
  await submitPost(editor, id);
  await claimPost(moderator, id);
  await approvePost(moderator, id);
  return id;
}

/** A reader whose flags hide on their own: an editor of a verified organisation who has a published post. */
export async function trustedReader(pb: PocketBase, moderator: Actor): Promise<Actor> {
  const user = await createUser(pb);
  const org = await createOrganization(pb, [{ userId: user.id, role: "editor" }]);
  const reader = (await loadActor(user.id))!;
  await publishThroughModeration(reader, moderator, caseStudyInput(org.id, word()));
  return (await loadActor(user.id))!;
}

/** The search_outbox rows of one record, oldest first. */
export async function outboxRows(pb: PocketBase, record: string) {
  return pb.collection("search_outbox").getFullList({ filter: pb.filter("record = {:record}", { record }), sort: "created,@rowid" });
}

/** The moderation_events rows of one post, oldest first. */
export async function moderationEvents(pb: PocketBase, post: string) {
  return pb.collection("moderation_events").getFullList({ filter: pb.filter("post = {:post}", { post }), sort: "created,@rowid" });
}
