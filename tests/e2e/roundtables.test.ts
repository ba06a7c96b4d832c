// Issue 14 §3 in Chromium: a hospital's editor hosts a round table on /round-tables/new (a
// refused session keeps everything typed, with the message next to the field), invites two
// organisations by name; one's admin accepts from the dashboard's invitation, naming an attendee,
// who then posts in the preparation space; the other's admin declines and sees neither the
// space, nor the place, nor the link. A visitor sees the topic, host and dates only. The .ics is
// offered per session. Screenshots of the form and the round table page; axe on both.
import AxeBuilder from "@axe-core/playwright";
import type PocketBase from "pocketbase";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, preferEnglish, shoot, signInOnPage } from "../helpers/browser.ts";
import { createUser, unique, useTestPocketBase } from "../integration/setup.ts";

const baseUrl = inject("baseUrl");
let browser: Browser;
let pb: PocketBase;
type Person = { id: string; email: string; password: string };
let editor: Person;
let acceptAdmin: Person;
let attendee: Person;
let declineAdmin: Person;
const suffix = unique("rt").replace(/[^a-z0-9]/g, "");
const names = { host: `Hôpital Sainte-Anne ${suffix}`, accepting: `Thuiszorg Noord ${suffix}`, declining: `Zorgnet West ${suffix}` };

async function organization(name: string, members: [Person, string][]): Promise<string> {
  const org = await pb.collection("organizations").create({
    name,
    slug: `org-${unique("o").replace(/[^a-z0-9]/g, "")}`,
    kind: "hospital",
    region: "flanders",
    country: "BE",
    verified: true,
    verification_status: "verified",
  });
  for (const [user, role] of members) await pb.collection("memberships").create({ user: user.id, organization: org.id, role, status: "active" });
  return org.id;
}

async function page(person: Person): Promise<Page> {
  const context = await browser.newContext();
  await preferEnglish(context, baseUrl);
  const p = await context.newPage();
  await signInOnPage(p, baseUrl, person.email, person.password);
  return p;
}

async function seriousViolations(p: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page: p }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
}

beforeAll(async () => {
  browser = await launchBrowser();
  pb = await useTestPocketBase();
  [editor, acceptAdmin, attendee, declineAdmin] = (await Promise.all([
    createUser(pb, { name: "Claire Martin" }),
    createUser(pb, { name: "Pieter Claes" }),
    createUser(pb, { name: "Ine Wouters" }),
    createUser(pb, { name: "Koen Maes" }),
  ])) as [Person, Person, Person, Person];
  await organization(names.host, [[editor, "editor"]]);
  await organization(names.accepting, [
    [acceptAdmin, "admin"],
    [attendee, "member"],
  ]);
  await organization(names.declining, [[declineAdmin, "admin"]]);
});
afterAll(async () => {
  await browser?.close();
});

