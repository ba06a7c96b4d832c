// Issue 11 §7–§11 in Chromium, as reviewers work: the DPO signs off from a list of their own
// on a page that shows the whole post; the moderator sees everything that will be public and
// everything that identifies, with a readable history; every decision is answered with what
// was done to which post; the queue keeps dismissed findings with the author's reason, shows
// records waiting for consent (not claimable) and approves imported decisions together; the
// author answers a request for changes and reads the approval note — at 1280 and 390 px.
// Posts are written through the domain functions (the writing form has its own tests); every
// review step goes through the pages.
import AxeBuilder from "@axe-core/playwright";
import path from "node:path";
import type PocketBase from "pocketbase";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { recordDecisions, saveCall } from "../../src/lib/server/funding.ts";
import { claimPost, dismissFinding, dpoReview, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { requestOrganization } from "../../src/lib/server/orgs.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { launchBrowser, signedInPage } from "../helpers/browser.ts";
import { useTestPocketBase } from "../integration/setup.ts";

const baseUrl = inject("baseUrl");
const WIDTHS = [1280, 390] as const;
const EDITOR = "editor.hospital@casebook.example";
const DPO = "dpo.hospital@casebook.example";
const MODERATOR = "moderator@casebook.example";
const FUNDER = "editor.funder@casebook.example";
let browser: Browser;
let pb: PocketBase;
let hospitalId: string;
let fundId: string;

beforeAll(async () => {
  browser = await launchBrowser();
  pb = await useTestPocketBase();
  hospitalId = (await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: "az-heidebloem" }))).id;
  fundId = (await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: "meridian-care-fund" }))).id;
});
afterAll(async () => {
  await browser?.close();
});

async function actor(email: string): Promise<Actor> {
  const user = await pb.collection("users").getFirstListItem(pb.filter("email = {:e}", { e: email }));
  return (await loadActor(user.id))!;
}

async function as(email: string, width: number = 1280): Promise<Page> {
  const page = await signedInPage(browser, baseUrl, email, DEMO_PASSWORD);
  await page.setViewportSize({ width, height: 900 });
  return page;
}

/** Writes docs/screenshots/review-<step>-<width>.png when CASEBOOK_SCREENSHOTS=1 (committed files stay put otherwise). */
async function shoot(page: Page, step: string, width: number): Promise<void> {
  if (process.env.CASEBOOK_SCREENSHOTS !== "1") return;
  await page.screenshot({ path: path.join("docs/screenshots", `review-${step}-${width}.png`), fullPage: true });
}

/** Page-level horizontal overflow in CSS pixels (0 when nothing sticks out sideways). */
async function overflow(page: Page): Promise<number> {
  const { excess, culprits } = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    // The innermost elements that stick out, so a failure says what is too wide, not only by how much.
    // Elements inside a scrolling or clipping box (the phone header's nav strip) cannot widen the page.
    const contained = (el: Element) => {
      for (let p = el.parentElement; p; p = p.parentElement) if (/auto|scroll|hidden|clip/.test(getComputedStyle(p).overflowX)) return true;
      return false;
    };
    const wide = [...document.querySelectorAll("body *")].filter((el) => el.getBoundingClientRect().right > width + 1 && !contained(el));
    return {
      excess: document.documentElement.scrollWidth - width,
      culprits: wide.slice(-3).map((el) => `<${el.tagName.toLowerCase()} class="${el.className}">${(el.textContent ?? "").trim().slice(0, 80)}`),
    };
  });
  if (excess > 0) console.warn(`${page.url()} is ${excess}px wider than the screen: ${culprits.join(" | ")}`);
  return excess;
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
}

