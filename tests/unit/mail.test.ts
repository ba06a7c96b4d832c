// Without SMTP_URL, mail lands as .eml files that listMailDrop reads back; templates are
// bilingual for French and Dutch readers. The SMTP path is not tested here: there is no
// mail server on the test machine.
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import nodemailer from "nodemailer";
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { composeMail, mailDropNotice, findLatestMail, listMailDrop, MAIL_KINDS, mailLocale, sendMail } from "../../src/lib/server/mail.ts";
import type { MailKind } from "../../src/lib/server/mail.ts";

// Before the first getConfig() call, which caches the configuration.
process.env.PUBLIC_URL = "https://casebook.example.org";
delete process.env.SMTP_URL;

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "casebook-mail-"));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

const longLink = `https://casebook.example.org/auth/verify?token=${"aB3dE6gH9k".repeat(12)}&next=%2Fposts%2Fnew`;

describe("sendMail without SMTP", () => {
  it("writes a private .eml that listMailDrop reads back, accents and long links intact", async () => {
    const createTransport = vi.spyOn(nodemailer, "createTransport");
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    // A fresh copy of the module, whose transport is not built yet whichever test ran first.
    vi.resetModules();
    const fresh = await import("../../src/lib/server/mail.ts");
    const mail = composeMail("verify_email", "fr", { name: "Zoë Dubois", link: longLink });
    const sent = await fresh.sendMail({ to: "zoe@example.be", ...mail }, { dataDir });

    expect(sent.id).toMatch(/^<.+@casebook\.example\.org>$/);
    expect(sent.file).toBeDefined();
    const file = sent.file ?? "";
    expect(path.dirname(file)).toBe(path.join(dataDir, "mail"));
    expect(path.basename(file)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z-[0-9a-f]{6}\.eml$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const raw = await readFile(file, "utf8");
    expect(raw).toContain("From: Casebook <no-reply@casebook.example.org>");
    expect(raw).toMatch(/^Subject: =\?UTF-8\?/m); // encoded word: the parser has work to do
    expect(raw).toMatch(/=\n/); // soft line breaks: the link is split in the file…

    const [parsed] = await listMailDrop(dataDir);
    expect(parsed).toMatchObject({ file, to: "zoe@example.be", subject: "Vérifiez votre adresse e-mail pour Casebook" });
    expect(parsed?.text).toBe(mail.text); // …and whole again once parsed
    expect(parsed?.text).toContain(`\n${longLink}\n`);
    expect(parsed?.date).toBeInstanceOf(Date);

    // Only the stream transport was built (the fresh module creates its transport here):
    // nothing tried to reach an SMTP server.
    expect(createTransport).toHaveBeenCalledTimes(1);
    expect(createTransport.mock.calls[0]?.[0]).toMatchObject({ streamTransport: true });

    // The console says where the mail is, and (outside `npm run dev`) not the link.
    expect(log).toHaveBeenCalledTimes(1);
    const printed = String(log.mock.calls[0]?.[0]);
    expect(printed).toBe(`[mail] ${mail.subject} → ${file}`);
    expect(printed).not.toContain("token=");
  });

  it("prints the file's path and never the link outside `npm run dev` (issue 9, finding 19)", () => {
    const mail = composeMail("password_reset", "en", { name: "Zoë", link: longLink });
    const message = { to: "zoe@example.be", ...mail };
    const quiet = mailDropNotice(message, "/data/mail/x.eml", false);
    expect(quiet).toBe(`[mail] ${mail.subject} → /data/mail/x.eml`);
    expect(quiet).not.toContain("token=");
    expect(quiet).not.toContain("zoe@");
    expect(quiet).not.toMatch(/https?:/);
    // Under `npm run dev`, the developer gets the recipient and the link to click (once, not per language).
    const dev = mailDropNotice(message, "/data/mail/x.eml", true);
    expect(dev.split("\n")).toEqual([`[mail] to zoe@example.be: ${mail.subject} → /data/mail/x.eml`, `  ${longLink}`]);
  });

  it("shows the link only when scripts/start.ts --dev says so (CASEBOOK_DEV=1)", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const mail = composeMail("password_reset", "en", { name: "Zoë", link: longLink });
    const own = await mkdtemp(path.join(tmpdir(), "casebook-mail-dev-"));
    vi.stubEnv("CASEBOOK_DEV", "1");
    try {
      await sendMail({ to: "zoe@example.be", ...mail }, { dataDir: own });
    } finally {
      vi.unstubAllEnvs();
    }
    await sendMail({ to: "zoe@example.be", ...mail }, { dataDir: own });
    await rm(own, { recursive: true, force: true });
    expect(String(log.mock.calls[0]?.[0])).toContain(longLink);
    expect(String(log.mock.calls[1]?.[0])).not.toContain("token=");
  });

  it("decodes long subjects split over several encoded words, and HTML alternatives", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const org = "Centre Hospitalier Universitaire Saint-Pierre — Hôpital de jour gériatrique";
    const mail = composeMail("org_invitation", "nl", { org, inviter: "Françoise Lefèvre", link: longLink });
    const sent = await sendMail({ to: "Pieter.Claes@Example.be", ...mail, html: "<p>Zie de tekstversie.</p>" }, { dataDir });
    const raw = await readFile(sent.file ?? "", "utf8");
    expect(raw).toMatch(/^Subject: .*\n .*=\?UTF-8\?/m); // folded over several lines
    expect(raw).toContain("multipart/alternative");

    const found = await findLatestMail("pieter.claes@example.be", dataDir);
    expect(found?.file).toBe(sent.file);
    expect(found?.subject).toBe(mail.subject);
    expect(found?.subject).toContain(org);
    expect(found?.text).toBe(mail.text);
    expect(await findLatestMail("nobody@example.be", dataDir)).toBeUndefined();
  });

  it("reads base64 bodies, B-encoded words and CRLF files, newest first", async () => {
    const body = Buffer.from("Goeiedag,\r\n\r\nKlik op https://casebook.example.org/x?t=één\r\n", "utf8").toString("base64");
    const eml = [
      "From: Casebook <no-reply@casebook.example.org>",
      "To: Jan <jan@example.be>",
      `Subject: =?UTF-8?B?${Buffer.from("Wachtwoord ", "utf8").toString("base64")}?=`,
      ` =?UTF-8?B?${Buffer.from("geüpdatet", "utf8").toString("base64")}?= (test)`,
      "Date: Mon, 01 Jan 2024 10:00:00 +0000",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="outer"',
      "",
      "--outer",
      "Content-Type: text/plain; charset=utf-8",
      "Content-Transfer-Encoding: base64",
      "",
      body.slice(0, 40),
      body.slice(40),
      "--outer--",
      "",
    ].join("\r\n");
    // Its own folder: one mail sent now, then an older file written by hand beside it (and a
    // half-written one to ignore), whatever the other tests sent.
    const own = await mkdtemp(path.join(tmpdir(), "casebook-mail-read-"));
    onTestFinished(() => rm(own, { recursive: true, force: true }));
    vi.spyOn(console, "log").mockImplementation(() => {});
    await sendMail({ to: "piet@example.be", ...composeMail("password_reset", "nl", { name: "Piet", link: longLink }) }, { dataDir: own });
    await writeFile(path.join(own, "mail", "2024-01-01T10-00-00.000Z-abcdef.eml"), eml, { mode: 0o600 });
    await writeFile(path.join(own, "mail", ".half-written.eml.tmp"), "From: nobody");

    const mails = await listMailDrop(own);
    expect(mails).toHaveLength(2);
    const oldest = mails.at(-1);
    expect(oldest).toMatchObject({ to: "Jan <jan@example.be>", subject: "Wachtwoord geüpdatet (test)" });
    expect(oldest?.text).toBe("Goeiedag,\n\nKlik op https://casebook.example.org/x?t=één");
    expect(oldest?.date.toISOString()).toBe("2024-01-01T10:00:00.000Z");
    expect(mails.map((m) => m.date.getTime())).toEqual(mails.map((m) => m.date.getTime()).sort((a, b) => b - a));
    expect(mails[0]?.to).toBe("piet@example.be");
    expect((await findLatestMail("JAN@example.be", own))?.subject).toBe("Wachtwoord geüpdatet (test)");
  });

  it("returns an empty list when nothing was ever sent", async () => {
    expect(await listMailDrop(path.join(dataDir, "never-used"))).toEqual([]);
  });

  it("refuses a recipient that is not an address", async () => {
    await expect(sendMail({ to: "not an address", subject: "x", text: "y" }, { dataDir })).rejects.toThrow(/not an e-mail address/);
  });
});

