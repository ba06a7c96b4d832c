// Digests and "immediate" follows on a real PocketBase and a real SMTP server (issue 13 §4).
// A post published in a followed tag reaches "immediate" followers by one mail written in the
// batch that publishes it; the daily digest lists it by its public projection (an anonymous
// post by its descriptor, never its organisation); a run interrupted midway and restarted
// queues each member's digest exactly once; a period missed while the site was down is caught
// up once; unverified addresses and members who unsubscribed get nothing; an approved edit of a
// published post is not sent again as news.
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderDescriptor } from "../../src/lib/server/anonymity.ts";
import { getConfig } from "../../src/lib/server/config.ts";
import { digestPeriod, nextDigestTime, runDigests } from "../../src/lib/server/digests.ts";
import { follow } from "../../src/lib/server/follows.ts";
import { drainMailOutbox } from "../../src/lib/server/mailoutbox.ts";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { unsubscribeWithToken } from "../../src/lib/server/notifications.ts";
import { type Actor, loadActor } from "../../src/lib/server/users.ts";
import { startSmtpServer, type TestSmtpServer } from "../helpers/smtp.ts";
import { caseStudyInput } from "./search-helpers.ts";
import { createOrganization, createUser, unique, useOwnPocketBase } from "./setup.ts";

let pb: PocketBase;
let stopOwn: (() => Promise<void>) | undefined;
let smtp: TestSmtpServer;
let moderator: Actor;
let editor: Actor;
let org: { id: string; slug: string; name: string };
const tag = (prefix: string) =>
  unique(prefix)
    .replace(/[^a-z0-9-]/g, "")
    .slice(0, 30);
const TAG = tag("dg");
const NOW_TAG = tag("now");

// The worker process outlives this file: the next file in it must not find SMTP_URL pointing
// at a server stopped below (its mail tests then time out instead of reading the .eml drop).
const smtpUrlBefore = process.env.SMTP_URL;

beforeAll(async () => {
  // Before the first getConfig() call, which reads SMTP_URL once for the process.
  smtp = await startSmtpServer();
  process.env.SMTP_URL = smtp.url;
  // A PocketBase of this file's own: the shared one's outbox and members hold every earlier
  // file's rows, and draining or digesting them would be most of this file's time.
  const own = await useOwnPocketBase();
  pb = own.pb;
  stopOwn = own.stop;
  moderator = (await loadActor((await createUser(pb, { role: "moderator" })).id))!;
  const user = await createUser(pb, { name: "Eddy Editor" });
  org = await createOrganization(pb, [{ userId: user.id, role: "editor" }], { name: `Secret Hospital ${unique("h")}` });
  // A crowd of K verified Flemish hospitals, so that an anonymous post is published under a descriptor finer than
  // "an organisation" — the one its mails must show, chosen at publication.
  for (let i = 1; i < getConfig().anonymityK; i++) await createOrganization(pb);
  editor = (await loadActor(user.id))!;
});

afterAll(async () => {
  if (smtpUrlBefore === undefined) delete process.env.SMTP_URL;
  else process.env.SMTP_URL = smtpUrlBefore;
  await smtp.stop();
  await stopOwn?.();
});

async function publish(input: Record<string, unknown>): Promise<{ id: string; slug: string }> {
  const draft = await saveDraft(editor, input);
  await submitPost(editor, draft.id);
  await claimPost(moderator, draft.id);
  await approvePost(moderator, draft.id);
  return draft;
}

async function reader(cadences: [string, "immediate" | "daily" | "weekly"][], overrides: Record<string, unknown> = {}): Promise<{ id: string; email: string }> {
  const user = await createUser(pb, overrides);
  const actor = (await loadActor(user.id))!;
  for (const [value, cadence] of cadences) await follow(actor, { kind: "tag", value }, cadence);
  return user;
}

