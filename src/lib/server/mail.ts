// The one place that sends e-mail. With SMTP_URL set, mail goes out through that server;
// without it (development, tests, demos) each message is written as an .eml file under
// DATA_DIR/mail, which any mail client opens and which the e2e tests read back to follow
// the verification link. The texts live here too, so every mail has the same shape.
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";
import type { Transporter } from "nodemailer";
import type { Locale } from "../../i18n/index.ts";
import { getConfig } from "./config.ts";

/** Every kind of mail the app sends, with the parameters its template needs. */
export const MAIL_KINDS = {
  verify_email: ["name", "link"],
  password_reset: ["name", "link"],
  password_changed: ["name"],
  org_invitation: ["org", "inviter", "link"],
  org_verified: ["org"],
  org_refused: ["org", "reason"],
  membership_approved: ["org", "role"],
  membership_rejected: ["org"],
  account_exists: ["link"],
  post_decision: ["title", "decision", "note", "link"],
  post_flagged: ["title", "link"],
  membership_removed: ["org"],
  account_deleted: ["kept", "withdrawn", "deleted"],
  // "Your turn" notices (issue 13 §1), sent through the mail outbox (mailoutbox.ts).
  dpo_signoff: ["title", "org", "author", "link"],
  moderation_queue: ["title", "org", "link"],
  patient_data_flag: ["title", "link"],
  moderation_batch: ["count", "items", "link"],
  join_request: ["org", "member", "message", "link"],
  consent_request: ["title", "funder", "org", "deadline", "published", "link"],
  consent_reminder: ["title", "funder", "org", "deadline", "published", "link"],
  // A round table's host asks whether its summary may name a participant (issue 14 §4).
  summary_consent: ["title", "host", "org", "link"],
  // A funder's record about an applicant on the platform, or its correction, was published: the applicant's admins hear of it.
  record_published: ["title", "funder", "org", "change", "shown", "link"],
  // What members follow (issue 13 §4): the digests (items written in the reader's language by digests.ts) and "immediate" follows.
  digest_daily: ["count", "items", "link"],
  digest_weekly: ["count", "items", "link"],
  follow_post: ["title", "byline", "follow", "link", "settings"],
  // Replies (issue 14 §2): a held reply for the moderators, a decision for its author, a new reply for the thread's author.
  reply_held: ["title", "link"],
  reply_decision: ["title", "decision", "note", "link"],
  reply_published: ["title", "link"],
  // Round tables (issue 14 §3): an invitation to the invited admins, an answer to the host's admins, a session reminder to attendees.
  roundtable_invitation: ["title", "host", "link"],
  roundtable_answer: ["title", "org", "answer", "link"],
  roundtable_reminder: ["title", "when", "link"],
} as const satisfies Record<string, readonly string[]>;

let smtp: { url: string; transport: Transporter } | undefined;
let drop: Transporter | undefined;