describe("a round table from creation to its preparation space", () => {
  it("is hosted, answered by two organisations, and its preparation space is seen by participants only", async () => {
    const host = await page(editor);
    await host.goto(`${baseUrl}/round-tables`);
    await host.getByRole("link", { name: "Host a round table" }).first().click();
    await host.waitForURL(/\/round-tables\/new\?host=/);
    const title = `When do we stop an AI pilot? ${suffix}`;
    await host.getByLabel(/^Topic/).fill(title);
    await host.getByLabel(/^Description/).fill("Stopping a pilot is a decision too. **Bring your criteria.**");
    await host.getByLabel("Dutch").check();
    await host.getByLabel("Chatham House rule").check();
    const session = host.getByRole("group", { name: /^Session 1/ });
    await session.getByLabel(/^Date/).fill("2031-03-30");
    await session.getByLabel(/^Starts at/).fill("14:00");
    await session.getByLabel(/^Ends at/).fill("13:00");
    await session.getByLabel(/^Place/).fill("Zaal Dokkaai, Gent");
    await session.getByLabel(/^Online link/).fill("https://meet.example.org/stop-pilot");
    await session.getByLabel(/^Agenda/).fill("1. Our stop criteria\n2. A failed pilot, told");
    await host.getByLabel(names.accepting).check();
    await host.getByLabel(names.declining).check();
    for (const width of [1280, 390]) {
      await host.setViewportSize({ width, height: 900 });
      await shoot(host, "roundtable-form", width);
    }
    await host.setViewportSize({ width: 1280, height: 900 });
    expect(await seriousViolations(host)).toEqual([]);
    await host.getByRole("button", { name: "Create the round table" }).click();
    await host.waitForLoadState();
    // Refused next to the end time; everything typed is kept.
    await expect(host.getByText("The session must end after it starts.").count()).resolves.toBe(1);
    await expect(host.getByLabel(/^Topic/).inputValue()).resolves.toBe(title);
    await expect(
      host
        .getByRole("group", { name: /^Session 1/ })
        .getByLabel(/^Place/)
        .inputValue(),
    ).resolves.toBe("Zaal Dokkaai, Gent");
    await expect(host.getByLabel(names.accepting).isChecked()).resolves.toBe(true);
    await expect(host.getByLabel("Chatham House rule").isChecked()).resolves.toBe(true);
    expect((await pb.collection("round_tables").getList(1, 1, { filter: pb.filter("title = {:t}", { t: title }) })).totalItems).toBe(0);

    await host
      .getByRole("group", { name: /^Session 1/ })
      .getByLabel(/^Ends at/)
      .fill("16:00");
    await host.getByRole("button", { name: "Create the round table" }).click();
    await host.waitForURL(/\/round-tables\/[a-z0-9-]+\?saved=1$/);
    const path = new URL(host.url()).pathname;
    // Shown in the zone it was planned in (Brussels summer time, stored 12:00 UTC).
    await expect(host.getByText(/30 March 2031, 14:00–16:00 \(Europe\/Brussels\)/).count()).resolves.toBe(1);
    await expect(host.getByText("Zaal Dokkaai, Gent").count()).resolves.toBe(1);
    const stored = await pb.collection("round_tables").getFirstListItem(pb.filter("title = {:t}", { t: title }));
    const sessions = await pb.collection("round_table_sessions").getFullList({ filter: pb.filter("round_table = {:r}", { r: stored.id }) });
    expect(sessions.map((s) => s.starts_at)).toEqual(["2031-03-30 12:00:00.000Z"]);

    // The accepting admin: the invitation on the dashboard, accept naming an attendee.
    const admin = await page(acceptAdmin);
    await admin.goto(`${baseUrl}/dashboard`);
    await admin.getByRole("link", { name: new RegExp(`invites ${names.accepting}`) }).click();
    await admin.waitForURL(new RegExp(`${path}#answer$`));
    await admin.getByLabel("Ine Wouters").check();
    await admin.getByRole("button", { name: "Accept for my organisation" }).click();
    await admin.waitForURL(/\?answered=1$/);

    // The declining admin declines, and then sees nothing meant for participants.
    const decliner = await page(declineAdmin);
    await decliner.goto(`${baseUrl}${path}`);
    await decliner.getByRole("button", { name: "Decline" }).click();
    await decliner.waitForURL(/\?answered=1$/);

    // The attendee posts in the preparation space.
    const member = await page(attendee);
    await member.goto(`${baseUrl}${path}`);
    const message = `I can present our stop criteria template. ${suffix}`;
    await member.getByLabel(/^Your message/).fill(message);
    await member.getByRole("button", { name: "Post to the preparation space" }).click();
    await member.waitForURL(/\?posted=1#preparation$/);
    await expect(member.getByText(message).count()).resolves.toBe(1);
    await expect(member.getByText("https://meet.example.org/stop-pilot").count()).resolves.toBe(1);
    for (const width of [1280, 390]) {
      await member.setViewportSize({ width, height: 900 });
      await shoot(member, "roundtable-page", width);
    }
    await member.setViewportSize({ width: 1280, height: 900 });
    expect(await seriousViolations(member)).toEqual([]);
    // Its .ics carries the link for a participant.
    const ics = await member.request.get(`${baseUrl}${path}/sessions/${sessions[0]!.id}.ics`);
    expect(`${ics.status()} ${ics.headers()["content-type"]}`, await ics.text()).toBe("200 text/calendar; charset=utf-8");
    expect((await ics.text()).replace(/\r\n[ \t]/g, "")).toContain("meet.example.org/stop-pilot");

    // The organisation that declined, and a visitor: topic, host and dates, nothing else.
    const visitorContext = await browser.newContext();
    await preferEnglish(visitorContext, baseUrl);
    const visitor = await visitorContext.newPage();
    for (const outsider of [decliner, visitor]) {
      await outsider.goto(`${baseUrl}${path}`);
      const html = await outsider.content();
      await expect(outsider.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(title);
      expect(html).toContain("14:00–16:00");
      for (const secret of [message, "Preparation space", "Zaal Dokkaai", "meet.example.org", names.accepting, "Ine Wouters"])
        expect(html).not.toContain(secret);
    }
    await expect(decliner.getByRole("button", { name: "Post to the preparation space" }).count()).resolves.toBe(0);
    const outsiderIcs = await visitor.request.get(`${baseUrl}${path}/sessions/${sessions[0]!.id}.ics`);
    expect(await outsiderIcs.text()).not.toContain("meet.example.org");
    await visitorContext.close();
  });

  it("its host withdraws an invitation nobody has answered: gone from the list, and from the invited admin's dashboard", async () => {
    const host = await page(editor);
    await host.goto(`${baseUrl}/round-tables`);
    await host.getByRole("link", { name: "Host a round table" }).first().click();
    await host.waitForURL(/\/round-tables\/new\?host=/);
    const title = `Who owns the model's errors? ${suffix}`;
    await host.getByLabel(/^Topic/).fill(title);
    await host.getByLabel(/^Description/).fill("A morning on liability when a model is wrong.");
    const session = host.getByRole("group", { name: /^Session 1/ });
    await session.getByLabel(/^Date/).fill("2031-05-12");
    await session.getByLabel(/^Starts at/).fill("09:30");
    await session.getByLabel(/^Ends at/).fill("12:00");
    await host.getByLabel(names.declining).check();
    await host.getByRole("button", { name: "Create the round table" }).click();
    await host.waitForURL(/\/round-tables\/[a-z0-9-]+\?saved=1$/);
    const invited = host.getByRole("complementary").getByRole("listitem").filter({ hasText: names.declining });
    await expect(invited.textContent()).resolves.toContain("Invited, waiting for an answer");
    for (const width of [1280, 390]) {
      await host.setViewportSize({ width, height: 900 });
      await shoot(host, "roundtable-withdraw", width);
    }
    await host.setViewportSize({ width: 1280, height: 900 });
    await invited.getByRole("button", { name: "Withdraw the invitation" }).click();
    await host.waitForURL(/\?withdrawn=1$/);
    await expect(host.getByRole("status").textContent()).resolves.toContain("The invitation is withdrawn");
    await expect(host.getByText("No organisation is invited yet.").count()).resolves.toBe(1);
    const stored = await pb.collection("round_tables").getFirstListItem(pb.filter("title = {:t}", { t: title }));
    expect(await pb.collection("round_table_participants").getFullList({ filter: pb.filter("round_table = {:r}", { r: stored.id }) })).toEqual([]);
    const admin = await page(declineAdmin);
    await admin.goto(`${baseUrl}/dashboard`);
    await expect(
      admin
        .getByRole("link", { name: new RegExp(`invites ${names.declining}`) })
        .filter({ hasText: title })
        .count(),
    ).resolves.toBe(0);
  });
});