describe("sendMail with SMTP_URL", () => {
  // Only the routing is checked: with SMTP_URL set, sendMail goes to that server and
  // drops nothing. Actual delivery is untested here, as there is no mail server.
  it("sends through SMTP_URL instead of the drop folder", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve())); // nothing listens there now
    const saved = process.env.SMTP_URL;
    process.env.SMTP_URL = `smtp://127.0.0.1:${port}`;
    try {
      vi.resetModules(); // a fresh config cache that sees SMTP_URL
      const fresh = await import("../../src/lib/server/mail.ts");
      const smtpDir = path.join(dataDir, "smtp-case");
      await expect(fresh.sendMail({ to: "a@example.be", subject: "s", text: "t" }, { dataDir: smtpDir })).rejects.toThrow(/ECONNREFUSED/);
      expect(await fresh.listMailDrop(smtpDir)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.SMTP_URL;
      else process.env.SMTP_URL = saved;
    }
  });
});

describe("composeMail", () => {
  const params: Record<MailKind, Record<string, string>> = {
    verify_email: { name: "Marie", link: "https://casebook.example.org/verify?t=1" },
    password_reset: { name: "Marie", link: "https://casebook.example.org/reset?t=2" },
    password_changed: { name: "Marie" },
    org_invitation: { org: "AZ Groeninge", inviter: "Jan Peeters", link: "https://casebook.example.org/invite?t=3" },
    org_verified: { org: "AZ Groeninge" },
    org_refused: { org: "AZ Groeninge", reason: "We could not find this organisation\nin the RIZIV/INAMI register." },
    membership_approved: { org: "AZ Groeninge", role: "editor" },
    membership_rejected: { org: "AZ Groeninge" },
    account_exists: { link: "https://casebook.example.org/reset" },
    post_decision: { title: "Sepsis alerts", decision: "changes_requested", note: "Thank you for sharing this.", link: "https://casebook.example.org/posts/x" },
    post_flagged: { title: "Sepsis alerts", link: "https://casebook.example.org/posts/x" },
    membership_removed: { org: "AZ Groeninge" },
    account_deleted: { kept: "2", withdrawn: "1", deleted: "3" },
    dpo_signoff: { title: "Sepsis alerts", org: "AZ Groeninge", author: "Jan Peeters", link: "https://casebook.example.org/dashboard/signoff/x" },
    moderation_queue: { title: "Sepsis alerts", org: "AZ Groeninge", link: "https://casebook.example.org/moderation" },
    patient_data_flag: { title: "Sepsis alerts", link: "https://casebook.example.org/moderation" },
    moderation_batch: { count: "2", items: "- Sepsis alerts\n- Fall detection", link: "https://casebook.example.org/moderation" },
    join_request: { org: "AZ Groeninge", member: "Jan Peeters", message: "I lead the AI pilot", link: "https://casebook.example.org/dashboard" },
    consent_request: {
      title: "Sepsis alerts",
      funder: "KBS-FRB",
      org: "AZ Groeninge",
      deadline: "2 January 2027",
      published: "- Title: Sepsis alerts",
      link: "https://casebook.example.org/dashboard",
    },
    consent_reminder: {
      title: "Sepsis alerts",
      funder: "KBS-FRB",
      org: "AZ Groeninge",
      deadline: "2 January 2027",
      published: "- Title: Sepsis alerts",
      link: "https://casebook.example.org/dashboard",
    },
    summary_consent: { title: "Triage chatbots", host: "AZ Groeninge", org: "Thuiszorg Oost", link: "https://casebook.example.org/dashboard/summary-consent" },
    record_published: {
      title: "Sepsis alert pilot",
      funder: "Fonds Zorginnovatie",
      org: "AZ Heidebloem",
      change: "corrected",
      shown: "named",
      link: "https://casebook.example.org/posts/sepsis-alert-pilot",
    },
    digest_daily: {
      count: "2",
      items: "- Sepsis alerts — AZ Groeninge\n- Triage chatbot — A general hospital",
      link: "https://casebook.example.org/account/follows",
    },
    digest_weekly: {
      count: "2",
      items: "- Sepsis alerts — AZ Groeninge\n- Triage chatbot — A general hospital",
      link: "https://casebook.example.org/account/follows",
    },
    follow_post: {
      title: "Sepsis alerts",
      byline: "AZ Groeninge",
      follow: "Tag: sepsis",
      link: "https://casebook.example.org/posts/sepsis-alerts",
      settings: "https://casebook.example.org/account/follows",
    },
    reply_held: { title: "Involving the DPO", link: "https://casebook.example.org/moderation/replies" },
    reply_decision: { title: "Involving the DPO", decision: "rejected", note: "Please remove the names.", link: "https://casebook.example.org/dashboard" },
    reply_published: { title: "Involving the DPO", link: "https://casebook.example.org/posts/involving-the-dpo#reply-x" },
    roundtable_invitation: { title: "AI in home care", host: "AZ Groeninge", link: "https://casebook.example.org/round-tables/ai-in-home-care" },
    roundtable_answer: {
      title: "AI in home care",
      org: "Thuiszorg Vlaanderen",
      answer: "accepted",
      link: "https://casebook.example.org/round-tables/ai-in-home-care",
    },
    roundtable_reminder: {
      title: "AI in home care",
      when: "Tuesday 3 March 2026, 14:00–16:00 (Europe/Brussels)",
      link: "https://casebook.example.org/round-tables/ai-in-home-care",
    },
  };
  const kinds = Object.keys(MAIL_KINDS) as MailKind[];
  const LOCALES = ["en", "fr", "nl"] as const;
  const rules = /\n\n-{10,} (?:English|Français|Nederlands) -{10,}\n\n/;
  // Parameters that choose a wording rather than appear as given.
  const coded = (kind: MailKind, key: string) => kind === "record_published" && (key === "change" || key === "shown");
  const whyLine = { en: /^You receive this because .+\.$/, fr: /^Vous recevez ce message parce qu(e |’)\S.+\.$/, nl: /^U ontvangt dit bericht omdat .+\.$/ };

  it.each(kinds.flatMap((kind) => LOCALES.map((locale) => [kind, locale] as const)))(
    "%s in %s: the reader's language only, ending with why it was sent",
    (kind, locale) => {
      const mail = composeMail(kind, locale, params[kind]);
      expect(mail.text).not.toMatch(rules);
      expect(mail.text.split("\n").at(-1)).toMatch(whyLine[locale]);
      // Not one paragraph of another language's version of the same mail.
      for (const other of LOCALES.filter((l) => l !== locale)) {
        const theirs = composeMail(kind, other, params[kind]);
        expect(mail.subject).not.toBe(theirs.subject);
        // Quoted notes, links and lists of the reader's own data (titles) are the same in every language.
        for (const paragraph of theirs.text.split("\n\n"))
          if (!paragraph.startsWith("    ") && !paragraph.startsWith("http") && !paragraph.startsWith("- ")) expect(mail.text).not.toContain(paragraph);
      }
      // Codes (the decision, a round table's answer) are translated, not echoed; every other value appears as given.
      for (const [key, value] of Object.entries(params[kind]))
        if (key !== "decision" && key !== "role" && !(kind === "roundtable_answer" && key === "answer") && !coded(kind, key))
          expect(mail.text).toContain(value.split("\n")[0]?.split(" ")[0]);
      if ("link" in params[kind]) expect(mail.text).toContain(`\n${params[kind].link}\n`);
    },
  );

  it.each(kinds)("%s to a reader of unknown language: English, then French, then Dutch, under the English subject", (kind) => {
    const mail = composeMail(kind, null, params[kind]);
    const versions = LOCALES.map((locale) => composeMail(kind, locale, params[kind]));
    expect(mail.subject).toBe(versions[0]?.subject);
    expect(mail.text.split(rules)).toEqual(versions.map((v) => v.text));
    expect(mail.text).toMatch(/\n\n-{10,} Français -{10,}\n\n[\s\S]*\n\n-{10,} Nederlands -{10,}\n\n/);
  });

  it("mailLocale: the account's setting, else the page's language, else unknown", () => {
    expect(mailLocale("nl", "fr")).toBe("nl");
    expect(mailLocale("", "fr")).toBe("fr");
    expect(mailLocale(undefined, undefined)).toBeNull();
    expect(mailLocale("de", null)).toBeNull();
  });

  // Every value a template needs, as a marker that cannot occur in any template's own words.
  const markers = (kind: MailKind) =>
    Object.fromEntries(
      MAIL_KINDS[kind].map((key) => [key, key === "decision" ? "published" : key === "role" ? "dpo" : key === "link" ? `https://x.test/${key}-0` : `${key}-0`]),
    );
  const used = (text: string, kind: MailKind) =>
    MAIL_KINDS[kind].filter((key) => key !== "decision" && key !== "role" && !coded(kind, key) && text.includes(`${key}-0`));

  it.each(kinds)("%s has en, fr and nl templates using the same placeholders in subject and body", (kind) => {
    const values = markers(kind);
    const [en, fr, nl] = LOCALES.map((locale) => composeMail(kind, locale, values));
    for (const mail of [fr, nl]) {
      expect(used(mail!.subject, kind)).toEqual(used(en!.subject, kind));
      expect(used(mail!.text, kind)).toEqual(used(en!.text, kind));
    }
    // Every parameter the kind declares is shown somewhere (coded ones as their label).
    expect(used(`${en!.subject}\n${en!.text}`, kind)).toEqual(MAIL_KINDS[kind].filter((key) => key !== "decision" && key !== "role" && !coded(kind, key)));
    const labels = {
      en: { published: "published", dpo: "data protection officer" },
      fr: { published: "publiée", dpo: "délégué à la protection des données" },
      nl: { published: "gepubliceerd", dpo: "functionaris voor gegevensbescherming" },
    };
    LOCALES.forEach((locale, i) => {
      const mail = [en, fr, nl][i]!;
      if ("decision" in values) expect(mail.text).toContain(labels[locale].published);
      if ("role" in values) expect(mail.text).toContain(labels[locale].dpo);
      // An optional name greets the reader in every language.
      expect(composeMail(kind, locale, { ...values, name: "Zoë-0" }).text.split("\n")[0]).toContain("Zoë-0");
    });
  });

  it.each(kinds)("%s in French keeps : ; ? ! and « » on the line with a no-break space, and writes ’", (kind) => {
    const mail = composeMail(kind, "fr", { ...markers(kind), name: "Zoë-0" });
    // The markers hold no punctuation: any match is the template's own.
    expect(`${mail.subject}\n${mail.text}`.match(/.{0,30}(?: [:;?!»]|« |\p{L}'\p{L}).{0,30}/gu)).toBeNull();
  });

  it("says whether a funder's record was published or corrected, and whether it names the applicant, in each language", () => {
    const texts = (locale: (typeof LOCALES)[number]) =>
      ["published", "corrected"].flatMap((change) =>
        ["named", "unnamed"].map((shown) => composeMail("record_published", locale, { ...params.record_published, change, shown })),
      );
    for (const locale of LOCALES) {
      const [published, , corrected, correctedUnnamed] = texts(locale);
      expect(new Set(texts(locale).map((m) => m.text)).size).toBe(4);
      expect(published!.subject).not.toBe(corrected!.subject);
      expect(corrected!.text).toContain("AZ Heidebloem");
      expect(correctedUnnamed!.text).toMatch(
        { en: /does not name AZ Heidebloem/, fr: /ne nomme pas AZ Heidebloem/, nl: /vermeldt AZ Heidebloem niet/ }[locale],
      );
    }
  });

  it("writes natural greetings and subjects", () => {
    expect(composeMail("verify_email", "fr", params.verify_email).subject).toBe("Vérifiez votre adresse e-mail pour Casebook");
    expect(composeMail("verify_email", "nl", params.verify_email).text).toMatch(/^Dag Marie,\n\nBevestig uw e-mailadres/);
    expect(composeMail("org_verified", "nl", params.org_verified).text).toMatch(/^Goeiedag,/);
    expect(composeMail("membership_approved", "fr", params.membership_approved).text).toContain("Votre rôle\u00a0: rédacteur.");
    expect(composeMail("membership_approved", "nl", params.membership_approved).text).toContain("Uw rol: redacteur.");
    expect(composeMail("org_refused", "en", params.org_refused).text).toContain("    We could not find this organisation\n    in the RIZIV/INAMI register.");
  });

  it("keeps user-supplied names on one line and rejects missing parameters or odd links", () => {
    const mail = composeMail("org_invitation", "en", { org: "Evil\r\nBcc: x@y.z", inviter: "Jan", link: "https://casebook.example.org/i" });
    expect(mail.subject).toBe("Jan invites you to join Evil Bcc: x@y.z on Casebook");
    expect(() => composeMail("verify_email", "en", { name: "Marie" })).toThrow(/missing parameter "link"/);
    expect(() => composeMail("verify_email", "en", { name: "Marie", link: "javascript:alert(1)" })).toThrow(/http/);
  });

  it("never mentions a password value, even if one is passed by mistake", () => {
    const mail = composeMail("password_changed", "nl", { name: "Marie", password: "hunter2-secret-value" });
    expect(mail.text).not.toContain("hunter2-secret-value");
  });
});