/** Sends a message through SMTP_URL, or writes it to `<dataDir>/mail/*.eml` when no SMTP server is configured. */
export async function sendMail(message: MailMessage, options: { dataDir?: string } = {}): Promise<SentMail> {
  if (!/^[^\s@]+@[^\s@]+$/.test(message.to)) throw new Error(`sendMail: "${message.to}" is not an e-mail address`);
  const config = getConfig();
  const mail = {
    from: { name: "Casebook", address: `no-reply@${new URL(config.publicUrl).hostname}` },
    to: message.to,
    subject: message.subject,
    text: message.text,
    ...(message.html === undefined ? {} : { html: message.html }),
    ...(message.headers === undefined ? {} : { headers: message.headers }),
  };

  // SMTP path: not exercised by the unit tests, as there is no mail server to talk to.
  if (config.smtpUrl) {
    // One transport for the process: it keeps the connection settings and is cheap to reuse.
    // Short timeouts: a sign-up request waits for this, and nodemailer's defaults are minutes.
    if (smtp?.url !== config.smtpUrl) {
      // Pooled, one connection: the outbox sends its backlog over one open session, in order,
      // instead of a new SMTP handshake per message.
      const transport = nodemailer.createTransport({
        url: config.smtpUrl,
        pool: true,
        maxConnections: 1,
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 30_000,
      });
      smtp = { url: config.smtpUrl, transport };
    }
    const info = await smtp.transport.sendMail(mail);
    return { id: String(info.messageId) };
  }

  drop ??= nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  const info = await drop.sendMail(mail);
  if (!Buffer.isBuffer(info.message)) throw new Error("sendMail: the stream transport did not return a buffer");
  const dir = path.join(options.dataDir ?? config.dataDir, "mail");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const name = `${nextStamp()}-${randomBytes(3).toString("hex")}.eml`;
  const file = path.join(dir, name);
  // Write then rename, so a reader polling the folder never sees half a message. Mode
  // 0600: these files hold sign-in and reset links.
  const temporary = path.join(dir, `.${name}.tmp`);
  try {
    await writeFile(temporary, info.message, { mode: 0o600, flag: "wx" });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  console.log(mailDropNotice(message, file, isDevServer()));
  return { id: String(info.messageId), file };
}

/**
 * The console line for a dropped mail: where the file is. Only under `npm run dev` does it
 * also show the recipient and the links — elsewhere the console is a log, which holds nothing
 * personal (issue 16 §12), and reset, verification and invitation links in a log are a way
 * into someone's account (issue 9, finding 19).
 */
export function mailDropNotice(message: MailMessage, file: string, withLinks: boolean): string {
  if (!withLinks) return `[mail] ${message.subject} → ${file}`;
  const head = `[mail] to ${message.to}: ${message.subject} → ${file}`;
  const links = [...new Set(message.text.match(LINK) ?? [])].map((link) => `  ${trimLink(link)}`);
  return [head, ...links].join("\n");
}

// Set by scripts/start.ts for `npm run dev` only. Not import.meta.env.DEV: that is fixed
// at build time from NODE_ENV, and a build made under a test runner has it true.
function isDevServer(): boolean {
  return process.env.CASEBOOK_DEV === "1";
}

/** The dropped mails in `<dataDir>/mail`, newest first, parsed back into plain fields. */
export async function listMailDrop(dataDir: string = getConfig().dataDir): Promise<DroppedMail[]> {
  const dir = path.join(dataDir, "mail");
  const names = await dropNames(dir);
  const mails: (DroppedMail | undefined)[] = [];
  // A few files at a time: a drop of thousands of mails (a long test run, a busy demo) read all
  // at once ran out of file descriptors (EMFILE).
  for (let i = 0; i < names.length; i += DROP_READS) mails.push(...(await Promise.all(names.slice(i, i + DROP_READS).map((name) => readDropped(dir, name)))));
  return mails.filter((mail) => mail !== undefined).sort(newestFirst);
}

/** The newest dropped mail addressed to `to` (case-insensitive), if any. */
export async function findLatestMail(to: string, dataDir: string = getConfig().dataDir): Promise<DroppedMail | undefined> {
  const wanted = to.trim().toLowerCase();
  const dir = path.join(dataDir, "mail");
  const names = await dropNames(dir);
  // Drop names start with their time (nextStamp), so the newest are read first and the search
  // stops at the first match; a folder holding other names is read whole.
  if (!names.every((name) => stampDate(name) !== undefined)) return (await listMailDrop(dataDir)).find((mail) => addresses(mail.to).includes(wanted));
  names.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  for (let i = 0; i < names.length; i += DROP_READS) {
    const mails = await Promise.all(names.slice(i, i + DROP_READS).map((name) => readDropped(dir, name)));
    const found = mails
      .filter((mail) => mail !== undefined)
      .sort(newestFirst)
      .find((mail) => addresses(mail.to).includes(wanted));
    if (found) return found;
  }
  return undefined;
}

const DROP_READS = 32;

function newestFirst(a: DroppedMail, b: DroppedMail): number {
  return b.date.getTime() - a.date.getTime() || (a.file < b.file ? 1 : a.file > b.file ? -1 : 0);
}

// The .eml names in a drop folder ([] when there is none).
async function dropNames(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => name.endsWith(".eml"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

// One dropped mail parsed back, or undefined when it was deleted in the meantime.
async function readDropped(dir: string, name: string): Promise<DroppedMail | undefined> {
  const file = path.join(dir, name);
  try {
    const message = parseMessage((await readFile(file)).toString("latin1"));
    const date = stampDate(name) ?? headerDate(message.headers.get("date")) ?? (await stat(file)).mtime;
    return {
      file,
      to: decodeHeader(message.headers.get("to") ?? ""),
      subject: decodeHeader(message.headers.get("subject") ?? ""),
      text: plainText(message) ?? "",
      date,
    };
  } catch (error) {
    // Deleted between readdir and readFile: simply not there any more.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Renders a mail in the reader's language only. `locale` is the recipient's: their account
 * setting (which sign-up fills from the page's language), else the language of the page
 * that triggered the mail; null only when neither is known, and then the mail is in
 * English followed by French and Dutch, under an English subject.
 */
export function composeMail(kind: MailKind, locale: Locale | null, params: Record<string, string>, footer: MailFooter = {}): ComposedMail {
  const values: Record<string, string> = {};
  for (const key of MAIL_KINDS[kind] as readonly string[]) {
    const value = params[key];
    if (value === undefined) throw new Error(`composeMail(${kind}): missing parameter "${key}"`);
    values[key] = MULTILINE.has(key) ? value.trim() : oneLine(value);
  }
  if (values.link !== undefined && !/^https?:\/\/\S+$/.test(values.link)) {
    throw new Error(`composeMail(${kind}): "link" must be one absolute http(s) URL`);
  }
  // Optional extra: a name for the greeting of mails whose template does not need one.
  if (values.name === undefined && params.name) values.name = oneLine(params.name);

  if (locale === "en" || locale === "fr" || locale === "nl") {
    const parts = render(kind, locale, values, footer);
    return { subject: parts.subject, text: parts.text, html: htmlDocument(locale, parts.subject, [parts]) };
  }
  // Nobody knows what this reader reads: all three, each under a rule naming its language.
  const english = render(kind, "en", values, footer);
  const versions = UNKNOWN_READER_ORDER.map((language) => ({ ...render(kind, language, values, footer), heading: SEPARATORS[language] }));
  const others = versions.map((v) => `${v.heading}\n\n${v.text}`);
  return {
    subject: english.subject,
    text: [english.text, ...others].join("\n\n"),
    html: htmlDocument("en", english.subject, [english, ...versions.map((v) => ({ ...v, heading: v.heading.replace(/-+/g, "").trim() }))]),
  };
}

/** The language of a mail to someone: their account setting, else the page that triggered it, else null (unknown). */
export function mailLocale(setting: unknown, pageLocale?: Locale | null): Locale | null {
  if (setting === "en" || setting === "fr" || setting === "nl") return setting;
  return pageLocale ?? null;
}

// ---------------------------------------------------------------------------------------
// Templates. One per mail and language, written as plain-text blocks: the text part is the
// blocks joined, the HTML part is built from the same blocks (render, htmlDocument). Links
// stay visible and on a line of their own so that clients make them clickable unwrapped.

// After the English text of a mail to a reader of unknown language.
const UNKNOWN_READER_ORDER = ["fr", "nl"] as const;
const SEPARATORS: Record<(typeof UNKNOWN_READER_ORDER)[number], string> = {
  fr: "------------------------------ Français ------------------------------",
  nl: "------------------------------ Nederlands ------------------------------",
};

type Language = "en" | "fr" | "nl";
type Values = Record<string, string>;
type Template = { subject: (v: Values) => string; body: (v: Values) => string; why: (v: Values) => string };

const greeting: Record<Language, (name: string | undefined) => string> = {
  en: (name) => (name ? `Hello ${name},` : "Hello,"),
  fr: (name) => (name ? `Bonjour ${name},` : "Bonjour,"),
  nl: (name) => (name ? `Dag ${name},` : "Goeiedag,"),
};

const signature: Record<Language, string> = {
  en: "The Casebook team",
  fr: "L’équipe Casebook",
  nl: "Het Casebook-team",
};

const roleLabels: Record<Language, Record<string, string>> = {
  en: { member: "member", editor: "editor", dpo: "data protection officer (DPO)", admin: "administrator" },
  fr: { member: "membre", editor: "rédacteur", dpo: "délégué à la protection des données (DPO)", admin: "administrateur" },
  nl: { member: "lid", editor: "redacteur", dpo: "functionaris voor gegevensbescherming (DPO)", admin: "beheerder" },
};

const decisionLabels: Record<Language, Record<string, string>> = {
  en: {
    published: "published",
    changes_requested: "changes requested",
    rejected: "not accepted",
    hidden: "hidden",
    restored: "online again",
    dpo_returned: "returned by your DPO",
    dpo_approved: "approved by your DPO",
    revision_published: "your changes are published",
  },
  fr: {
    published: "publiée",
    changes_requested: "modifications demandées",
    rejected: "non acceptée",
    hidden: "masquée",
    restored: "de nouveau en ligne",
    dpo_returned: "renvoyée par votre DPO",
    dpo_approved: "approuvée par votre DPO",
    revision_published: "vos modifications sont publiées",
  },
  nl: {
    published: "gepubliceerd",
    changes_requested: "aanpassingen gevraagd",
    rejected: "niet aanvaard",
    hidden: "verborgen",
    restored: "weer online",
    dpo_returned: "teruggestuurd door uw DPO",
    dpo_approved: "goedgekeurd door uw DPO",
    revision_published: "uw wijzigingen zijn gepubliceerd",
  },
};
const decision = (language: Language, code: string | undefined) => (code ? (decisionLabels[language][code] ?? code) : "");

const role = (language: Language, code: string | undefined) => (code ? (roleLabels[language][code] ?? code) : "");

// Free text from a moderator, set off by indentation so it is clearly quoted.
const quote = (text: string | undefined) =>
  (text ?? "")
    .split(/\r?\n/)
    .map((line) => `    ${line}`.trimEnd())
    .join("\n");

// "Your turn" notices (issue 13 §1): each says what waits, for whom, and links to the place to act.
const noticeTemplates = {
  dpo_signoff: {
    en: {
      subject: (v) => `Casebook: a post waits for your sign-off — ${v.title}`,
      body: (v) =>
        `${v.author} submitted "${v.title}" for ${v.org}. Your organisation asks its data protection officer to check every post before the moderators see it, so it waits for you.\n\nRead it and sign it off, or return it with comments:\n\n${v.link}`,
      why: (v) => `You receive this because you are a data protection officer (DPO) of ${v.org} on Casebook.`,
    },
    fr: {
      subject: (v) => `Casebook : une publication attend votre validation — ${v.title}`,
      body: (v) =>
        `${v.author} a soumis « ${v.title} » pour ${v.org}. Votre organisation demande à son délégué à la protection des données de relire chaque publication avant les modérateurs : elle attend donc votre validation.\n\nLisez-la, puis validez-la ou renvoyez-la avec vos remarques :\n\n${v.link}`,
      why: (v) => `Vous recevez ce message parce que vous êtes délégué à la protection des données (DPO) de ${v.org} sur Casebook.`,
    },
    nl: {
      subject: (v) => `Casebook: een bijdrage wacht op uw goedkeuring — ${v.title}`,
      body: (v) =>
        `${v.author} heeft "${v.title}" ingediend voor ${v.org}. Uw organisatie laat elke bijdrage eerst nakijken door haar functionaris voor gegevensbescherming, dus ze wacht op u.\n\nLees ze en keur ze goed, of stuur ze terug met opmerkingen:\n\n${v.link}`,
      why: (v) => `U ontvangt dit bericht omdat u functionaris voor gegevensbescherming (DPO) bent van ${v.org} op Casebook.`,
    },
  },
  moderation_queue: {
    en: {
      subject: (v) => `Casebook: new in the moderation queue — ${v.title}`,
      body: (v) => `"${v.title}" (${v.org}) is waiting in the moderation queue. Claim it to review it:\n\n${v.link}`,
      why: () => "You receive this because you are a moderator on Casebook and chose to hear of each new post at once.",
    },
    fr: {
      subject: (v) => `Casebook : nouveau dans la file de modération — ${v.title}`,
      body: (v) => `« ${v.title} » (${v.org}) attend dans la file de modération. Prenez-la en charge pour l’examiner :\n\n${v.link}`,
      why: () => "Vous recevez ce message parce que vous êtes modérateur sur Casebook et avez choisi d’être prévenu de chaque nouvelle publication.",
    },
    nl: {
      subject: (v) => `Casebook: nieuw in de moderatiewachtrij — ${v.title}`,
      body: (v) => `"${v.title}" (${v.org}) wacht in de moderatiewachtrij. Neem ze op om ze na te kijken:\n\n${v.link}`,
      why: () => "U ontvangt dit bericht omdat u moderator bent op Casebook en gekozen hebt om elke nieuwe bijdrage meteen te horen.",
    },
  },
  patient_data_flag: {
    en: {
      subject: (v) => `Casebook: patient data reported in "${v.title}"`,
      body: (v) =>
        `A reader reported patient data in the published post "${v.title}". Reports of patient data come first in the queue; please look at it now:\n\n${v.link}`,
      why: () => "You receive this because you are a moderator on Casebook.",
    },
    fr: {
      subject: (v) => `Casebook : données de patients signalées dans « ${v.title} »`,
      body: (v) =>
        `Un lecteur a signalé des données de patients dans la publication « ${v.title} ». Ces signalements passent en tête de la file ; merci d’y jeter un œil dès maintenant :\n\n${v.link}`,
      why: () => "Vous recevez ce message parce que vous êtes modérateur sur Casebook.",
    },
    nl: {
      subject: (v) => `Casebook: patiëntgegevens gemeld in "${v.title}"`,
      body: (v) =>
        `Een lezer meldde patiëntgegevens in de gepubliceerde bijdrage "${v.title}". Zulke meldingen staan bovenaan de wachtrij; bekijk ze nu:\n\n${v.link}`,
      why: () => "U ontvangt dit bericht omdat u moderator bent op Casebook.",
    },
  },
  moderation_batch: {
    en: {
      subject: (v) => `Casebook: ${v.count} new in the moderation queue this hour`,
      body: (v) => `Since the last summary, ${v.count} new item(s) arrived in the moderation queue:\n\n${v.items}\n\nOpen the queue:\n\n${v.link}`,
      why: () => "You receive this because you are a moderator on Casebook and chose one summary an hour.",
    },
    fr: {
      subject: (v) => `Casebook : ${v.count} nouveauté(s) dans la file de modération cette heure-ci`,
      body: (v) =>
        `Depuis le dernier récapitulatif, ${v.count} élément(s) sont arrivés dans la file de modération :\n\n${v.items}\n\nOuvrir la file :\n\n${v.link}`,
      why: () => "Vous recevez ce message parce que vous êtes modérateur sur Casebook et avez choisi un récapitulatif par heure.",
    },
    nl: {
      subject: (v) => `Casebook: ${v.count} nieuw in de moderatiewachtrij dit uur`,
      body: (v) => `Sinds het vorige overzicht kwamen er ${v.count} nieuwe item(s) in de moderatiewachtrij:\n\n${v.items}\n\nOpen de wachtrij:\n\n${v.link}`,
      why: () => "U ontvangt dit bericht omdat u moderator bent op Casebook en gekozen hebt voor één overzicht per uur.",
    },
  },
  join_request: {
    en: {
      subject: (v) => `Casebook: ${v.member} asks to join ${v.org}`,
      body: (v) =>
        `${v.member} asks to join ${v.org} on Casebook.` +
        (v.message ? ` Their message:\n\n${quote(v.message)}` : "") +
        `\n\nApprove or decline the request:\n\n${v.link}`,
      why: (v) => `You receive this because you are an administrator of ${v.org} on Casebook.`,
    },
    fr: {
      subject: (v) => `Casebook : ${v.member} demande à rejoindre ${v.org}`,
      body: (v) =>
        `${v.member} demande à rejoindre ${v.org} sur Casebook.` +
        (v.message ? ` Son message :\n\n${quote(v.message)}` : "") +
        `\n\nAcceptez ou refusez la demande :\n\n${v.link}`,
      why: (v) => `Vous recevez ce message parce que vous êtes administrateur de ${v.org} sur Casebook.`,
    },
    nl: {
      subject: (v) => `Casebook: ${v.member} vraagt om lid te worden van ${v.org}`,
      body: (v) =>
        `${v.member} vraagt om lid te worden van ${v.org} op Casebook.` +
        (v.message ? ` Het bericht:\n\n${quote(v.message)}` : "") +
        `\n\nKeur de aanvraag goed of wijs ze af:\n\n${v.link}`,
      why: (v) => `U ontvangt dit bericht omdat u beheerder bent van ${v.org} op Casebook.`,
    },
  },
  consent_request: {
    en: {
      subject: (v) => `Casebook: ${v.funder} asks whether it may name ${v.org}`,
      body: (v) =>
        `${v.funder} recorded its decision on the application "${v.title}" by ${v.org} and asks whether Casebook may publish it under your organisation's name. This is what would be published:\n\n${v.published}\n\n` +
        `Please answer by ${v.deadline}. Without an answer by then, the record may be published without your organisation's name, with its description only.\n\nAnswer here:\n\n${v.link}`,
      why: (v) => `You receive this because you are an administrator of ${v.org} on Casebook.`,
    },
    fr: {
      subject: (v) => `Casebook : ${v.funder} demande s’il peut nommer ${v.org}`,
      body: (v) =>
        `${v.funder} a enregistré sa décision sur la candidature « ${v.title} » de ${v.org} et demande si Casebook peut la publier sous le nom de votre organisation. Voici ce qui serait publié :\n\n${v.published}\n\n` +
        `Merci de répondre d’ici le ${v.deadline}. Sans réponse à cette date, la fiche pourra être publiée sans le nom de votre organisation, avec sa seule description.\n\nRépondre ici :\n\n${v.link}`,
      why: (v) => `Vous recevez ce message parce que vous êtes administrateur de ${v.org} sur Casebook.`,
    },
    nl: {
      subject: (v) => `Casebook: ${v.funder} vraagt of het ${v.org} mag vermelden`,
      body: (v) =>
        `${v.funder} heeft zijn beslissing over de aanvraag "${v.title}" van ${v.org} geregistreerd en vraagt of Casebook ze mag publiceren onder de naam van uw organisatie. Dit zou gepubliceerd worden:\n\n${v.published}\n\n` +
        `Antwoord uiterlijk op ${v.deadline}. Zonder antwoord tegen dan mag de fiche gepubliceerd worden zonder de naam van uw organisatie, alleen met haar omschrijving.\n\nHier antwoorden:\n\n${v.link}`,
      why: (v) => `U ontvangt dit bericht omdat u beheerder bent van ${v.org} op Casebook.`,
    },
  },
  consent_reminder: {
    en: {
      subject: (v) => `Casebook reminder: answer ${v.funder} by ${v.deadline}`,
      body: (v) =>
        `${v.funder} still waits for your answer about "${v.title}": may Casebook publish its decision under the name of ${v.org}? This is what would be published:\n\n${v.published}\n\n` +
        `After ${v.deadline}, the record may be published without your organisation's name, with its description only.\n\nAnswer here:\n\n${v.link}`,
      why: (v) => `You receive this because you are an administrator of ${v.org} on Casebook.`,
    },
    fr: {
      subject: (v) => `Rappel Casebook : répondez à ${v.funder} d’ici le ${v.deadline}`,
      body: (v) =>
        `${v.funder} attend toujours votre réponse au sujet de « ${v.title} » : Casebook peut-il publier sa décision sous le nom de ${v.org} ? Voici ce qui serait publié :\n\n${v.published}\n\n` +
        `Après le ${v.deadline}, la fiche pourra être publiée sans le nom de votre organisation, avec sa seule description.\n\nRépondre ici :\n\n${v.link}`,
      why: (v) => `Vous recevez ce message parce que vous êtes administrateur de ${v.org} sur Casebook.`,
    },
    nl: {
      subject: (v) => `Herinnering van Casebook: antwoord ${v.funder} uiterlijk op ${v.deadline}`,
      body: (v) =>
        `${v.funder} wacht nog op uw antwoord over "${v.title}": mag Casebook zijn beslissing publiceren onder de naam van ${v.org}? Dit zou gepubliceerd worden:\n\n${v.published}\n\n` +
        `Na ${v.deadline} mag de fiche gepubliceerd worden zonder de naam van uw organisatie, alleen met haar omschrijving.\n\nHier antwoorden:\n\n${v.link}`,
      why: (v) => `U ontvangt dit bericht omdat u beheerder bent van ${v.org} op Casebook.`,
    },
  },
  summary_consent: {
    en: {
      subject: (v) => `Casebook: may the summary of "${v.title}" name ${v.org}?`,
      body: (v) =>
        `${v.host} wrote the summary of the round table "${v.title}" and asks whether it may name ${v.org} among the participants. Without your consent, ${v.org} appears only by its description (for example "a hospital in Flanders"). The summary cannot be published before you answer.\n\nRead the summary and answer here:\n\n${v.link}`,
      why: (v) => `You receive this because you are an administrator of ${v.org} on Casebook.`,
    },
    fr: {
      subject: (v) => `Casebook : la synthèse de « ${v.title} » peut-elle nommer ${v.org} ?`,
      body: (v) =>
        `${v.host} a rédigé la synthèse de la table ronde « ${v.title} » et demande si elle peut citer ${v.org} parmi les participants. Sans votre accord, ${v.org} n’y figure que par sa description (par exemple « un hôpital en Flandre »). La synthèse ne peut pas être publiée avant votre réponse.\n\nLire la synthèse et répondre ici :\n\n${v.link}`,
      why: (v) => `Vous recevez ce message parce que vous êtes administrateur de ${v.org} sur Casebook.`,
    },
    nl: {
      subject: (v) => `Casebook: mag de samenvatting van "${v.title}" ${v.org} vermelden?`,
      body: (v) =>
        `${v.host} schreef de samenvatting van de rondetafel "${v.title}" en vraagt of ${v.org} daarin bij de deelnemers vermeld mag worden. Zonder uw toestemming staat ${v.org} er alleen met zijn omschrijving in (bijvoorbeeld "een ziekenhuis in Vlaanderen"). De samenvatting kan niet gepubliceerd worden voor u antwoordt.\n\nLees de samenvatting en antwoord hier:\n\n${v.link}`,
      why: (v) => `U ontvangt dit bericht omdat u beheerder bent van ${v.org} op Casebook.`,
    },
  },
  record_published: {
    en: {
      subject: (v) => `Casebook: ${v.funder} ${v.change === "corrected" ? "corrected" : "published"} its decision on "${v.title}"`,
      body: (v) =>
        `${v.funder} ${v.change === "corrected" ? "corrected its published decision" : "published its decision"} on the application "${v.title}" of ${v.org}, after review by Casebook's moderators. ` +
        `${v.shown === "named" ? `The record names ${v.org}.` : `The record does not name ${v.org}: readers see only its description.`}\n\nRead it here:\n\n${v.link}`,
      why: (v) => `You receive this because you are an administrator of ${v.org} on Casebook.`,
    },
    fr: {
      subject: (v) => `Casebook : ${v.funder} a ${v.change === "corrected" ? "corrigé" : "publié"} sa décision sur « ${v.title} »`,
      body: (v) =>
        `${v.funder} a ${v.change === "corrected" ? "corrigé sa décision publiée" : "publié sa décision"} sur la demande « ${v.title} » de ${v.org}, après relecture par les modérateurs de Casebook. ` +
        `${v.shown === "named" ? `La fiche nomme ${v.org}.` : `La fiche ne nomme pas ${v.org} : les lecteurs n’en voient que la description.`}\n\nLa lire ici :\n\n${v.link}`,
      why: (v) => `Vous recevez ce message parce que vous êtes administrateur de ${v.org} sur Casebook.`,
    },
    nl: {
      subject: (v) => `Casebook: ${v.funder} heeft zijn beslissing over "${v.title}" ${v.change === "corrected" ? "verbeterd" : "gepubliceerd"}`,
      body: (v) =>
        `${v.funder} heeft ${v.change === "corrected" ? "zijn gepubliceerde beslissing verbeterd" : "zijn beslissing gepubliceerd"} over de aanvraag "${v.title}" van ${v.org}, na nazicht door de moderatoren van Casebook. ` +
        `${v.shown === "named" ? `De fiche vermeldt ${v.org}.` : `De fiche vermeldt ${v.org} niet: lezers zien alleen de omschrijving.`}\n\nHier lezen:\n\n${v.link}`,
      why: (v) => `U ontvangt dit bericht omdat u beheerder bent van ${v.org} op Casebook.`,
    },
  },
} satisfies Record<NoticeMailKind, Record<Language, Template>>;

// What members follow (issue 13 §4): a digest lists what is new, grouped by follow; "immediate" follows get one mail per post.
const followTemplates = {
  digest_daily: {
    en: {
      subject: (v) => `Casebook: ${v.count} new in what you follow today`,
      body: (v) =>
        `New on Casebook since yesterday's digest, in what you follow (${v.count}):\n\n${v.items}\n\nChoose what you follow and how often you hear of it:\n\n${v.link}`,
      why: () => "You receive this because you follow these subjects on Casebook with a daily digest, sent only on days with something new.",
    },
    fr: {
      subject: (v) => `Casebook : ${v.count} nouveauté(s) aujourd’hui dans ce que vous suivez`,
      body: (v) =>
        `Nouveau sur Casebook depuis le récapitulatif d’hier, dans ce que vous suivez (${v.count}) :\n\n${v.items}\n\nChoisir ce que vous suivez et à quelle fréquence :\n\n${v.link}`,
      why: () =>
        "Vous recevez ce message parce que vous suivez ces sujets sur Casebook avec un récapitulatif quotidien, envoyé uniquement les jours où il y a du neuf.",
    },
    nl: {
      subject: (v) => `Casebook: ${v.count} nieuw vandaag in wat u volgt`,
      body: (v) =>
        `Nieuw op Casebook sinds het overzicht van gisteren, in wat u volgt (${v.count}):\n\n${v.items}\n\nKies wat u volgt en hoe vaak u erover hoort:\n\n${v.link}`,
      why: () =>
        "U ontvangt dit bericht omdat u deze onderwerpen volgt op Casebook met een dagelijks overzicht, dat alleen verstuurd wordt op dagen met iets nieuws.",
    },
  },
  digest_weekly: {
    en: {
      subject: (v) => `Casebook: ${v.count} new this week in what you follow`,
      body: (v) =>
        `New on Casebook since last week's digest, in what you follow (${v.count}):\n\n${v.items}\n\nChoose what you follow and how often you hear of it:\n\n${v.link}`,
      why: () => "You receive this because you follow these subjects on Casebook with a weekly digest, sent only in weeks with something new.",
    },
    fr: {
      subject: (v) => `Casebook : ${v.count} nouveauté(s) cette semaine dans ce que vous suivez`,
      body: (v) =>
        `Nouveau sur Casebook depuis le récapitulatif de la semaine dernière, dans ce que vous suivez (${v.count}) :\n\n${v.items}\n\nChoisir ce que vous suivez et à quelle fréquence :\n\n${v.link}`,
      why: () =>
        "Vous recevez ce message parce que vous suivez ces sujets sur Casebook avec un récapitulatif hebdomadaire, envoyé uniquement les semaines où il y a du neuf.",
    },
    nl: {
      subject: (v) => `Casebook: ${v.count} nieuw deze week in wat u volgt`,
      body: (v) =>
        `Nieuw op Casebook sinds het overzicht van vorige week, in wat u volgt (${v.count}):\n\n${v.items}\n\nKies wat u volgt en hoe vaak u erover hoort:\n\n${v.link}`,
      why: () =>
        "U ontvangt dit bericht omdat u deze onderwerpen volgt op Casebook met een wekelijks overzicht, dat alleen verstuurd wordt in weken met iets nieuws.",
    },
  },
  follow_post: {
    en: {
      subject: (v) => `Casebook: new in what you follow — ${v.title}`,
      body: (v) =>
        `"${v.title}" (${v.byline}) was just published on Casebook. It matches what you follow — ${v.follow}. Read it here:\n\n${v.link}\n\nYou asked to hear of these at once; a daily or weekly digest is also possible:\n\n${v.settings}`,
      why: () => "You receive this because you follow this subject on Casebook and chose to hear of each new post.",
    },
    fr: {
      subject: (v) => `Casebook : nouveau dans ce que vous suivez — ${v.title}`,
      body: (v) =>
        `« ${v.title} » (${v.byline}) vient d’être publiée sur Casebook. Elle correspond à ce que vous suivez — ${v.follow}. La lire ici :\n\n${v.link}\n\nVous avez demandé à être prévenu de chaque nouvelle publication ; un récapitulatif quotidien ou hebdomadaire est aussi possible :\n\n${v.settings}`,
      why: () => "Vous recevez ce message parce que vous suivez ce sujet sur Casebook et avez choisi d’être prévenu de chaque nouvelle publication.",
    },
    nl: {
      subject: (v) => `Casebook: nieuw in wat u volgt — ${v.title}`,
      body: (v) =>
        `"${v.title}" (${v.byline}) werd net gepubliceerd op Casebook. Ze past bij wat u volgt — ${v.follow}. Lees ze hier:\n\n${v.link}\n\nU vroeg om elke nieuwe bijdrage meteen te horen; een dagelijks of wekelijks overzicht kan ook:\n\n${v.settings}`,
      why: () => "U ontvangt dit bericht omdat u dit onderwerp volgt op Casebook en gekozen hebt om elke nieuwe bijdrage meteen te horen.",
    },
  },
} satisfies Record<"digest_daily" | "digest_weekly" | "follow_post", Record<Language, Template>>;

// Replies (issue 14 §2). A decision is worded per language here, as the few words it takes.
const REPLY_DECISIONS: Record<Language, Record<string, string>> = {
  en: { published: "it is published", rejected: "it was not accepted", hidden: "it was hidden by a moderator", restored: "it is online again" },
  fr: {
    published: "elle est publiée",
    rejected: "elle n’a pas été acceptée",
    hidden: "elle a été masquée par un modérateur",
    restored: "elle est de nouveau en ligne",
  },
  nl: { published: "ze is gepubliceerd", rejected: "ze werd niet aanvaard", hidden: "ze werd verborgen door een moderator", restored: "ze staat weer online" },
};
const replyTemplates = {
  reply_held: {
    en: {
      subject: (v) => `Casebook: a reply waits for moderation — ${v.title}`,
      body: (v) => `A reply to "${v.title}" waits for a moderator before it appears.\n\nReview it here:\n\n${v.link}`,
      why: () => "You receive this because you are a moderator on Casebook.",
    },
    fr: {
      subject: (v) => `Casebook : une réponse attend la modération — ${v.title}`,
      body: (v) => `Une réponse à « ${v.title} » attend un modérateur avant d’apparaître.\n\nLa relire ici :\n\n${v.link}`,
      why: () => "Vous recevez ce message parce que vous êtes modérateur sur Casebook.",
    },
    nl: {
      subject: (v) => `Casebook: een reactie wacht op moderatie — ${v.title}`,
      body: (v) => `Een reactie op "${v.title}" wacht op een moderator voor ze verschijnt.\n\nBekijk ze hier:\n\n${v.link}`,
      why: () => "U ontvangt dit bericht omdat u moderator bent op Casebook.",
    },
  },
  reply_decision: {
    en: {
      subject: (v) => `Casebook: your reply to "${v.title}"`,
      body: (v) =>
        `There is news about your reply to "${v.title}": ${REPLY_DECISIONS.en[v.decision ?? ""] ?? v.decision}.` +
        (v.note ? `\n\n${quote(v.note)}` : "") +
        `\n\n${v.link}`,
      why: () => "You receive this because you replied to this discussion on Casebook.",
    },
    fr: {
      subject: (v) => `Casebook : votre réponse à « ${v.title} »`,
      body: (v) =>
        `Il y a du nouveau pour votre réponse à « ${v.title} » : ${REPLY_DECISIONS.fr[v.decision ?? ""] ?? v.decision}.` +
        (v.note ? `\n\n${quote(v.note)}` : "") +
        `\n\n${v.link}`,
      why: () => "Vous recevez ce message parce que vous avez répondu à cette discussion sur Casebook.",
    },
    nl: {
      subject: (v) => `Casebook: uw reactie op "${v.title}"`,
      body: (v) =>
        `Er is nieuws over uw reactie op "${v.title}": ${REPLY_DECISIONS.nl[v.decision ?? ""] ?? v.decision}.` +
        (v.note ? `\n\n${quote(v.note)}` : "") +
        `\n\n${v.link}`,
      why: () => "U ontvangt dit bericht omdat u op deze discussie reageerde op Casebook.",
    },
  },
  reply_published: {
    en: {
      subject: (v) => `Casebook: a new reply to "${v.title}"`,
      body: (v) => `There is a new reply to the discussion "${v.title}". Read it here:\n\n${v.link}`,
      why: () => "You receive this because you started or follow this discussion on Casebook.",
    },
    fr: {
      subject: (v) => `Casebook : une nouvelle réponse à « ${v.title} »`,
      body: (v) => `Il y a une nouvelle réponse à la discussion « ${v.title} ». La lire ici :\n\n${v.link}`,
      why: () => "Vous recevez ce message parce que vous avez lancé ou suivez cette discussion sur Casebook.",
    },
    nl: {
      subject: (v) => `Casebook: een nieuwe reactie op "${v.title}"`,
      body: (v) => `Er is een nieuwe reactie op de discussie "${v.title}". Lees ze hier:\n\n${v.link}`,
      why: () => "U ontvangt dit bericht omdat u deze discussie startte of volgt op Casebook.",
    },
  },
} satisfies Record<"reply_held" | "reply_decision" | "reply_published", Record<Language, Template>>;

// Round tables (issue 14 §3). An answer is worded per language here.
const ROUND_TABLE_ANSWERS: Record<Language, Record<string, string>> = {
  en: { accepted: "accepted", declined: "declined" },
  fr: { accepted: "a accepté", declined: "a décliné" },
  nl: { accepted: "heeft aanvaard", declined: "heeft afgeslagen" },
};
const roundTableTemplates = {
  roundtable_invitation: {
    en: {
      subject: (v) => `Casebook: ${v.host} invites your organisation to the round table "${v.title}"`,
      body: (v) =>
        `${v.host} invites your organisation to the round table "${v.title}". Accept or decline for your organisation, and name who attends, here:\n\n${v.link}`,
      why: () => "You receive this because you are an administrator of an invited organisation on Casebook.",
    },
    fr: {
      subject: (v) => `Casebook : ${v.host} invite votre organisation à la table ronde « ${v.title} »`,
      body: (v) =>
        `${v.host} invite votre organisation à la table ronde « ${v.title} ». Acceptez ou déclinez au nom de votre organisation, et indiquez qui y participe, ici :\n\n${v.link}`,
      why: () => "Vous recevez ce message parce que vous êtes administrateur d’une organisation invitée sur Casebook.",
    },
    nl: {
      subject: (v) => `Casebook: ${v.host} nodigt uw organisatie uit voor de rondetafel "${v.title}"`,
      body: (v) =>
        `${v.host} nodigt uw organisatie uit voor de rondetafel "${v.title}". Aanvaard of sla af namens uw organisatie, en geef aan wie deelneemt, hier:\n\n${v.link}`,
      why: () => "U ontvangt dit bericht omdat u beheerder bent van een uitgenodigde organisatie op Casebook.",
    },
  },
  roundtable_answer: {
    en: {
      subject: (v) => `Casebook: ${v.org} answered your invitation to "${v.title}"`,
      body: (v) => `${v.org} ${ROUND_TABLE_ANSWERS.en[String(v.answer)] ?? v.answer} your invitation to the round table "${v.title}".\n\n${v.link}`,
      why: () => "You receive this because you are an administrator of the host organisation on Casebook.",
    },
    fr: {
      subject: (v) => `Casebook : ${v.org} a répondu à votre invitation à « ${v.title} »`,
      body: (v) => `${v.org} ${ROUND_TABLE_ANSWERS.fr[String(v.answer)] ?? v.answer} votre invitation à la table ronde « ${v.title} ».\n\n${v.link}`,
      why: () => "Vous recevez ce message parce que vous êtes administrateur de l’organisation hôte sur Casebook.",
    },
    nl: {
      subject: (v) => `Casebook: ${v.org} antwoordde op uw uitnodiging voor "${v.title}"`,
      body: (v) => `${v.org} ${ROUND_TABLE_ANSWERS.nl[String(v.answer)] ?? v.answer} uw uitnodiging voor de rondetafel "${v.title}".\n\n${v.link}`,
      why: () => "U ontvangt dit bericht omdat u beheerder bent van de organiserende organisatie op Casebook.",
    },
  },
  roundtable_reminder: {
    en: {
      subject: (v) => `Casebook: the round table "${v.title}" is tomorrow`,
      body: (v) =>
        `A reminder: a session of the round table "${v.title}" takes place ${v.when}. The place, the link and the agenda are on its page:\n\n${v.link}`,
      why: () => "You receive this because your organisation named you as an attendee on Casebook.",
    },
    fr: {
      subject: (v) => `Casebook : la table ronde « ${v.title} » a lieu demain`,
      body: (v) =>
        `Pour rappel : une séance de la table ronde « ${v.title} » a lieu ${v.when}. Le lieu, le lien et l’ordre du jour sont sur sa page :\n\n${v.link}`,
      why: () => "Vous recevez ce message parce que votre organisation vous a désigné comme participant sur Casebook.",
    },
    nl: {
      subject: (v) => `Casebook: de rondetafel "${v.title}" is morgen`,
      body: (v) =>
        `Ter herinnering: een sessie van de rondetafel "${v.title}" vindt plaats op ${v.when}. De plaats, de link en de agenda staan op de pagina:\n\n${v.link}`,
      why: () => "U ontvangt dit bericht omdat uw organisatie u als deelnemer opgaf op Casebook.",
    },
  },
} satisfies Record<"roundtable_invitation" | "roundtable_answer" | "roundtable_reminder", Record<Language, Template>>;

const templates: Record<MailKind, Record<Language, Template>> = {
  ...noticeTemplates,
  ...roundTableTemplates,
  ...followTemplates,
  ...replyTemplates,
  verify_email: {
    en: {
      subject: () => "Confirm your e-mail address for Casebook",
      body: (v) =>
        `Please confirm your e-mail address by opening this link:\n\n${v.link}\n\n` +
        "The link works only once. If you did not create a Casebook account, you can ignore this message.",
      why: () => "You receive this because someone signed up for Casebook with this e-mail address.",
    },
    fr: {
      subject: () => "Vérifiez votre adresse e-mail pour Casebook",
      body: (v) =>
        `Veuillez confirmer votre adresse e-mail en ouvrant ce lien :\n\n${v.link}\n\n` +
        "Ce lien ne fonctionne qu’une seule fois. Si vous n’avez pas créé de compte Casebook, vous pouvez ignorer ce message.",
      why: () => "Vous recevez ce message parce que quelqu’un s’est inscrit sur Casebook avec cette adresse e-mail.",
    },
    nl: {
      subject: () => "Bevestig uw e-mailadres voor Casebook",
      body: (v) =>
        `Bevestig uw e-mailadres door deze link te openen:\n\n${v.link}\n\n` +
        "De link werkt maar één keer. Hebt u geen Casebook-account aangemaakt? Dan mag u dit bericht negeren.",
      why: () => "U ontvangt dit bericht omdat iemand zich met dit e-mailadres op Casebook heeft ingeschreven.",
    },
  },
  password_reset: {
    en: {
      subject: () => "Reset your Casebook password",
      body: (v) =>
        "Someone (hopefully you) asked to reset the password of your Casebook account. " +
        `To choose a new password, open this link:\n\n${v.link}\n\n` +
        "The link works only once. If you did not ask for this, ignore this message: your password stays as it is.",
      why: () => "You receive this because a password reset was requested for the Casebook account with this e-mail address.",
    },
    fr: {
      subject: () => "Réinitialisez votre mot de passe Casebook",
      body: (v) =>
        "Quelqu’un (vous, normalement) a demandé à réinitialiser le mot de passe de votre compte Casebook. " +
        `Pour choisir un nouveau mot de passe, ouvrez ce lien :\n\n${v.link}\n\n` +
        "Ce lien ne fonctionne qu’une seule fois. Si vous n’êtes pas à l’origine de cette demande, ignorez ce message : votre mot de passe reste inchangé.",
      why: () => "Vous recevez ce message parce qu’une réinitialisation du mot de passe a été demandée pour le compte Casebook lié à cette adresse e-mail.",
    },
    nl: {
      subject: () => "Stel een nieuw wachtwoord in voor Casebook",
      body: (v) =>
        "Iemand (hopelijk u) heeft gevraagd om het wachtwoord van uw Casebook-account opnieuw in te stellen. " +
        `Open deze link om een nieuw wachtwoord te kiezen:\n\n${v.link}\n\n` +
        "De link werkt maar één keer. Hebt u dit niet gevraagd? Negeer dan dit bericht: uw wachtwoord blijft ongewijzigd.",
      why: () => "U ontvangt dit bericht omdat er een nieuw wachtwoord werd aangevraagd voor het Casebook-account met dit e-mailadres.",
    },
  },
  password_changed: {
    en: {
      subject: () => "Your Casebook password was changed",
      body: () =>
        "The password of your Casebook account has just been changed. If you did this yourself, there is nothing else to do.\n\n" +
        "If you did not, someone else may have access to your account: choose a new password straight away via the sign-in page.",
      why: () => "You receive this because the password of the Casebook account with this e-mail address was changed.",
    },
    fr: {
      subject: () => "Votre mot de passe Casebook a été modifié",
      body: () =>
        "Le mot de passe de votre compte Casebook vient d’être modifié. Si c’est bien vous, vous n’avez rien d’autre à faire.\n\n" +
        "Si ce n’est pas vous, quelqu’un d’autre a peut-être accès à votre compte : choisissez sans attendre un nouveau mot de passe depuis la page de connexion.",
      why: () => "Vous recevez ce message parce que le mot de passe du compte Casebook lié à cette adresse e-mail a été modifié.",
    },
    nl: {
      subject: () => "Uw Casebook-wachtwoord werd gewijzigd",
      body: () =>
        "Het wachtwoord van uw Casebook-account werd zonet gewijzigd. Deed u dat zelf? Dan hoeft u niets meer te doen.\n\n" +
        "Deed u dat niet? Dan heeft iemand anders misschien toegang tot uw account. Kies dan meteen een nieuw wachtwoord via de aanmeldpagina.",
      why: () => "U ontvangt dit bericht omdat het wachtwoord van het Casebook-account met dit e-mailadres werd gewijzigd.",
    },
  },
  org_invitation: {
    en: {
      subject: (v) => `${v.inviter} invites you to join ${v.org} on Casebook`,
      body: (v) =>
        `${v.inviter} invites you to join ${v.org} on Casebook, where Belgian healthcare organisations share what they learned ` +
        "from their AI projects, including what did not work.\n\n" +
        `To accept the invitation, open this link. It works once, for 7 days:\n\n${v.link}\n\n` +
        `If you do not know ${v.inviter} or do not want to join, you can ignore this message.`,
      why: (v) => `You receive this because ${v.inviter} entered this e-mail address to invite you to ${v.org}.`,
    },
    fr: {
      subject: (v) => `${v.inviter} vous invite à rejoindre ${v.org} sur Casebook`,
      body: (v) =>
        `${v.inviter} vous invite à rejoindre ${v.org} sur Casebook, la plateforme où les organisations de soins de santé belges ` +
        "partagent ce qu’elles ont appris de leurs projets d’IA, y compris ce qui n’a pas fonctionné.\n\n" +
        `Pour accepter l’invitation, ouvrez ce lien. Il fonctionne une seule fois, pendant 7 jours :\n\n${v.link}\n\n` +
        `Si vous ne connaissez pas ${v.inviter} ou si vous ne souhaitez pas rejoindre cette organisation, vous pouvez ignorer ce message.`,
      why: (v) => `Vous recevez ce message parce que ${v.inviter} a indiqué cette adresse e-mail pour vous inviter à rejoindre ${v.org}.`,
    },
    nl: {
      subject: (v) => `${v.inviter} nodigt u uit voor ${v.org} op Casebook`,
      body: (v) =>
        `${v.inviter} nodigt u uit om lid te worden van ${v.org} op Casebook, het platform waar Belgische zorgorganisaties delen ` +
        "wat ze uit hun AI-projecten hebben geleerd, ook wat niet werkte.\n\n" +
        `Open deze link om de uitnodiging te aanvaarden. Hij werkt één keer, 7 dagen lang:\n\n${v.link}\n\n` +
        `Kent u ${v.inviter} niet of wilt u geen lid worden? Dan mag u dit bericht negeren.`,
      why: (v) => `U ontvangt dit bericht omdat ${v.inviter} dit e-mailadres heeft opgegeven om u uit te nodigen voor ${v.org}.`,
    },
  },
  org_verified: {
    en: {
      subject: (v) => `${v.org} has been verified on Casebook`,
      body: (v) => `Good news: the Casebook team has checked and verified ${v.org}. You can now sign in and carry on where you left off.`,
      why: (v) => `You receive this because you are the contact person for ${v.org} on Casebook.`,
    },
    fr: {
      subject: (v) => `${v.org} : organisation vérifiée sur Casebook`,
      body: (v) =>
        `Bonne nouvelle : l’équipe Casebook a contrôlé et vérifié l’organisation ${v.org}. ` +
        "Vous pouvez dès à présent vous connecter et reprendre là où vous en étiez.",
      why: (v) => `Vous recevez ce message parce que vous êtes la personne de contact de ${v.org} sur Casebook.`,
    },
    nl: {
      subject: (v) => `${v.org} is geverifieerd op Casebook`,
      body: (v) =>
        `Goed nieuws: het Casebook-team heeft de organisatie ${v.org} nagekeken en geverifieerd. ` +
        "U kunt zich nu aanmelden en verdergaan waar u gebleven was.",
      why: (v) => `U ontvangt dit bericht omdat u de contactpersoon bent voor ${v.org} op Casebook.`,
    },
  },
  org_refused: {
    en: {
      subject: (v) => `${v.org} could not be verified on Casebook`,
      body: (v) =>
        `The Casebook team could not verify ${v.org}.` +
        (v.reason ? ` The reason given:\n\n${quote(v.reason)}` : "") +
        "\n\nIf you think this is a mistake, sign in to Casebook to check the details of the organisation.",
      why: (v) => `You receive this because you asked to register ${v.org} on Casebook.`,
    },
    fr: {
      subject: (v) => `L’organisation ${v.org} n’a pas pu être vérifiée sur Casebook`,
      body: (v) =>
        `L’équipe Casebook n’a pas pu vérifier l’organisation ${v.org}.` +
        (v.reason ? ` Motif indiqué :\n\n${quote(v.reason)}` : "") +
        "\n\nSi vous pensez qu’il s’agit d’une erreur, connectez-vous à Casebook pour revoir les informations de l’organisation.",
      why: (v) => `Vous recevez ce message parce que vous avez demandé l’inscription de l’organisation ${v.org} sur Casebook.`,
    },
    nl: {
      subject: (v) => `${v.org} kon niet geverifieerd worden op Casebook`,
      body: (v) =>
        `Het Casebook-team kon de organisatie ${v.org} niet verifiëren.` +
        (v.reason ? ` Opgegeven reden:\n\n${quote(v.reason)}` : "") +
        "\n\nDenkt u dat dit een vergissing is? Meld u dan aan op Casebook om de gegevens van de organisatie na te kijken.",
      why: (v) => `U ontvangt dit bericht omdat u gevraagd hebt om ${v.org} op Casebook te registreren.`,
    },
  },
  membership_approved: {
    en: {
      subject: (v) => `You are now a member of ${v.org} on Casebook`,
      body: (v) =>
        `Your request to join ${v.org} on Casebook has been approved. Your role: ${role("en", v.role)}.\n\n` + "You can sign in now and get started.",
      why: (v) => `You receive this because you asked to join ${v.org} on Casebook.`,
    },
    fr: {
      subject: (v) => `Vous êtes maintenant membre de ${v.org} sur Casebook`,
      body: (v) =>
        `Votre demande pour rejoindre ${v.org} sur Casebook a été acceptée. Votre rôle : ${role("fr", v.role)}.\n\n` +
        "Vous pouvez dès maintenant vous connecter.",
      why: (v) => `Vous recevez ce message parce que vous avez demandé à rejoindre ${v.org} sur Casebook.`,
    },
    nl: {
      subject: (v) => `U bent nu lid van ${v.org} op Casebook`,
      body: (v) => `Uw aanvraag om lid te worden van ${v.org} op Casebook werd goedgekeurd. Uw rol: ${role("nl", v.role)}.\n\n` + "U kunt zich nu aanmelden.",
      why: (v) => `U ontvangt dit bericht omdat u gevraagd hebt om lid te worden van ${v.org} op Casebook.`,
    },
  },
  membership_rejected: {
    en: {
      subject: (v) => `Your request to join ${v.org} on Casebook`,
      body: (v) =>
        `${v.org} did not approve your request to join the organisation on Casebook. Your Casebook account itself remains active.\n\n` +
        `If you think this is a mistake, please contact someone at ${v.org} directly.`,
      why: (v) => `You receive this because you asked to join ${v.org} on Casebook.`,
    },
    fr: {
      subject: (v) => `Votre demande pour rejoindre ${v.org} sur Casebook`,
      body: (v) =>
        `${v.org} n’a pas accepté votre demande pour rejoindre l’organisation sur Casebook. Votre compte Casebook reste actif.\n\n` +
        `Si vous pensez qu’il s’agit d’une erreur, contactez directement une personne de ${v.org}.`,
      why: (v) => `Vous recevez ce message parce que vous avez demandé à rejoindre ${v.org} sur Casebook.`,
    },
    nl: {
      subject: (v) => `Uw aanvraag om lid te worden van ${v.org} op Casebook`,
      body: (v) =>
        `${v.org} heeft uw aanvraag om lid te worden van de organisatie op Casebook niet goedgekeurd. Uw Casebook-account blijft gewoon actief.\n\n` +
        `Denkt u dat dit een vergissing is? Neem dan rechtstreeks contact op met iemand van ${v.org}.`,
      why: (v) => `U ontvangt dit bericht omdat u gevraagd hebt om lid te worden van ${v.org} op Casebook.`,
    },
  },
  account_exists: {
    en: {
      subject: () => "Someone tried to create a Casebook account with your address",
      body: (v) =>
        "Someone (perhaps you) tried to create a new Casebook account with this e-mail address, which already has an account. " +
        `Nothing was changed. If it was you, sign in — or, if you forgot your password, choose a new one here:\n\n${v.link}`,
      why: () => "You receive this because this address has a Casebook account. If it was not you, you can ignore this message.",
    },
    fr: {
      subject: () => "Quelqu’un a tenté de créer un compte Casebook avec votre adresse",
      body: (v) =>
        "Quelqu’un (peut-être vous) a tenté de créer un nouveau compte Casebook avec cette adresse e-mail, qui possède déjà un compte. " +
        `Rien n’a été modifié. Si c’était vous, connectez-vous — ou, si vous avez oublié votre mot de passe, choisissez-en un nouveau ici :\n\n${v.link}`,
      why: () => "Vous recevez ce message parce que cette adresse possède un compte Casebook. Si ce n’était pas vous, ignorez ce message.",
    },
    nl: {
      subject: () => "Iemand probeerde een Casebook-account aan te maken met uw adres",
      body: (v) =>
        "Iemand (misschien uzelf) probeerde een nieuw Casebook-account aan te maken met dit e-mailadres, dat al een account heeft. " +
        `Er is niets gewijzigd. Was u het zelf? Meld u dan aan — of kies hier een nieuw wachtwoord als u het vergeten bent:\n\n${v.link}`,
      why: () => "U ontvangt dit bericht omdat dit adres een Casebook-account heeft. Was u het niet, dan mag u dit bericht negeren.",
    },
  },
  post_decision: {
    en: {
      subject: (v) => `Casebook: ${decision("en", v.decision)} — ${v.title}`,
      body: (v) =>
        `There is news about your post "${v.title}": ${decision("en", v.decision)}.` +
        (v.note ? `\n\n${quote(v.note)}` : "") +
        `\n\nOpen it here:\n\n${v.link}`,
      why: () => "You receive this because you wrote this post on Casebook.",
    },
    fr: {
      subject: (v) => `Casebook : ${decision("fr", v.decision)} — ${v.title}`,
      body: (v) =>
        `Il y a du nouveau pour votre publication « ${v.title} » : ${decision("fr", v.decision)}.` +
        (v.note ? `\n\n${quote(v.note)}` : "") +
        `\n\nOuvrez-la ici :\n\n${v.link}`,
      why: () => "Vous recevez ce message parce que vous avez rédigé cette publication sur Casebook.",
    },
    nl: {
      subject: (v) => `Casebook: ${decision("nl", v.decision)} — ${v.title}`,
      body: (v) =>
        `Er is nieuws over uw bijdrage "${v.title}": ${decision("nl", v.decision)}.` +
        (v.note ? `\n\n${quote(v.note)}` : "") +
        `\n\nOpen ze hier:\n\n${v.link}`,
      why: () => "U ontvangt dit bericht omdat u deze bijdrage op Casebook schreef.",
    },
  },
  post_flagged: {
    en: {
      subject: (v) => `Casebook: your post "${v.title}" was hidden while a moderator checks a report`,
      body: (v) =>
        `A reader reported your post "${v.title}". It is hidden from the public until a moderator has looked at it; you will hear from us. You can see it here:\n\n${v.link}`,
      why: () => "You receive this because you wrote this post on Casebook.",
    },
    fr: {
      subject: (v) => `Casebook : votre publication « ${v.title} » est masquée le temps qu’un modérateur examine un signalement`,
      body: (v) =>
        `Un lecteur a signalé votre publication « ${v.title} ». Elle est masquée au public jusqu’à ce qu’un modérateur l’ait examinée ; nous vous tiendrons informé. Vous pouvez la consulter ici :\n\n${v.link}`,
      why: () => "Vous recevez ce message parce que vous avez rédigé cette publication sur Casebook.",
    },
    nl: {
      subject: (v) => `Casebook: uw bijdrage "${v.title}" is verborgen terwijl een moderator een melding bekijkt`,
      body: (v) =>
        `Een lezer meldde uw bijdrage "${v.title}". Ze is verborgen voor het publiek tot een moderator ze bekeken heeft; u hoort nog van ons. U kunt ze hier bekijken:\n\n${v.link}`,
      why: () => "U ontvangt dit bericht omdat u deze bijdrage op Casebook schreef.",
    },
  },
  membership_removed: {
    en: {
      subject: (v) => `You are no longer a member of ${v.org} on Casebook`,
      body: (v) =>
        `An admin of ${v.org} removed you from the organisation on Casebook. You can no longer write, read its drafts or act for it; your posts that are already published stay online. Your Casebook account itself remains active.\n\n` +
        `If you think this is a mistake, please contact someone at ${v.org} directly.`,
      why: (v) => `You receive this because you were a member of ${v.org} on Casebook.`,
    },
    fr: {
      subject: (v) => `Vous n’êtes plus membre de ${v.org} sur Casebook`,
      body: (v) =>
        `Un administrateur de ${v.org} vous a retiré de l’organisation sur Casebook. Vous ne pouvez plus écrire, lire ses brouillons ni agir en son nom ; vos publications déjà publiées restent en ligne. Votre compte Casebook reste actif.\n\n` +
        `Si vous pensez qu’il s’agit d’une erreur, contactez directement une personne de ${v.org}.`,
      why: (v) => `Vous recevez ce message parce que vous étiez membre de ${v.org} sur Casebook.`,
    },
    nl: {
      subject: (v) => `U bent geen lid meer van ${v.org} op Casebook`,
      body: (v) =>
        `Een beheerder van ${v.org} heeft u uit de organisatie op Casebook verwijderd. U kunt niet langer schrijven, de concepten lezen of namens de organisatie optreden; uw reeds gepubliceerde bijdragen blijven online. Uw Casebook-account zelf blijft actief.\n\n` +
        `Denkt u dat dit een vergissing is? Neem dan rechtstreeks contact op met iemand van ${v.org}.`,
      why: (v) => `U ontvangt dit bericht omdat u lid was van ${v.org} op Casebook.`,
    },
  },
  account_deleted: {
    en: {
      subject: () => "Your Casebook account has been deleted",
      body: (v) =>
        "Your Casebook account has been deleted, as you asked. You are signed out everywhere, your memberships have ended and your unfinished work is gone.\n\n" +
        `Published posts kept online, credited to a former member: ${v.kept}\nPublished posts withdrawn: ${v.withdrawn}\nDrafts and unpublished posts deleted: ${v.deleted}\n\n` +
        "If you did not ask for this, write straight away to the contact address given in the moderation policy on the site (do not answer this mail: nobody reads that address).",
      why: () => "You receive this because the Casebook account with this e-mail address was deleted.",
    },
    fr: {
      subject: () => "Votre compte Casebook a été supprimé",
      body: (v) =>
        "Votre compte Casebook a été supprimé, comme vous l’avez demandé. Vous êtes déconnecté partout, vos adhésions ont pris fin et vos travaux non publiés ont été effacés.\n\n" +
        `Publications maintenues en ligne, attribuées à un ancien membre : ${v.kept}\nPublications retirées : ${v.withdrawn}\nBrouillons et publications non publiées supprimés : ${v.deleted}\n\n` +
        "Si vous n’avez pas demandé cette suppression, écrivez-nous sans attendre à l’adresse indiquée dans la politique de modération du site.",
      why: () => "Vous recevez ce message parce que le compte Casebook lié à cette adresse e-mail a été supprimé.",
    },
    nl: {
      subject: () => "Uw Casebook-account werd verwijderd",
      body: (v) =>
        "Uw Casebook-account werd verwijderd, zoals u vroeg. U bent overal afgemeld, uw lidmaatschappen zijn beëindigd en uw niet-gepubliceerde werk is gewist.\n\n" +
        `Gepubliceerde bijdragen die online blijven, op naam van een voormalig lid: ${v.kept}\nIngetrokken bijdragen: ${v.withdrawn}\nVerwijderde concepten en niet-gepubliceerde bijdragen: ${v.deleted}\n\n` +
        "Hebt u hier niet om gevraagd? Schrijf ons dan meteen op het adres in het moderatiebeleid op de site.",
      why: () => "U ontvangt dit bericht omdat het Casebook-account met dit e-mailadres werd verwijderd.",
    },
  },
};

// One template, two parts: the plain text is the blocks joined; the HTML part is built from
// the same blocks (htmlDocument), so the two always say the same thing.
function render(kind: MailKind, language: Language, values: Values, footer: MailFooter = {}): RenderedParts {
  const template = templates[kind][language];
  const blocks = [greeting[language](values.name), template.body(values), signature[language], template.why(values)];
  const links = footerLinks(language, footer);
  const text = [...blocks, ...links.map((l) => `${l.label}:\n${l.href}`)].join("\n\n");
  return { subject: template.subject(values), text, blocks, links, language };
}

function footerLinks(language: Language, footer: MailFooter): { label: string; href: string }[] {
  const links: { label: string; href: string }[] = [];
  if (footer.unsubscribe) links.push({ label: FOOTER_LABELS[language].unsubscribe, href: footer.unsubscribe });
  if (footer.preferences) links.push({ label: FOOTER_LABELS[language].preferences, href: footer.preferences });
  return links;
}

const FOOTER_LABELS: Record<Language, { unsubscribe: string; preferences: string }> = {
  en: { unsubscribe: "Stop these e-mails", preferences: "Choose which e-mails you receive" },
  fr: { unsubscribe: "Ne plus recevoir ces e-mails", preferences: "Choisir les e-mails que vous recevez" },
  nl: { unsubscribe: "Deze e-mails niet meer ontvangen", preferences: "Kies welke e-mails u ontvangt" },
};

// Parameters whose line breaks matter (quoted notes, lists); the others are kept on one line.
const MULTILINE = new Set(["reason", "link", "note", "items", "published", "message"]);

const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

// A text block as HTML: a lone link becomes a visible, clickable link; indented lines (a
// quoted note) a blockquote; "- " lines a list; other lines keep their breaks.
function blockHtml(block: string): string {
  const trimmed = block.trim();
  if (/^https?:\/\/\S+$/.test(trimmed))
    return `<p style="margin:16px 0"><a href="${escapeHtml(trimmed)}" style="font-weight:bold;word-break:break-all">${escapeHtml(trimmed)}</a></p>`;
  const lines = block.split("\n");
  if (lines.every((line) => line.startsWith("    ") || line === "")) {
    return `<blockquote style="margin:16px 0;padding:0 0 0 12px;border-left:3px solid #888888">${lines.map((l) => escapeHtml(l.trim())).join("<br>")}</blockquote>`;
  }
  if (lines.every((line) => line.startsWith("- ")))
    return `<ul style="margin:16px 0;padding-left:20px">${lines.map((l) => `<li>${escapeHtml(l.slice(2))}</li>`).join("")}</ul>`;
  // Paragraphs ending in a link on its own line ("Open it here:\n\nURL" is two blocks; "Label:\nURL" is one).
  return `<p style="margin:16px 0">${lines.map((l) => (/^https?:\/\/\S+$/.test(l.trim()) ? `<a href="${escapeHtml(l.trim())}" style="word-break:break-all">${escapeHtml(l.trim())}</a>` : escapeHtml(l))).join("<br>")}</p>`;
}

// Deliberately plain HTML: no background or text colours (the client's light or dark theme
// applies as it is), inline styles only (clients drop <style>), one column, a readable width.
function htmlDocument(language: Language, subject: string, versions: (RenderedParts & { heading?: string })[]): string {
  const sections = versions.map((v) => {
    const heading = v.heading
      ? `<hr style="border:0;border-top:1px solid #888888;margin:32px 0 16px"><h2 lang="${v.language}" style="font-size:18px;margin:0 0 8px">${escapeHtml(v.heading)}</h2>`
      : "";
    const body = v.blocks
      .flatMap((block) => block.split(/\n{2,}/))
      .map(blockHtml)
      .join("\n");
    const footer = v.links.length
      ? `<p style="margin:32px 0 0;font-size:13px">${v.links.map((l) => `<a href="${escapeHtml(l.href)}">${escapeHtml(l.label)}</a>`).join(" · ")}</p>`
      : "";
    return `<div lang="${v.language}">${heading}${body}${footer}</div>`;
  });
  return [
    "<!doctype html>",
    `<html lang="${language}">`,
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="margin:0;padding:0">',
    `<div role="article" aria-label="${escapeHtml(subject)}" style="max-width:600px;margin:0 auto;padding:24px 16px;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5">`,
    ...sections,
    "</div></body></html>",
  ].join("\n");
}

// Names and organisation names come from users: keep them on one line (no fake
// paragraphs, no header tricks in the subject) and reasonably short.
function oneLine(value: string): string {
  const flat = value.replace(/\s+/g, " ").trim();
  return flat.length > 120 ? `${flat.slice(0, 119)}…` : flat;
}

// ---------------------------------------------------------------------------------------
// Reading the drop folder back. A deliberately small MIME reader rather than a library:
// nodemailer only writes messages, no parser is installed, and it only has to read what
// nodemailer itself wrote (plus hand-made test files): headers with RFC 2047 encoded
// words, single-part or multipart bodies, and 7bit/8bit, quoted-printable or base64 text.

const LINK = /https?:\/\/[^\s<>"']+/g;

// A sentence may end right after a link; that full stop is not part of the URL.
const trimLink = (link: string) => link.replace(/[.,;:!?)\]]+$/, "");

let lastStamp = 0;

// ISO 8601 time with "-" for ":" (not allowed in Windows file names), strictly increasing
// within the process so that two mails sent in the same millisecond still sort in order.
function nextStamp(): string {
  lastStamp = Math.max(Date.now(), lastStamp + 1);
  return new Date(lastStamp).toISOString().replace(/:/g, "-");
}

function stampDate(name: string): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2})-(\d{2})-(\d{2}\.\d{3}Z)/.exec(name);
  return match ? new Date(`${match[1]}:${match[2]}:${match[3]}`) : undefined;
}

function headerDate(value: string | undefined): Date | undefined {
  const date = value ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

// Bare addresses in a To header, lower-cased: "Marie <m@x.be>, j@y.be" → [m@x.be, j@y.be].
function addresses(header: string): string[] {
  return header
    .split(",")
    .map((part) => (/<([^>]+)>/.exec(part)?.[1] ?? part).trim().toLowerCase())
    .filter(Boolean);
}

type MimePart = { headers: Map<string, string>; body: string };

// `raw` is the message as a latin1 string, i.e. one character per byte, so that bodies can
// be turned back into bytes exactly and decoded with the charset they declare.
function parseMessage(raw: string): MimePart {
  const text = raw.replace(/\r\n/g, "\n");
  const end = text.indexOf("\n\n");
  const head = end === -1 ? text : text.slice(0, end);
  const body = end === -1 ? "" : text.slice(end + 2);
  const headers = new Map<string, string>();
  let current: string | undefined;
  for (const line of head.split("\n")) {
    if (/^[ \t]/.test(line)) {
      // Folded continuation: unfold by dropping only the line break (RFC 5322 §2.2.3).
      if (current !== undefined) headers.set(current, `${headers.get(current) ?? ""}${line}`);
      continue;
    }
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon).trim().toLowerCase() : "";
    // Repeated headers (Received…) keep their first value; none of ours repeat.
    current = name && !headers.has(name) ? name : undefined;
    if (current !== undefined) headers.set(current, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function headerParam(value: string, param: string): string | undefined {
  const match = new RegExp(`;\\s*${param}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, "i").exec(value);
  return match ? (match[1] ?? match[2]) : undefined;
}

// The first text/plain part, depth first, decoded to a string with "\n" line breaks.
function plainText(part: MimePart): string | undefined {
  const contentType = part.headers.get("content-type") ?? "text/plain; charset=us-ascii";
  const type = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  if (type.startsWith("multipart/")) {
    const boundary = headerParam(contentType, "boundary");
    if (!boundary) return undefined;
    for (const child of splitMultipart(part.body, boundary)) {
      const text = plainText(parseMessage(child));
      if (text !== undefined) return text;
    }
    return undefined;
  }
  if (type !== "text/plain" || /^\s*attachment/i.test(part.headers.get("content-disposition") ?? "")) return undefined;
  const encoding = (part.headers.get("content-transfer-encoding") ?? "7bit").trim().toLowerCase();
  const bytes =
    encoding === "quoted-printable"
      ? decodeQuotedPrintable(part.body)
      : encoding === "base64"
        ? Buffer.from(part.body.replace(/[^A-Za-z0-9+/=]/g, ""), "base64")
        : Buffer.from(part.body, "latin1");
  // Trailing line breaks are dropped: nodemailer ends a single-part message with one the
  // text never had, and no caller cares about them.
  return decodeBytes(bytes, headerParam(contentType, "charset") ?? "utf-8")
    .replace(/\r\n/g, "\n")
    .replace(/\n+$/, "");
}

function splitMultipart(body: string, boundary: string): string[] {
  const parts: string[] = [];
  let current: string[] | undefined;
  for (const line of body.split("\n")) {
    const trimmed = line.trimEnd();
    if (trimmed === `--${boundary}--`) break;
    if (trimmed === `--${boundary}`) {
      if (current) parts.push(current.join("\n"));
      current = [];
      continue;
    }
    current?.push(line);
  }
  if (current) parts.push(current.join("\n"));
  return parts;
}

// Soft line breaks ("=" at the end of a line) are removed first: they split long lines,
// such as a link with a token, and are not part of the text.
function decodeQuotedPrintable(body: string): Buffer {
  // Trailing blanks on a line were added in transit (RFC 2045 §6.7), so they go too.
  const joined = body.replace(/=[ \t]*\n/g, "").replace(/[ \t]+$/gm, "");
  return Buffer.from(unhex(joined), "latin1");
}

// "=C3=A9" → the two characters (bytes) C3 A9, still one character per byte.
const unhex = (text: string) => text.replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));

function decodeBytes(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset.trim().toLowerCase()).decode(bytes);
  } catch {
    // Unknown label: UTF-8 is what nodemailer writes anyway.
    return new TextDecoder("utf-8").decode(bytes);
  }
}

// RFC 2047: "=?UTF-8?Q?V=C3=A9rifiez_votre?=" and "=?UTF-8?B?…?=". Whitespace between two
// encoded words is dropped, and adjacent words are decoded together because a long
// subject may be cut between the bytes of one character.
function decodeHeader(raw: string): string {
  // Headers may also carry raw UTF-8 (RFC 6532); they were read one character per byte.
  const value = /[^\x00-\x7f]/.test(raw) ? Buffer.from(raw, "latin1").toString("utf8") : raw;
  let out = "";
  let position = 0;
  let afterWord = false;
  let charset = "";
  let pending: Buffer[] = [];
  const flush = () => {
    if (pending.length > 0) out += decodeBytes(Buffer.concat(pending), charset);
    pending = [];
  };
  for (const match of value.matchAll(/=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g)) {
    const between = value.slice(position, match.index);
    const wordCharset = (match[1] ?? "").split("*")[0] ?? "";
    if (!(afterWord && /^\s*$/.test(between))) {
      flush();
      out += between;
    } else if (wordCharset.toLowerCase() !== charset.toLowerCase()) {
      flush();
    }
    charset = wordCharset;
    const data = match[3] ?? "";
    pending.push((match[2] ?? "").toUpperCase() === "B" ? Buffer.from(data, "base64") : Buffer.from(unhex(data.replace(/_/g, " ")), "latin1"));
    position = match.index + match[0].length;
    afterWord = true;
  }
  flush();
  return out + value.slice(position);
}

/** A message to send; `html` is optional, the plain text is always there. */
export type MailMessage = { to: string; subject: string; text: string; html?: string; headers?: Record<string, string> };

/** Outcome of sendMail: the Message-ID, and the .eml path when the message was dropped to disk. */
export type SentMail = { id: string; file?: string };

/** A mail read back from the drop folder. */
export type DroppedMail = { file: string; to: string; subject: string; text: string; date: Date };

/** Kinds of mail composeMail knows. */
export type MailKind = keyof typeof MAIL_KINDS;

/** Subject, plain text and HTML from composeMail (one template), ready for sendMail. */
export type ComposedMail = { subject: string; text: string; html: string };

/** Links at the foot of a notification mail: one-click unsubscribe and the preferences page. */
export type MailFooter = { unsubscribe?: string; preferences?: string };

type NoticeMailKind =
  | "dpo_signoff"
  | "moderation_queue"
  | "patient_data_flag"
  | "moderation_batch"
  | "join_request"
  | "consent_request"
  | "consent_reminder"
  | "summary_consent"
  | "record_published";

type RenderedParts = { subject: string; text: string; blocks: string[]; links: { label: string; href: string }[]; language: Language };
