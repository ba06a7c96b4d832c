// Issue 14 §4 in Chromium: after the session, the host's editor writes the round table's summary
// from its page, the host's DPO signs it off, each participant's admin is asked whether it may be
// named (one consents on their consent page, the other refuses), the moderator claims and
// publishes it, and the summary is public and searchable, naming only the consenting
// organisation and describing the other one by its descriptor.
import AxeBuilder from "@axe-core/playwright";
import type PocketBase from "pocketbase";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { launchBrowser, shoot, signedInPage } from "../helpers/browser.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "../integration/setup.ts";

const baseUrl = inject("baseUrl");
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace("T", " ");
let browser: Browser;
let pb: PocketBase;
type Login = { id: string; email: string; password: string };
let editor: Login;
let dpo: Login;
let consentingAdmin: Login;
let refusingAdmin: Login;
let host: { id: string; slug: string; name: string };
let consenting: { id: string; slug: string; name: string };
let refusing: { id: string; slug: string; name: string };
let table: { id: string; slug: string; title: string };

beforeAll(async () => {
  browser = await launchBrowser();
  pb = await useTestPocketBase();
  [editor, dpo, consentingAdmin, refusingAdmin] = await Promise.all([
    createUser(pb, { name: "Anke Willems" }),
    createUser(pb, { name: "Pieter Claes" }),
    createUser(pb, { name: "Sofie Maes" }),
    createUser(pb, { name: "Claire Dubois" }),
  ]);
  const u = unique("e").replace(/[^a-z0-9]/g, "");
  host = await createOrganization(
    pb,
    [
      { userId: editor.id, role: "editor" },
      { userId: dpo.id, role: "dpo" },
    ],
    { name: `AZ Rondetafel ${u}`, requires_dpo_review: true },
  );
  consenting = await createOrganization(pb, [{ userId: consentingAdmin.id, role: "admin" }], { name: `Thuiszorg Open ${u}`, kind: "home_care" });
  refusing = await createOrganization(pb, [{ userId: refusingAdmin.id, role: "admin" }], {
    name: `Centre Réservé ${u}`,
    kind: "mental_health",
    region: "wallonia",
  });
  // The round table, as the round-tables engineer's pages create it: one session two days ago, both invitees accepted.
  const slug = `triage-chatbots-${u}`;
  const title = `Triage chatbots in practice ${u}`;
  const record = await pb
    .collection("round_tables")
    .create({ slug, title, host: host.id, created_by: editor.id, status: "open", chatham_house: true, languages: ["en"] });
  const start = Date.now() - 48 * HOUR;
  await pb
    .collection("round_table_sessions")
    .create({ round_table: record.id, starts_at: iso(start), ends_at: iso(start + 2 * HOUR), time_zone: "Europe/Brussels" });
  for (const org of [consenting, refusing])
    await pb.collection("round_table_participants").create({ round_table: record.id, organization: org.id, status: "accepted", named_in_summary: "not_asked" });
  table = { id: record.id, slug, title };
});
afterAll(async () => {
  await browser?.close();
});

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
}