/** Drains until nothing due is left (other files' rows may be waiting too). */
async function drainAll(): Promise<void> {
  for (let round = 1; round <= 100; round++) {
    const result = await drainMailOutbox({ limit: 200 });
    if (result.sent + result.skipped + result.failed === 0) return;
  }
  throw new Error("the outbox did not drain in 100 rounds");
}

// Digest subjects start with how many posts are new ("Casebook: 2 new…"); a "new post" mail's with "new in what you follow —".
const digestsTo = (email: string) => smtp.to(email).filter((m) => /^Casebook[ \u00a0]?: \d+ /.test(m.parsed.subject ?? ""));

describe("digests", () => {
  it("an immediate follower hears at once, a restarted digest run sends each digest exactly once, a missed period is caught up once", async () => {
    // The period due now closes first: what is published next belongs to the following ones.
    const start = await runDigests("daily", new Date());
    expect(start.alreadyDone).toBe(false);

    const [d1, d2, d3] = [await reader([[TAG, "daily"]]), await reader([[TAG, "daily"]], { locale: "fr" }), await reader([[TAG, "daily"]], { locale: "nl" })];
    const unverified = await reader([[TAG, "daily"]], { verified: false });
    const weekly = await reader([[TAG, "weekly"]]);
    const unsubscriber = await reader([
      [TAG, "daily"],
      [NOW_TAG, "immediate"],
    ]);
    const immediate = await reader([[NOW_TAG, "immediate"]]);

    const post = await publish(caseStudyInput(org.id, TAG, `Anonymous ${TAG}`, { tags: `${TAG}, ${NOW_TAG}`, anonymous: true }));
    const record = await pb.collection("posts").getOne(post.id);
    // A descriptor code (anonymity.ts), which the digests must render, never the organisation.
    expect(record.public_descriptor).toMatch(/^[a-z_]+(@[a-z]:[a-z_]+)?$/);
    expect(renderDescriptor("en", record.public_descriptor)).not.toBe(renderDescriptor("en", "organisation"));

    // "Immediate": the mail rows were written with the publication; the author gets none.
    const immediateRows = (await pb.collection("mail_outbox").getFullList({ filter: "template = 'follow_post'" })).filter((r) =>
      String(r.params?.link).endsWith(`/posts/${post.slug}`),
    );
    expect(immediateRows.map((r) => r.user).sort()).toEqual([immediate.id, unsubscriber.id].sort());
    await drainAll();
    const [now] = smtp.to(immediate.email);
    expect(now?.parsed.subject).toBe(`Casebook: new in what you follow — Anonymous ${TAG}`);
    expect(now?.parsed.text).toContain(`/en/posts/${post.slug}`);
    expect(now?.parsed.text).toContain(renderDescriptor("en", record.public_descriptor));
    expect(now?.parsed.text).not.toContain(org.name);
    expect(now?.parsed.html).not.toContain(org.name);
    // The author hears of the decision (post_decision), not of their own post as a follower would.
    expect(smtp.to(editor.email).filter((m) => m.parsed.subject?.includes("new in what you follow"))).toHaveLength(0);

    // The unsubscriber uses the one-click link of that mail: no more follow mails, digest included.
    const [forUnsubscriber] = smtp.to(unsubscriber.email);
    const link = new URL(/^List-Unsubscribe:\s*<(https?:[^>]+)>/im.exec(forUnsubscriber?.raw ?? "")![1]!);
    expect(link.searchParams.get("c")).toBe("follows");
    expect(await unsubscribeWithToken("follows", link.searchParams.get("t")!)).toMatchObject({ ok: true });

    // The site was down at the next 07:00: the run a day later catches up everything since the last closed period.
    const missed = nextDigestTime("daily", new Date());
    const catchUp = new Date(nextDigestTime("daily", missed).getTime() + 60_000);
    const period = digestPeriod("daily", catchUp).key;
    // Crash after the first member's digest was queued.
    let calls = 0;
    await expect(
      runDigests("daily", catchUp, {
        afterMember: () => {
          calls++;
          throw new Error("the site stopped");
        },
      }),
    ).rejects.toThrow("the site stopped");
    expect(calls).toBe(1);
    const restarted = await runDigests("daily", new Date(catchUp.getTime() + 60_000));
    expect(restarted).toMatchObject({ period, alreadyDone: false });
    expect(restarted.skipped).toBeGreaterThanOrEqual(3); // the member done before the crash, the unverified one, the unsubscriber
    expect(await runDigests("daily", new Date(catchUp.getTime() + 120_000))).toMatchObject({ period, alreadyDone: true, queued: 0 });
    // The period that was missed is not sent afterwards either: it is covered.
    const markers = await pb.collection("digest_runs").getFullList({ filter: pb.filter("period = {:p} && cadence = 'daily'", { p: period }) });
    for (const member of [d1, d2, d3]) expect(markers.filter((m) => m.user === member.id)).toHaveLength(1);

    await drainAll();
    for (const [member, subject, locale] of [
      [d1, "Casebook: 1 new in what you follow today", "en"],
      [d2, "Casebook\u00a0: 1 nouveauté(s) aujourd’hui dans ce que vous suivez", "fr"],
      [d3, "Casebook: 1 nieuw vandaag in wat u volgt", "nl"],
    ] as const) {
      const mails = digestsTo(member.email);
      expect(mails.map((m) => m.parsed.subject)).toEqual([subject]);
      const [mail] = mails;
      expect(mail?.parsed.text).toContain(`Anonymous ${TAG} — ${renderDescriptor(locale, record.public_descriptor)}\n`);
      expect(mail?.parsed.text).toContain(`/posts/${post.slug}`);
      expect(mail?.parsed.text).toContain(TAG);
      // The public projection: the descriptor, never the organisation.
      expect(mail?.parsed.text).not.toContain(org.name);
      expect(mail?.parsed.html).not.toContain(org.name);
      expect(mail?.raw).toMatch(/^List-Unsubscribe:\s*<https?:[^>]+\/unsubscribe\?c=follows&t=/im);
    }
    expect(digestsTo(unverified.email)).toHaveLength(0);
    expect(digestsTo(weekly.email)).toHaveLength(0);
    expect(digestsTo(unsubscriber.email)).toHaveLength(0);
    expect(digestsTo(immediate.email)).toHaveLength(0);
  });

  it("an approved edit is not news: an immediate follower hears of a post once", async () => {
    const EDIT_TAG = tag("ed");
    const follower = await reader([[EDIT_TAG, "immediate"]]);
    const followMails = () => pb.collection("mail_outbox").getFullList({ filter: pb.filter("template = 'follow_post' && user = {:u}", { u: follower.id }) });
    const post = await publish(caseStudyInput(org.id, EDIT_TAG, `First version ${EDIT_TAG}`, { tags: EDIT_TAG }));
    expect(await followMails()).toHaveLength(1);
    const title = `Second version ${EDIT_TAG}`;
    await saveDraft(editor, caseStudyInput(org.id, EDIT_TAG, title, { tags: EDIT_TAG }), post.id);
    await submitPost(editor, post.id);
    await claimPost(moderator, post.id);
    await approvePost(moderator, post.id);
    expect((await pb.collection("posts").getOne(post.id)).title).toBe(title);
    expect(await followMails()).toHaveLength(1);
  });

  it("nothing new → no mail, and the period is still closed", async () => {
    const quiet = await reader([[tag("quiet"), "weekly"]]);
    const at = new Date(nextDigestTime("weekly", new Date()).getTime() + 60_000);
    const result = await runDigests("weekly", at);
    expect(result.alreadyDone).toBe(false);
    const rows = await pb.collection("mail_outbox").getFullList({ filter: pb.filter("user = {:u}", { u: quiet.id }) });
    expect(rows).toHaveLength(0);
    expect((await runDigests("weekly", at)).alreadyDone).toBe(true);
  });
});
