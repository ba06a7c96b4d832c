// The built site on a free port, against a real PocketBase loaded with the demo content. Its mail
// goes over real SMTP to a sink that files it as .eml under <dataDir>/mail (issue 13 §7; helpers/smtp-drop.ts).
import type { TestProject } from "vitest/node";
import { startDemoWorld } from "../helpers/world.ts";

export default function setup(project: TestProject) {
  return startDemoWorld(
    project,
    { CASEBOOK_SECRET: "e2e-test-signing-secret-0123456789abcdef", CONTACT_EMAIL: "moderation@casebook.example" },
    { mailOverSmtp: true },
  );
}
