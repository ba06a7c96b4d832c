// Issue 13 §4 in the browser and the site's mail outbox: a reader follows a tag from its page
// (daily digest, the default), a post with that tag is published, the test triggers the next
// daily digest (runDigests at the next 07:00 Brussels time, no waiting for the clock), the
// site's outbox worker sends it, and its link opens the post. A second run sends nothing more.
// The digest's HTML part is looked at in Chromium at 1280 and 390 px.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { nextDigestTime, runDigests } from "../../src/lib/server/digests.ts";
import { composeMail, type DroppedMail, listMailDrop, type MailKind } from "../../src/lib/server/mail.ts";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { type Actor, loadActor } from "../../src/lib/server/users.ts";
import { launchBrowser, signedInPage, shoot } from "../helpers/browser.ts";
import { useTestPocketBase } from "../integration/setup.ts";

let browser: Browser;
const baseUrl = inject("baseUrl");
const dataDir = inject("dataDir");
const READER = "member@casebook.example";

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** The digests to `to` that list `title`, once the site's outbox worker has sent them (it drains every half second). */
async function digestsAbout(to: string, title: string, atLeast = 1): Promise<DroppedMail[]> {
  for (let i = 0; i < 120; i++) {
    const found = (await listMailDrop(dataDir)).filter((m) => m.to.toLowerCase().includes(to) && /^Casebook ?: \d+ /.test(m.subject) && m.text.includes(title));
    if (found.length >= atLeast) return found;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no digest to ${to} listing "${title}" in ${dataDir}/mail`);
}

describe("the daily digest", () => {
  it("a reader follows a tag; a post with that tag is published; the next daily digest lists it and its link opens it", async () => {
    const run = Date.now().toString(36);
    const tag = `wondzorg-${run}`;
    const page = await signedInPage(browser, baseUrl, READER, DEMO_PASSWORD);
    await page.goto(`${baseUrl}/en/tags/${tag}`);
    await page.getByRole("button", { name: "Follow", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "You follow this" }).waitFor();

    // The care home's editor publishes a story with that tag; a moderator approves it (through the domain).
    const pb = await useTestPocketBase();
    const actor = async (email: string): Promise<Actor> =>
      (await loadActor((await pb.collection("users").getFirstListItem(pb.filter("email = {:e}", { e: email }))).id))!;
    const [editor, moderator] = await Promise.all([actor("editor.carehome@casebook.example"), actor("moderator@casebook.example")]);
    const org = await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: "residences-linde-tilleul" }));
    const title = `Wound photos sorted by a model ${run}`;
    const { id, slug } = await saveDraft(editor, {
      kind: "case_study",
      organization: org.id,
      title,
      summary: "A model sorted wound photos by urgency; the nurses kept it for the night shift only.",
      body_md: "## Context\n\nNurses photograph wounds on every round.\n\n## What happened\n\nThe model helped at night, when no wound nurse is on duty.",
      language: "en",
      tags: tag,
      anonymous: false,
      outcome: "partial",
      care_settings: ["care_home"],
      ai_types: ["computer_vision"],
      lifecycle_stage: "production",
    });
    await submitPost(editor, id);
    await claimPost(moderator, id);
    await approvePost(moderator, id);

    // The next 07:00 in Brussels, without waiting for it.
    const at = new Date(nextDigestTime("daily", new Date()).getTime() + 60_000);
    const result = await runDigests("daily", at);
    expect(result.alreadyDone).toBe(false);
    const [digest] = await digestsAbout(READER, title);
    expect(digest?.subject).toMatch(/^Casebook: \d+ new in what you follow today$/);
    expect(digest?.text).toContain(`Tag: ${tag}\n\n${title} — ${org.name}\n`);
    // The link under this post's line: in a full run the reader also follows what other files publish.
    const text = digest?.text ?? "";
    const after = text.slice(text.indexOf(`${title} — ${org.name}\n`));
    const link = new URL(/https?:\/\/\S+\/en\/posts\/\S+/.exec(after)![0]);
    expect(link.pathname).toBe(`/en/posts/${slug}`);
    await page.goto(`${baseUrl}${link.pathname}`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toContain(title);

    // Run again (a restart, a second process): the period is closed, nothing more is sent.
    expect(await runDigests("daily", new Date(at.getTime() + 60_000))).toMatchObject({ alreadyDone: true, queued: 0 });
    const rows = await pb.collection("mail_outbox").getFullList({ filter: pb.filter("template = 'digest_daily' && to = {:to}", { to: READER }) });
    expect(rows.filter((r) => String(r.params?.items).includes(title))).toHaveLength(1);

    // The HTML part as a mail client shows it, from the same template and parameters.
    const [row] = rows.filter((r) => String(r.params?.items).includes(title));
    const params = Object.fromEntries(Object.entries(row?.params ?? {}).map(([k, v]) => [k, String(v)]));
    const html = composeMail(row?.template as MailKind, "en", params, {
      unsubscribe: `${baseUrl}/en/unsubscribe`,
      preferences: `${baseUrl}/en/account/notifications`,
    }).html;
    for (const width of [1280, 390]) {
      const view = await browser.newPage({ viewport: { width, height: 900 } });
      await view.setContent(html);
      expect(await view.locator(`a[href$="/en/posts/${slug}"]`).count()).toBe(1);
      expect(await view.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
      await shoot(view, "digest-mail", width);
      await view.close();
    }
    await page.context().close();
  });
});
