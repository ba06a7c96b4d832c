// Finding 9 (issue 9): Markdown that marked renders in superlinear time ("_a" × 50,000 took
// 7.9 s on the server's only thread) is refused with a message naming the field, nothing is
// saved, and the site keeps answering other visitors while the draft is being processed.
import { describe, expect, it } from "vitest";
import { Client, type Scenario } from "./scenarios.ts";

const EDITOR = "editor.hospital@casebook.example";

type Save = { field: "body_md" | "lessons_md"; markdown: string };
type Outcome = { status: number; message: string; saved: false; homeAnsweredMeanwhile: true };

const scenarios: Scenario<Save, Outcome>[] = [
  {
    name: "the story of the report, '_a' × 50,000",
    actor: "editor",
    request: { field: "body_md", markdown: "_a".repeat(50_000) },
    expected: { status: 400, message: "The formatting of the story is too complex to display", saved: false, homeAnsweredMeanwhile: true },
  },
  {
    name: "the lessons, '*_a' × 16,666 (the field's 50,000-character maximum; over 20 s on one thread before the fix)",
    actor: "editor",
    request: { field: "lessons_md", markdown: "*_a".repeat(16_666) },
    expected: { status: 400, message: "The formatting of the lessons learned is too complex to display", saved: false, homeAnsweredMeanwhile: true },
  },
];

async function organizationId(editor: Client): Promise<string> {
  const html = await (await editor.fetch("/write")).text();
  // A hidden field when the editor has one organisation, a <select> when several.
  const id = (/name="organization" value="([a-z0-9]{15})"/.exec(html) ?? /name="organization"[^>]*>[\s\S]*?<option[^>]*value="([a-z0-9]{15})"/.exec(html))?.[1];
  if (!id) throw new Error("the writing form offers the editor no organisation");
  return id;
}

describe("finding 9: pathological Markdown in a draft", () => {
  it.each(scenarios)("$name: refused by name, nothing saved, the home page answers meanwhile", async ({ request, expected }) => {
    const editor = await new Client().signIn(EDITOR);
    const visitor = new Client();
    const title = `Markdown budget probe ${Date.now().toString(36)}`;
    const fields: Record<string, string> = {
      kind: "case_study",
      organization: await organizationId(editor),
      title,
      summary: "A draft whose Markdown no renderer should spend seconds on.",
      body_md: "A story long enough to pass the form's own minimum length check.",
      lessons_md: "",
      language: "en",
      outcome: "failure",
      care_settings: "hospital",
      ai_types: "nlp",
      lifecycle_stage: "pilot",
      intent: "save",
    };
    fields[request.field] = request.markdown;

    const order: string[] = [];
    const saving = editor.form("/write?_action=savePost", fields).then(async (res) => {
      order.push("save");
      return { status: res.status, html: await res.text() };
    });
    // Sent once the save is surely in the server's hands; before the fix this GET waited for
    // the render to finish, so it answered after the save.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const home = await visitor.fetch("/en/");
    order.push("home");
    expect(home.status).toBe(200);

    const saved = await saving;
    expect(saved.status).toBe(expected.status);
    expect(saved.html).toContain(expected.message);
    expect(order).toEqual(["home", "save"]);
    // Nothing was written: the editor's dashboard knows no draft with this title.
    const dashboard = await (await editor.fetch("/dashboard")).text();
    expect(dashboard).not.toContain(title);
  });

  it("an ordinary long story still saves", async () => {
    const editor = await new Client().signIn(EDITOR);
    const title = `Markdown budget control ${Date.now().toString(36)}`;
    const res = await editor.form("/write?_action=savePost", {
      kind: "case_study",
      organization: await organizationId(editor),
      title,
      summary: "A normal draft with plenty of ordinary formatting in it.",
      body_md: "## Context\n\nWe **tried** a _triage_ model; see [the audit](https://example.org/a).\n\n- one\n- two\n\n".repeat(800),
      language: "en",
      outcome: "failure",
      care_settings: "hospital",
      ai_types: "nlp",
      lifecycle_stage: "pilot",
      intent: "save",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toMatch(/^(\/(en|fr|nl))?\/dashboard\/posts\/[a-z0-9]{15}\?saved=1$/);
  });
});