/** A case study of AZ Heidebloem (which needs its DPO's sign-off), submitted by its editor. */
async function submittedStory(title: string, extra: Record<string, unknown> = {}): Promise<string> {
  const editor = await actor(EDITOR);
  const { id } = await saveDraft(editor, {
    kind: "case_study",
    organization: hospitalId,
    title,
    summary: "A sepsis early-warning model on four wards, switched off after eleven months of alert fatigue.",
    body_md: "## Context\n\nThe model scored every patient hourly.\n\n## What happened\n\nNurses received forty alerts a shift and stopped reading them.",
    language: "en",
    tags: "sepsis, alerts",
    anonymous: true,
    outcome: "failure",
    care_settings: ["hospital"],
    ai_types: ["predictive_model"],
    lifecycle_stage: "stopped",
    started_on: "2024-02-01",
    ended_on: "2024-12-31",
    data_sources: "Vital signs from the electronic health record",
    cost_eur: 120000,
    lessons_md: "- Agree an alert budget with the nurses first.",
    ...extra,
  });
  return id;
}

async function untilModerators(id: string): Promise<void> {
  const editor = await actor(EDITOR);
  expect((await submitPost(editor, id)).status).toBe("dpo_review");
  await dpoReview(await actor(DPO), id, "approve");
}

async function closedCall(title: string): Promise<string> {
  const { slug } = await saveCall(await actor(FUNDER), fundId, {
    title,
    description: "A call for AI that helps nurses at home, this year's round.",
    opens_on: "2025-01-01",
    closes_on: "2025-03-31",
    status: "closed",
  });
  return (await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }))).id;
}

