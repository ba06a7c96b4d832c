// The security suite's world: the built site on a free port, against a real PocketBase
// loaded with the demo content (as an attacker would find `npm start`).
import type { TestProject } from "vitest/node";
import { startDemoWorld } from "../helpers/world.ts";

export default function setup(project: TestProject) {
  return startDemoWorld(project, {
    CASEBOOK_SECRET: "security-test-signing-secret-0123456789abcdef",
    // The test client plays a reverse proxy: X-Forwarded-For from loopback is believed, so
    // scenarios can come "from" distinct addresses (issue 9, #16 and #20).
    TRUSTED_PROXIES: "127.0.0.1,::1",
  });
}
