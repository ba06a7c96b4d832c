// The built site on a free port, against a real PocketBase loaded with the demo content.
import type { TestProject } from "vitest/node";
import { startDemoWorld } from "../helpers/world.ts";

export default function setup(project: TestProject) {
  return startDemoWorld(project, { CASEBOOK_SECRET: "e2e-test-signing-secret-0123456789abcdef", CONTACT_EMAIL: "moderation@casebook.example" });
}
