// Issue 14 §2 in Chromium: under a French question from a hospital member, a member of another
// organisation (three replies already accepted) answers in Dutch and the reply appears at once;
// a new account's reply waits — its author is told why, readers do not see it — until the
// moderator publishes it on /moderation/replies; the asker marks the Dutch reply as the answer and
// it shows under the question. Axe on the thread and the moderators' page; screenshots of the
// thread at 1280 and 390 px.
import AxeBuilder from "@axe-core/playwright";
import type PocketBase from "pocketbase";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { approveReply, postReply } from "../../src/lib/server/discussions/replies.ts";
import { approvePost, claimPost, dpoReview, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { launchBrowser, preferEnglish, shoot, signedInPage } from "../helpers/browser.ts";
import { createUser, unique, useTestPocketBase } from "../integration/setup.ts";

const baseUrl = inject("baseUrl");
let browser: Browser;
let pb: PocketBase;
let asker: { id: string; email: string; password: string };
let answerer: { id: string; email: string; password: string };
let newcomer: { id: string; email: string; password: string };
let thread: { id: string; slug: string; title: string };
let publishAs: (author: Actor, postId: string) => Promise<void>;

async function member(name: string, orgSlug: string, locale: string) {
  const user = await createUser(pb, { name, locale });
  const org = await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: orgSlug }));
  await pb.collection("memberships").create({ user: user.id, organization: org.id, role: "member", status: "active" });
  return { ...user, organizationId: org.id };
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
}