describe("reviewing (issue 11 §7–§11)", () => {
  for (const width of WIDTHS) {
    it(`the DPO signs off from a list of their own, on a page with the whole post (${width} px)`, async () => {
      const title = `Sepsis alerts switched off ${width} ${Date.now()}`;
      const id = await submittedStory(title, {
        body_md:
          "## Context\n\nThe model scored every patient hourly; questions to the ward manager on +32 470 98 76 54.\n\n## What happened\n\nNurses stopped reading alerts.",
      });
      expect((await submitPost(await actor(EDITOR), id)).status).toBe("dpo_review");

      const dpo = await as(DPO, width);
      await dpo.goto(`${baseUrl}/dashboard`);
      // The DPO's tasks are not among "Posts I wrote": a notice leads to the sign-off list.
      await expect(dpo.getByRole("region", { name: "Posts I wrote" }).getByText(title).count()).resolves.toBe(0);
      // …and the header leads there too, for DPOs only.
      await expect(dpo.getByRole("link", { name: "Sign-off", exact: true }).getAttribute("href")).resolves.toBe("/en/dashboard/signoff");
      await dpo.getByRole("link", { name: "Open the sign-off list" }).click();
      await dpo.waitForURL(/\/dashboard\/signoff$/);
      await expect(dpo.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Sign-off as DPO");
      expect(await seriousViolations(dpo)).toEqual([]);
      expect(await overflow(dpo)).toBeLessThanOrEqual(0);
      await shoot(dpo, "signoff-list", width);
      await dpo.getByRole("link", { name: title }).click();
      await dpo.waitForURL(new RegExp(`/dashboard/signoff/${id}$`));

      // The whole post as it will be published: every fact, the findings, who is behind it.
      await expect(dpo.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(title);
      const facts = dpo.getByRole("complementary", { name: "Facts" });
      for (const text of ["Failure", "Hospital", "Stopped", "Vital signs from the electronic health record", "€120,000", "sepsis"])
        await expect(facts.textContent(), text).resolves.toContain(text);
      await expect(dpo.getByText("Nurses stopped reading alerts.").count()).resolves.toBe(1);
      await expect(dpo.getByRole("region", { name: "Privacy check" }).textContent()).resolves.toContain("+32 470 98 76 54");
      const identity = dpo.getByRole("region", { name: "Who is behind it" });
      await expect(identity.textContent()).resolves.toContain("AZ Heidebloem");
      await expect(identity.textContent()).resolves.toContain("Jonas Vermandel");
      await expect(dpo.getByText(/^Published on/).count()).resolves.toBe(0);
      expect(await seriousViolations(dpo)).toEqual([]);
      expect(await overflow(dpo)).toBeLessThanOrEqual(0);
      await shoot(dpo, "signoff", width);

      // Returning without a comment is refused next to the field; then the DPO approves.
      await dpo.getByRole("button", { name: "Return to the author" }).click();
      await dpo.waitForLoadState();
      await expect(dpo.getByLabel("Comments for the author").getAttribute("aria-invalid")).resolves.toBe("true");
      await expect(dpo.getByText("Tell the author what to change (at least 5 characters).").count()).resolves.toBe(1);
      expect((await pb.collection("posts").getOne(id)).status).toBe("dpo_review");
      await dpo.getByRole("button", { name: "Approve for moderation" }).click();
      await dpo.waitForURL(new RegExp(`/dashboard/signoff\\?done=approve&post=${id}$`));
      const done = dpo.getByRole("status");
      await expect(done.textContent()).resolves.toContain(`You signed off “${title}”`);
      await expect(done.getByRole("link", { name: "View it" }).getAttribute("href")).resolves.toBe(`/en/dashboard/signoff/${id}`);
      expect((await pb.collection("posts").getOne(id)).status).toBe("submitted");
    });
  }

  it("the moderator sees everything that identifies and a readable history; decisions say what was done; the author answers and reads the approval note", async () => {
    const title = `Alert fatigue on four wards ${Date.now()}`;
    const id = await submittedStory(title);
    await untilModerators(id);

    const moderator = await as(MODERATOR);
    await moderator.goto(`${baseUrl}/moderation`);
    await moderator.getByRole("link", { name: title }).click();
    await moderator.waitForURL(new RegExp(`/moderation/posts/${id}$`));
    const identity = moderator.getByRole("region", { name: "Who is behind it" });
    for (const text of ["AZ Heidebloem", "Jonas Vermandel", "Under a descriptor", "shared by"])
      await expect(identity.textContent(), text).resolves.toContain(text);
    // The byline "as it will be published" is the descriptor the crowd allows now, not a placeholder.
    const descriptor = /“([^”]+)”, shared by/.exec((await identity.textContent()) ?? "")![1]!;
    await expect(moderator.getByRole("region", { name: "As it will be published" }).textContent()).resolves.toContain(descriptor);
    const facts = moderator.getByRole("complementary", { name: "Facts" });
    for (const text of ["Failure", "Hospital", "Predictive", "Stopped", "2024", "Vital signs", "€120,000", "alerts"])
      await expect(facts.textContent(), text).resolves.toContain(text);
    await moderator.getByRole("button", { name: "Claim for review" }).click();
    await moderator.waitForURL(new RegExp(`/moderation/posts/${id}\\?claimed=1$`));
    await expect(moderator.getByRole("status").textContent()).resolves.toContain("You are reviewing this post");
    const history = moderator.getByRole("region", { name: "History" });
    const lines = await history.getByRole("listitem").allTextContents();
    expect(lines.join("\n")).toMatch(/Submitted for review/);
    expect(lines.join("\n")).toMatch(/Signed off by the DPO by Saar Deckmijn/);
    expect(lines.join("\n")).toMatch(/Claimed for review by Mira Lambrecq/);
    for (const line of lines) expect(line, "every history line has a date and a time").toMatch(/\d{4}.*\d{1,2}:\d{2}/);
    expect(lines.join("\n")).not.toMatch(/dpo_approve|\bclaim\b|\(submitted → in_review\)/);
    for (const width of WIDTHS) {
      await moderator.setViewportSize({ width, height: 900 });
      expect(await overflow(moderator)).toBeLessThanOrEqual(0);
      await shoot(moderator, "moderation-post", width);
    }
    await moderator.setViewportSize({ width: 1280, height: 900 });
    expect(await seriousViolations(moderator)).toEqual([]);

    // A rejection without a reason: marked next to the reason field, the message kept.
    await moderator.getByLabel("Message to the author").fill("Too close to an advertisement for the vendor.");
    await moderator.getByRole("button", { name: "Reject" }).click();
    await moderator.waitForLoadState();
    await expect(moderator.getByLabel("Reason (to reject)").getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(moderator.getByText("Choose why the post is rejected.").count()).resolves.toBe(1);
    await expect(moderator.getByLabel("Message to the author").inputValue()).resolves.toBe("Too close to an advertisement for the vendor.");
    expect((await pb.collection("posts").getOne(id)).status).toBe("in_review");
    for (const width of WIDTHS) {
      await moderator.setViewportSize({ width, height: 900 });
      expect(await overflow(moderator)).toBeLessThanOrEqual(0);
      await shoot(moderator, "moderation-reject-error", width);
    }
    await moderator.setViewportSize({ width: 1280, height: 900 });

    // Request changes: the queue says what was done to which post, with a link to it.
    await moderator.getByLabel("Message to the author").fill("Please say how many alerts a shift the nurses received before and after tuning.");
    await moderator.getByRole("button", { name: "Request changes" }).click();
    await moderator.waitForURL(new RegExp(`/moderation\\?done=request_changes&post=${id}$`));
    const done = moderator.getByRole("status");
    await expect(done.textContent()).resolves.toContain(`“${title}” went back to its author`);
    await expect(done.getByRole("link", { name: "View it" }).getAttribute("href")).resolves.toBe(`/en/moderation/posts/${id}`);
    await expect(moderator.getByText("Done.", { exact: true }).count()).resolves.toBe(0);

    // The author answers the note on the dashboard.
    const author = await as(EDITOR);
    await author.goto(`${baseUrl}/dashboard`);
    await expect(author.getByRole("link", { name: "Sign-off", exact: true }).count()).resolves.toBe(0);
    const notes = author.getByRole("region", { name: "Notes from reviewers" });
    await expect(notes.textContent()).resolves.toContain("how many alerts a shift");
    await notes.getByRole("button", { name: "Send the answer" }).first().click();
    await author.waitForLoadState();
    await expect(author.getByText("Write your answer to the reviewer.").count()).resolves.toBe(1);
    const answer = author.getByRole("listitem").filter({ hasText: title }).getByLabel("Your answer to the reviewer");
    await answer.fill("Forty alerts a shift before, twelve after tuning; both numbers are now in the story.");
    await author.getByRole("listitem").filter({ hasText: title }).getByRole("button", { name: "Send the answer" }).click();
    await author.waitForLoadState();
    await expect(author.getByRole("status").textContent()).resolves.toContain(`about “${title}” is saved`);
    expect(await seriousViolations(author)).toEqual([]);
    for (const width of WIDTHS) {
      await author.setViewportSize({ width, height: 900 });
      expect(await overflow(author)).toBeLessThanOrEqual(0);
      await shoot(author, "dashboard-notes", width);
    }
    await untilModerators(id);

    // The moderator reads the answer with the resubmission, then approves with a note.
    await moderator.goto(`${baseUrl}/moderation/posts/${id}`);
    await expect(moderator.getByRole("region", { name: "The author's answer to the request for changes" }).textContent()).resolves.toContain(
      "twelve after tuning",
    );
    await moderator.getByRole("button", { name: "Claim for review" }).click();
    await moderator.waitForURL(/\?claimed=1$/);
    await moderator.getByLabel("Message to the author").fill("Thank you: the numbers make the lesson clear.");
    await moderator.getByRole("button", { name: "Approve and publish" }).click();
    await moderator.waitForURL(new RegExp(`/moderation\\?done=approve&post=${id}$`));
    const published = moderator.getByRole("status");
    await expect(published.textContent()).resolves.toContain(`“${title}” is published.`);
    const slug = (await pb.collection("posts").getOne(id)).slug;
    await expect(published.getByRole("link", { name: "View it" }).getAttribute("href")).resolves.toBe(`/en/posts/${slug}`);
    for (const width of WIDTHS) {
      await moderator.setViewportSize({ width, height: 900 });
      expect(await overflow(moderator)).toBeLessThanOrEqual(0);
      await shoot(moderator, "moderation-done", width);
    }
    await moderator.setViewportSize({ width: 1280, height: 900 });

    await author.goto(`${baseUrl}/dashboard`);
    const note = author.getByRole("listitem").filter({ hasText: `Published with a note: “${title}”` });
    await expect(note.textContent()).resolves.toContain("the numbers make the lesson clear");
  });

  it("verifying organisations: a refusal without a reason is marked next to its field; a verification says which organisation", async () => {
    const name = `Review Lab ${Date.now()}`;
    // A research group in Brussels: verifying it leaves the crowds other journeys rely on (home care, Wallonia) alone.
    await requestOrganization(await actor("member@casebook.example"), {
      name,
      kind: "research",
      country: "BE",
      region: "brussels",
      website: "",
      description: "",
    });
    const moderator = await as(MODERATOR);
    await moderator.goto(`${baseUrl}/moderation/organizations`);
    await moderator.getByRole("button", { name: `Refuse ${name}` }).click();
    await moderator.waitForLoadState();
    const card = moderator.getByRole("listitem").filter({ hasText: name });
    await expect(card.getByLabel("Reason (required to refuse)").getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(card.getByText("Explain why the organisation is refused").count()).resolves.toBe(1);
    await moderator.getByRole("button", { name: `Verify ${name}` }).click();
    await moderator.waitForLoadState();
    await expect(moderator.getByRole("status").textContent()).resolves.toContain(`“${name}” is verified`);
    await expect(moderator.getByText("Done.", { exact: true }).count()).resolves.toBe(0);
  });

  it("the queue keeps dismissed findings with the reason, shows records waiting for consent (not claimable), and approves imported decisions together", async () => {
    const stamp = Date.now();
    const title = `Ward phone line in the story ${stamp}`;
    const id = await submittedStory(title, {
      body_md: "## Context\n\nQuestions went to the ward line +32 470 98 76 54 during the pilot.\n\n## Result\n\nStopped.",
    });
    const editor = await actor(EDITOR);
    const phone = ((await pb.collection("posts").getOne(id)).privacy_findings as { id: string; kind: string }[]).find((f) => f.kind === "phone")!;
    await dismissFinding(editor, id, phone.id, "This is the hospital's public switchboard, not a patient's number.");
    await untilModerators(id);

    const callId = await closedCall(`Home nursing AI ${stamp}`);
    const funder = await actor(FUNDER);
    const awards = [`Route planning award ${stamp}`, `Wound photo award ${stamp}`];
    const waiting = `Refused home monitoring ${stamp}`;
    await recordDecisions(funder, callId, [
      ...awards.map((t) => ({
        title: t,
        applicantType: "outside",
        applicant: `Outside Lab ${t}`,
        amountRequested: 80_000,
        amountAwarded: 60_000,
        decision: "awarded",
        decidedOn: "2025-06-30",
        language: "en",
      })),
      {
        title: waiting,
        applicantType: "platform",
        applicant: "soins-val-de-meuse",
        amountRequested: 90_000,
        decision: "rejected",
        decidedOn: "2025-06-30",
        language: "en",
        rejectionReasons: ["data_governance"],
        reasonText: "No impact assessment.",
      },
    ]);

    const moderator = await as(MODERATOR);
    await moderator.goto(`${baseUrl}/moderation`);
    await moderator.getByLabel("With privacy findings").check();
    await moderator.getByRole("button", { name: "Filter" }).click();
    await moderator.waitForURL(/findings=1/);
    const row = moderator.getByRole("row").filter({ hasText: title });
    await expect(row.textContent()).resolves.toContain("Dismissed by the author");
    await expect(row.textContent()).resolves.toContain("public switchboard");

    await moderator.goto(`${baseUrl}/moderation`);
    const consentRow = moderator.getByRole("row").filter({ hasText: waiting });
    await expect(consentRow.textContent()).resolves.toContain("Waiting for the applicant's consent");
    for (const width of WIDTHS) {
      await moderator.setViewportSize({ width, height: 900 });
      expect(await overflow(moderator)).toBeLessThanOrEqual(0);
      await shoot(moderator, "queue", width);
    }
    await moderator.setViewportSize({ width: 1280, height: 900 });
    expect(await seriousViolations(moderator)).toEqual([]);
    await consentRow.getByRole("link", { name: waiting }).click();
    await expect(moderator.getByRole("button", { name: "Claim for review" }).count()).resolves.toBe(0);
    // A funder's record shows the applicant as recorded, its consent, amounts, decision and reasons.
    const who = await moderator.getByRole("region", { name: "Who is behind it" }).textContent();
    for (const text of ["Meridian Care Innovation Fund", "Soins à Domicile Val-de-Meuse", "Waiting for the applicant's answer", "Anonymised"])
      expect(who, text).toContain(text);
    const record = await moderator.getByRole("region", { name: "As it will be published" }).textContent();
    for (const text of ["Refused", "€90,000", "Data governance", "No impact assessment.", "30 June 2025"]) expect(record, text).toContain(text);
    await expect(moderator.getByText("cannot be claimed").count()).resolves.toBe(1);

    await moderator.goto(`${baseUrl}/moderation`);
    await moderator.getByRole("link", { name: "Approve imported funding decisions together" }).click();
    await moderator.waitForURL(/\/moderation\/decisions$/);
    await expect(moderator.getByRole("row").filter({ hasText: waiting }).getByRole("link", { name: "Review on its own" }).count()).resolves.toBe(1);
    await expect(moderator.getByRole("row").filter({ hasText: awards[0]! }).textContent()).resolves.toContain("Outside Lab");
    for (const width of WIDTHS) {
      await moderator.setViewportSize({ width, height: 900 });
      expect(await overflow(moderator)).toBeLessThanOrEqual(0);
      await shoot(moderator, "bulk", width);
    }
    await moderator.setViewportSize({ width: 1280, height: 900 });
    expect(await seriousViolations(moderator)).toEqual([]);
    // Nothing chosen: said next to the list, nothing changes.
    await moderator.getByRole("button", { name: "Approve the selected records" }).click();
    await moderator.waitForLoadState();
    await expect(moderator.getByText("Choose at least one record to approve.").count()).resolves.toBe(1);
    for (const t of awards) await moderator.getByLabel(`Approve “${t}”`).check();
    await moderator.getByRole("button", { name: "Approve the selected records" }).click();
    await moderator.waitForLoadState();
    await expect(moderator.getByRole("status").textContent()).resolves.toContain("2 records approved and published.");
    for (const t of awards) {
      const post = await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t }));
      expect(post.status).toBe("published");
      await expect(moderator.getByRole("row").filter({ hasText: t }).count()).resolves.toBe(0);
    }
  });
});

describe("a review left claimed", () => {
  it("after a day another moderator sees the claim has lapsed, takes the review over, and the history says so", async () => {
    const title = `Night-shift handover summaries ${Date.now()}`;
    const id = await submittedStory(title);
    await untilModerators(id);
    await claimPost(await actor(MODERATOR), id);
    const admin = await as("admin@casebook.example");
    await admin.goto(`${baseUrl}/moderation/posts/${id}`);
    const decide = admin.getByRole("region", { name: "Decision" });
    await expect(decide.textContent()).resolves.toContain("is reviewing this post.");
    await expect(admin.getByRole("button", { name: "Take over the review" }).count()).resolves.toBe(0);
    // The moderator went on leave two days ago.
    await pb.collection("posts").update(id, { claimed_at: new Date(Date.now() - 48 * 3_600_000).toISOString() });
    await admin.reload();
    await expect(decide.textContent()).resolves.toContain("Claimed more than 24 hours ago: you may take the review over.");
    expect(await seriousViolations(admin)).toEqual([]);
    await admin.getByRole("button", { name: "Take over the review" }).click();
    await admin.waitForURL(new RegExp(`/moderation/posts/${id}\\?claimed=1$`));
    await expect(admin.getByRole("status").textContent()).resolves.toContain("You are reviewing this post");
    const lines = (await admin.getByRole("region", { name: "History" }).getByRole("listitem").allTextContents()).join("\n");
    expect(lines).toMatch(/Claimed for review by Mira Lambrecq/);
    expect(lines).toMatch(/Review taken over by/);
    await expect(admin.getByRole("button", { name: "Request changes" }).count()).resolves.toBe(1);
  });
});