describe("a round table's summary", () => {
  it("is written after the session, signed off, consented to by one participant, published, and names only that one", async () => {
    const marker = unique("sum").replace(/[^a-z0-9]/g, "");
    const title = `What three organisations learnt about triage chatbots ${marker}`;
    const page = await signedInPage(browser, baseUrl, editor.email, editor.password);
    await page.goto(`${baseUrl}/en/round-tables/${table.slug}`);
    await page.getByRole("link", { name: "Write the summary" }).click();
    await page.waitForURL(new RegExp(`/en/write\\?kind=round_table_summary&round_table=${table.slug}$`));
    await expect(page.getByText("Chatham House rule: attribute no statement to anyone.").count()).resolves.toBe(1);
    await page.getByLabel(/^Title/).fill(title);
    await page.getByLabel(/^In short/).fill("Participants compared triage chatbot pilots and agreed on what to measure first.");
    // Under Chatham House, naming a participant is refused next to the field and what was typed stays.
    const named = `## What was discussed\n\n${consenting.name} said its nurses check every answer. ${marker}`;
    await page.getByLabel(/^The summary/).fill(named);
    await page.getByRole("button", { name: "Save and submit for review" }).click();
    await page.waitForLoadState();
    await expect(page.getByText(/follows the Chatham House rule/).count()).resolves.toBeGreaterThan(0);
    await expect(page.getByLabel(/^The summary/).inputValue()).resolves.toBe(named);
    await expect(page.getByLabel(/^Title/).inputValue()).resolves.toBe(title);
    expect((await pb.collection("posts").getList(1, 1, { filter: pb.filter("title = {:t}", { t: title }) })).totalItems).toBe(0);
    await page
      .getByLabel(/^The summary/)
      .fill(
        `## What was discussed\n\nOne participant said its nurses check every answer. ${marker}\n\n## Recommendations\n\n- Measure time to triage before and after.`,
      );
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await shoot(page, "summary-form", width);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole("button", { name: "Save and submit for review" }).click();
    await page.waitForURL(/\/en\/dashboard\/posts\/[a-z0-9]{15}\?submitted=1$/);
    const id = /posts\/([a-z0-9]{15})/.exec(page.url())![1]!;
    expect(await pb.collection("posts").getOne(id)).toMatchObject({ kind: "round_table_summary", status: "dpo_review", round_table: table.id });

    // The host's DPO signs off.
    const dpoPage = await signedInPage(browser, baseUrl, dpo.email, dpo.password);
    await dpoPage.goto(`${baseUrl}/en/dashboard/signoff/${id}`);
    await dpoPage.getByRole("button", { name: "Approve for moderation" }).click();
    await dpoPage.waitForURL(new RegExp(`/dashboard/signoff\\?done=approve&post=${id}$`));

    // Each participant's admin finds the request on the dashboard and answers.
    const yes = await signedInPage(browser, baseUrl, consentingAdmin.email, consentingAdmin.password);
    await yes.getByRole("link", { name: "Read and answer" }).click();
    await yes.waitForURL(/\/en\/dashboard\/summary-consent$/);
    await expect(yes.getByText(`One participant said its nurses check every answer. ${marker}`).count()).resolves.toBe(1);
    expect(await seriousViolations(yes)).toEqual([]);
    await shoot(yes, "summary-consent", 1280);
    await yes.getByRole("button", { name: `Name ${consenting.name}` }).click();
    await yes.waitForURL(/\/en\/dashboard\/summary-consent\?done=1/);
    await expect(yes.getByText(`You agreed: ${consenting.name} is named.`).count()).resolves.toBe(1);

    const no = await signedInPage(browser, baseUrl, refusingAdmin.email, refusingAdmin.password);
    await no.goto(`${baseUrl}/en/dashboard/summary-consent`);
    await no.getByRole("button", { name: "Describe it only" }).click();
    await no.waitForURL(/\/en\/dashboard\/summary-consent\?done=1/);

    // The moderator claims and publishes it on the moderation pages.
    const moderator = await signedInPage(browser, baseUrl, "moderator@casebook.example", DEMO_PASSWORD);
    await moderator.goto(`${baseUrl}/en/moderation/posts/${id}`);
    await moderator.getByRole("button", { name: "Claim for review" }).click();
    await moderator.waitForURL(new RegExp(`/moderation/posts/${id}\\?claimed=1$`));
    await moderator.getByRole("button", { name: "Approve and publish" }).click();
    await moderator.waitForURL(new RegExp(`/moderation\\?done=approve&post=${id}$`));
    expect((await pb.collection("round_tables").getOne(table.id)).status).toBe("summarised");

    // Public: the page, as a visitor sees it.
    const slug = (await pb.collection("posts").getOne(id)).slug;
    const visitorContext = await browser.newContext();
    const visitor = await visitorContext.newPage();
    await visitor.goto(`${baseUrl}/en/posts/${slug}`);
    const panel = visitor.getByRole("region", { name: "The round table" });
    await expect(panel.textContent()).resolves.toContain(table.title);
    await expect(panel.textContent()).resolves.toContain(host.name);
    await expect(panel.getByRole("link", { name: consenting.name }).count()).resolves.toBe(1);
    await expect(panel.locator("li.described").count()).resolves.toBe(1);
    await expect(panel.getByText(/Held under the Chatham House rule/).count()).resolves.toBe(1);
    expect(await visitor.content()).not.toContain(refusing.name);
    expect(await seriousViolations(visitor)).toEqual([]);
    for (const width of [1280, 390]) {
      await visitor.setViewportSize({ width, height: 900 });
      await shoot(visitor, "summary-page", width);
    }
    await visitor.setViewportSize({ width: 1280, height: 900 });

    // Searchable (the site's search worker indexes it shortly), under its kind.
    for (let i = 0; ; i++) {
      await visitor.goto(`${baseUrl}/en/search?q=${marker}&kind=round_table_summary`);
      if ((await visitor.getByRole("link", { name: title }).count()) > 0) break;
      if (i > 50) throw new Error("the summary never appeared in search");
      await visitor.waitForTimeout(200);
    }
    expect(await visitor.content()).not.toContain(refusing.name);
    // The consenting organisation's page lists the round table it took part in; the refusing one's does not.
    await visitor.goto(`${baseUrl}/en/organizations/${consenting.slug}`);
    await expect(visitor.getByRole("region", { name: "Round tables it took part in" }).getByRole("link", { name: title }).count()).resolves.toBe(1);
    await visitor.goto(`${baseUrl}/en/organizations/${refusing.slug}`);
    await expect(visitor.getByRole("link", { name: title }).count()).resolves.toBe(0);
  });
});