beforeAll(async () => {
  browser = await launchBrowser();
  pb = await useTestPocketBase();
  const moderatorRecord = await pb.collection("users").getFirstListItem(pb.filter("email = {:e}", { e: "moderator@casebook.example" }));
  const moderator = (await loadActor(moderatorRecord.id))!;
  const a = await member("Lore Vandamme", "az-heidebloem", "fr");
  const b = await member("Pieter Claes", "residences-linde-tilleul", "nl");
  const c = await member("Nadia Benali", "soins-val-de-meuse", "fr");
  [asker, answerer, newcomer] = [a, b, c];
  const askerActor = (await loadActor(a.id)) as Actor;
  // The demo hospital asks for its DPO's sign-off: the hospital's DPO gives it, then the moderator approves.
  const dpoMembership = await pb
    .collection("memberships")
    .getFirstListItem(pb.filter("organization = {:o} && role = 'dpo' && status = 'active'", { o: a.organizationId }));
  const dpo = (await loadActor(dpoMembership.user)) as Actor;
  publishAs = async (author: Actor, postId: string) => {
    const { status } = await submitPost(author, postId);
    if (status === "dpo_review") await dpoReview(dpo, postId, "approve");
    await claimPost(moderator, postId);
    await approvePost(moderator, postId);
  };
  const publish = publishAs;
  const marker = unique("dpo").replace(/[^a-z0-9]/g, "");
  const title = `Comment associez-vous votre DPO aux pilotes d'IA ? ${marker}`;
  const { id } = await saveDraft(askerActor, {
    kind: "discussion",
    organization: a.organizationId,
    title,
    body_md: "Nous préparons un pilote de transcription vocale. **À quel moment** faites-vous intervenir votre DPO ?",
    language: "fr",
    tags: "dpo",
    anonymous: false,
    care_settings: ["hospital"],
    ai_types: ["speech"],
    about: "",
  });
  await publish(askerActor, id);
  thread = { id, slug: (await pb.collection("posts").getOne(id)).slug, title };
  // The answerer's first three replies were read and accepted elsewhere: theirs now appear at once.
  const answererActor = (await loadActor(b.id)) as Actor;
  const { id: warmup } = await saveDraft(askerActor, {
    kind: "discussion",
    organization: a.organizationId,
    title: `Earlier question ${marker}`,
    body_md: "An earlier question, answered three times by the same member.",
    language: "en",
    tags: "dpo",
    anonymous: false,
    care_settings: ["hospital"],
    ai_types: ["speech"],
    about: "",
  });
  await publish(askerActor, warmup);
  for (let i = 1; i <= 3; i++) {
    const r = await postReply(answererActor, warmup, { body: `Earlier answer ${i}.`, language: "nl", organization: b.organizationId, anonymous: false });
    await approveReply(moderator, r.id);
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe("replying to a discussion", () => {
  it("another organisation answers in Dutch at once, a new account waits for the moderator, the asker marks the answer", async () => {
    const dutch = "Wij betrekken onze DPO al bij het eerste idee, nog vóór de pilot: hij tekent mee af op de DPIA.";
    // 1. A member of another organisation with accepted replies: published at once.
    const answererPage = await signedInPage(browser, baseUrl, answerer.email, answerer.password);
    await answererPage.goto(`${baseUrl}/en/posts/${thread.slug}`);
    await answererPage.getByRole("textbox", { name: "Your reply" }).fill(dutch);
    await answererPage.getByLabel("Language of your reply").selectOption("nl");
    await answererPage.getByRole("button", { name: "Post reply" }).click();
    await answererPage.waitForLoadState();
    await expect(answererPage.getByRole("status").filter({ hasText: "Your reply is published." }).count()).resolves.toBe(1);
    const visitorContext = await browser.newContext();
    await preferEnglish(visitorContext, baseUrl);
    const visitor = await visitorContext.newPage();
    await visitor.goto(`${baseUrl}/en/posts/${thread.slug}`);
    await expect(
      visitor
        .getByRole("article", { name: /Reply by Woonzorggroep/ })
        .getByText(dutch)
        .count(),
    ).resolves.toBe(1);
    await expect(visitor.locator(`[lang="nl"]`).filter({ hasText: dutch }).count()).resolves.toBe(1);

    // 2. A new account's reply, quoting the Dutch one: waits, its author told why, readers do not see it.
    const waiting = "Chez nous, le DPO relit le protocole avant le comité d'éthique.";
    const newcomerPage = await signedInPage(browser, baseUrl, newcomer.email, newcomer.password);
    await newcomerPage.goto(`${baseUrl}/en/posts/${thread.slug}`);
    // They follow the discussion first: each new reply is told as it comes, no digest to choose.
    await newcomerPage.getByRole("button", { name: "Follow this discussion" }).click();
    await newcomerPage.waitForLoadState();
    await expect(newcomerPage.getByRole("status").filter({ hasText: "You follow this discussion" }).count()).resolves.toBe(1);
    expect(
      await pb
        .collection("follows")
        .getFullList({ filter: pb.filter("user = {:u} && kind = 'discussion' && target = {:t}", { u: newcomer.id, t: thread.id }) }),
    ).toHaveLength(1);
    await newcomerPage.getByRole("link", { name: "Reply to this" }).first().click();
    await expect(newcomerPage.locator("#reply-form blockquote").textContent()).resolves.toContain("Wij betrekken onze DPO");
    await newcomerPage.getByRole("textbox", { name: "Your reply" }).fill(waiting);
    await newcomerPage.getByLabel("Language of your reply").selectOption("fr");
    await newcomerPage.getByRole("button", { name: "Post reply" }).click();
    await newcomerPage.waitForLoadState();
    await expect(newcomerPage.getByRole("status").filter({ hasText: "waits for a moderator" }).first().textContent()).resolves.toContain(
      "Your first three replies are read by a moderator first.",
    );
    await expect(newcomerPage.locator(".reply-pending .prose").getByText(waiting).count()).resolves.toBe(1);
    await visitor.reload();
    await expect(visitor.getByText(waiting).count()).resolves.toBe(0);

    // 3. The moderator publishes it on /moderation/replies.
    const moderatorPage = await signedInPage(browser, baseUrl, "moderator@casebook.example", DEMO_PASSWORD);
    await moderatorPage.goto(`${baseUrl}/en/moderation`);
    await moderatorPage.getByRole("link", { name: "Replies waiting for moderation" }).click();
    await moderatorPage.waitForURL(/\/en\/moderation\/replies$/);
    const item = moderatorPage.getByRole("article").filter({ hasText: waiting });
    await expect(item.textContent()).resolves.toContain("Your first three replies are read by a moderator first.");
    expect(await seriousViolations(moderatorPage)).toEqual([]);
    await shoot(moderatorPage, "moderation-replies", 1280);
    await item.getByRole("button", { name: "Publish" }).click();
    await moderatorPage.waitForLoadState();
    await expect(moderatorPage.getByRole("article").filter({ hasText: waiting }).count()).resolves.toBe(0);
    await expect(moderatorPage.getByRole("status").textContent()).resolves.toBe("The reply is published. Its author is told.");
    await visitor.reload();
    const published = visitor.getByRole("article", { name: /Reply by Soins/ });
    await expect(published.getByText(waiting).count()).resolves.toBe(1);
    await expect(published.getByRole("link", { name: /In reply to Woonzorggroep/ }).count()).resolves.toBe(1);

    // 4. The asker marks the Dutch reply as the answer: it shows under the question.
    const askerPage = await signedInPage(browser, baseUrl, asker.email, asker.password);
    await askerPage.goto(`${baseUrl}/en/posts/${thread.slug}`);
    await askerPage
      .getByRole("article", { name: /Reply by Woonzorggroep/ })
      .getByRole("button", { name: "Mark as the answer" })
      .click();
    await askerPage.waitForLoadState();
    await expect(askerPage.getByRole("status").filter({ hasText: "That reply is now the accepted answer." }).count()).resolves.toBe(1);
    await visitor.reload();
    const accepted = visitor.getByRole("region", { name: "Accepted answer" });
    await expect(accepted.getByText(dutch).count()).resolves.toBe(1);
    // Under the question: before the list of replies.
    const order = await visitor.evaluate(() => {
      const answer = document.querySelector("#accepted-h");
      const replies = document.querySelector("#replies-h");
      return answer && replies ? Boolean(answer.compareDocumentPosition(replies) & Node.DOCUMENT_POSITION_FOLLOWING) : null;
    });
    expect(order).toBe(true);
    expect(await seriousViolations(visitor)).toEqual([]);
    for (const width of [1280, 390]) {
      await askerPage.setViewportSize({ width, height: 900 });
      await askerPage.reload();
      await shoot(askerPage, "discussion-replies", width);
    }
    await visitorContext.close();
  }, 120_000);

  it("the demo threads read as seeded: replies in order, a pseudonymous one by its descriptor only (quoted the same way), the French question's accepted answer under it", async () => {
    const context = await browser.newContext();
    await preferEnglish(context, baseUrl);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/en/posts/how-do-you-involve-your-dpo-in-ai-pilots`);
    const replies = page.locator("ol.replies > li");
    await expect(replies.count()).resolves.toBe(3);
    const texts = await replies.allTextContents();
    expect(texts[0]).toContain("idea sheet");
    expect(texts[0]).not.toContain("AZ Heidebloem");
    expect(texts[1]).toContain("Klaroog Analytics");
    // The home-care reply quotes the pseudonymous one: by its descriptor, never the hospital's name.
    const descriptor = texts[0]!.split(" · ")[0]!.trim();
    expect(descriptor).toMatch(/^an? /);
    expect(texts[2]).toContain(`In reply to ${descriptor}`);
    expect(texts[2]).not.toContain("AZ Heidebloem");
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(`${baseUrl}/en/posts/mesurer-le-temps-gagne-par-un-outil-ia`);
    await expect(page.getByRole("region", { name: "Accepted answer" }).textContent()).resolves.toContain("Woonzorggroep Linde");
    await context.close();
  });

  it("the author of a pseudonymous question answers under it pseudonymously by default; unticked, the reply is refused and what was typed stays", async () => {
    const askerActor = (await loadActor(asker.id)) as Actor;
    const title = `Qui a fait accepter une alerte de chute la nuit ? ${unique("nuit").replace(/[^a-z0-9]/g, "")}`;
    const { id } = await saveDraft(askerActor, {
      kind: "discussion",
      organization: (await pb.collection("organizations").getFirstListItem(pb.filter("slug = 'az-heidebloem'"))).id,
      title,
      body_md: "Nos équipes de nuit coupent les alertes de chute. Qu'est-ce qui a marché chez vous ?",
      language: "fr",
      tags: "alertes",
      anonymous: true,
      care_settings: ["hospital"],
      ai_types: ["computer_vision"],
      about: "",
    });
    await publishAs(askerActor, id);
    const slug = (await pb.collection("posts").getOne(id)).slug;
    const page = await signedInPage(browser, baseUrl, asker.email, asker.password);
    await page.goto(`${baseUrl}/fr/posts/${slug}`);
    const pseudonymous = page.getByLabel("Répondre sous pseudonyme, avec la description de l’organisation");
    await expect(pseudonymous.isChecked()).resolves.toBe(true);
    await expect(page.getByText("Vous avez publié ce fil sous pseudonyme").count()).resolves.toBe(1);
    const text = "Merci à tous, nous allons essayer une alerte plus discrète la nuit.";
    await page.locator("#reply-body").fill(text);
    await pseudonymous.uncheck();
    await page.getByRole("button", { name: "Publier la réponse" }).click();
    await page.waitForLoadState();
    await expect(page.getByText("Ce fil a été publié sous pseudonyme par votre organisation").count()).resolves.toBe(1);
    await expect(page.locator("#reply-body").inputValue()).resolves.toBe(text);
    await expect(pseudonymous.isChecked()).resolves.toBe(false);
    expect((await pb.collection("replies").getList(1, 1, { filter: pb.filter("post = {:p}", { p: id }) })).totalItems).toBe(0);
    await page.locator("#reply-form").scrollIntoViewIfNeeded();
    await shoot(page, "reply-own-pseudonymous-refused", 1280);
    await pseudonymous.check();
    await page.getByRole("button", { name: "Publier la réponse" }).click();
    await page.waitForLoadState();
    const stored = await pb.collection("replies").getFirstListItem(pb.filter("post = {:p}", { p: id }));
    expect(stored).toMatchObject({ anonymous: true, body_md: text });
    await page.context().close();
  });
});
