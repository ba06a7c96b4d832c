// Finding 19 (issue 9): without SMTP, the built site (`npm start`) writes each mail to a
// file and prints where — never the reset, verification or invitation link, which would let
// anyone who reads the logs take over the account. The attacker here reads the console.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { findLatestMail } from "../../src/lib/server/mail.ts";
import { TEST_SUPERUSER } from "../helpers/pocketbase.ts";
import { startSite } from "../helpers/site.ts";
import { Client, type Scenario } from "./scenarios.ts";

let site: Awaited<ReturnType<typeof startSite>>;

beforeAll(async () => {
  // A second site process on the suite's PocketBase, so its console can be read. Its search
  // worker stays off: the suite's own site drains the outbox.
  site = await startSite({
    POCKETBASE_URL: inject("pocketbaseUrl"),
    PB_SUPERUSER_EMAIL: TEST_SUPERUSER.email,
    PB_SUPERUSER_PASSWORD: TEST_SUPERUSER.password,
    DATA_DIR: inject("dataDir"),
    CASEBOOK_SECRET: "security-test-signing-secret-0123456789abcdef",
    CASEBOOK_SEARCH_WORKER: "0",
    // No NODE_ENV, as under `npm start` (the old code printed links whenever it was not "production").
  });
});

afterAll(async () => {
  await site?.stop();
});

const stamp = Date.now().toString(36);
const scenarios: Scenario<{ path: string; fields: Record<string, string>; mailTo: string }, { mailLink: RegExp }>[] = [
  {
    name: "password reset link",
    actor: "someone who reads the server's log",
    request: { path: "/reset?_action=requestReset", fields: { email: "editor.homecare@casebook.example" }, mailTo: "editor.homecare@casebook.example" },
    expected: { mailLink: /\/reset\?token=/ },
  },
  {
    name: "e-mail verification link",
    actor: "someone who reads the server's log",
    request: {
      path: "/signup?_action=signUp",
      fields: { name: "Console Person", email: `console-${stamp}@example.test`, password: "amber quarry lantern violet 42", locale: "en" },
      mailTo: `console-${stamp}@example.test`,
    },
    expected: { mailLink: /\/verify\?token=/ },
  },
];

describe("mail links on the console (issue 9, finding 19)", () => {
  it.each(scenarios)("$name: the log names the mail file, not the link ($actor)", async ({ request, expected }) => {
    const res = await new Client(site.baseUrl).form(request.path, request.fields);
    expect(res.status).toBe(200);
    let mail: Awaited<ReturnType<typeof findLatestMail>>;
    for (let i = 0; i < 100; i++) {
      mail = await findLatestMail(request.mailTo, inject("dataDir"));
      if (mail?.text.match(expected.mailLink)) break;
      await sleep(100);
    }
    const link = mail?.text.match(/https?:\/\/\S+token=\S+/)?.[0];
    expect(link, "the mail itself carries the link").toBeDefined();
    const token = new URL(link!).searchParams.get("token")!;
    await sleep(200); // the log line follows the file
    const log = site.output();
    expect(log).toContain(mail!.file);
    expect(log).not.toContain(token);
    expect(log).not.toMatch(/token=/);
  });
});
