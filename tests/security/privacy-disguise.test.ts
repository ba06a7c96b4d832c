// Finding 4 (issue 9): an editor who disguises a valid national register number (Markdown,
// invisible characters, other digits, entities) still cannot submit it for publication, and
// the draft page tells them what was found, quoted as they wrote it.
import { describe, expect, it } from "vitest";
import { Client, type Scenario } from "./scenarios.ts";

const EDITOR = "editor.hospital@casebook.example";

const scenarios: Scenario<{ body: string; anonymous?: boolean }, { location: RegExp; shows: string[] }>[] = [
  ...[
    ["Markdown bold", "85.07.**30**-033.28"],
    ["zero-width spaces", "85\u200B07\u200B30\u200B033\u200B28"],
    ["soft hyphens", "85.07.\u00AD30-033.\u00AD28"],
    ["full-width digits", "８５.０７.３０-０３３.２８"],
    ["Arabic-Indic digits", "٨٥.٠٧.٣٠-٠٣٣.٢٨"],
    ["commas", "85,07,30-033,28"],
    ["no-break spaces", "85\u00A007\u00A030\u00A0033\u00A028"],
    ["an entity for the dash", "85.07.30&#45;033.28"],
  ].map(([disguise, number]) => ({
    name: `a national number written with ${disguise}`,
    actor: "editor",
    request: { body: `## Context\n\nThe pilot's export still carried ${number} in one of its rows, which is how we found the leak.` },
    expected: { location: /^(\/(en|fr|nl))?\/dashboard\/posts\/[a-z0-9]{15}\?blocked=1$/, shows: ["Belgian national register number"] },
  })),
  {
    name: "an address and a written-out e-mail are shown as warnings and do not block",
    actor: "editor",
    request: { body: "## Context\n\nThe letters went to Kerkstraat 12, 9000 Gent, and replies to jan.peeters [at] azheide [dot] be, by mistake." },
    expected: {
      location: /^(\/(en|fr|nl))?\/dashboard\/posts\/[a-z0-9]{15}\?submitted=1$/,
      shows: ["Street address", "Kerkstraat 12, 9000 Gent", "E-mail address written out", "jan.peeters [at] azheide [dot] be"],
    },
  },
  // A pseudonymous post's own organisation, named in its text, would tell readers who wrote it.
  {
    name: "a pseudonymous post naming its organisation, in capitals and bold",
    actor: "editor",
    request: { body: "## Context\n\nThe pilot ran on two wards of **AZ HEIDEBLOEM** for three months.", anonymous: true },
    expected: {
      location: /^(\/(en|fr|nl))?\/dashboard\/posts\/[a-z0-9]{15}\?blocked=1$/,
      shows: ["A name this post keeps from readers", "AZ HEIDEBLOEM", "it names who it is published without"],
    },
  },
  {
    name: "the same words under the organisation's name",
    actor: "editor",
    request: { body: "## Context\n\nThe pilot ran on two wards of **AZ HEIDEBLOEM** for three months." },
    expected: { location: /^(\/(en|fr|nl))?\/dashboard\/posts\/[a-z0-9]{15}\?submitted=1$/, shows: [] },
  },
];

async function organizationId(editor: Client): Promise<string> {
  const html = await (await editor.fetch("/write")).text();
  const id = (/name="organization" value="([a-z0-9]{15})"/.exec(html) ?? /name="organization"[^>]*>[\s\S]*?<option[^>]*value="([a-z0-9]{15})"/.exec(html))?.[1];
  if (!id) throw new Error("the writing form offers the editor no organisation");
  return id;
}

describe("finding 4: formatting does not get patient data (nor a pseudonymous post's own name) past the privacy guard", () => {
  it.each(scenarios)("$name", async ({ request, expected }) => {
    const editor = await new Client().signIn(EDITOR);
    const res = await editor.form("/write?_action=savePost", {
      kind: "case_study",
      organization: await organizationId(editor),
      title: `Privacy guard probe ${Date.now().toString(36)}`,
      summary: "A draft that quotes an identifier in disguise.",
      body_md: request.body,
      language: "en",
      outcome: "failure",
      care_settings: "hospital",
      ai_types: "nlp",
      lifecycle_stage: "pilot",
      intent: "submit",
      ...(request.anonymous ? { anonymous: "on" } : {}),
    });
    expect(res.status).toBe(303);
    const location = res.headers.get("location") ?? "";
    expect(location).toMatch(expected.location);
    const page = await (await editor.fetch(location)).text();
    for (const text of expected.shows) expect(page).toContain(text.replace(/&/g, "&amp;"));
  });
});
