// The e2e (and security) site's mail server (issue 13 §7): a real `smtp-server` on a free
// loopback port that files every message it receives, raw, into `<dataDir>/mail` under a
// name that sorts like the site's own .eml drop (mail.ts nextStamp), so the tests read the
// folder as before (findLatestMail, listMailDrop) while each mail really went out over SMTP.
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { SMTPServer } from "smtp-server";

/** The `by` name of the Received header the sink puts on top of every message it files. */
export const SMTP_DROP_NAME = "casebook-test-smtp-drop";

/** Starts the sink; messages go to `<dataDir>/mail/<stamp>-<hex>.eml`. */
export async function startSmtpDrop(dataDir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = path.join(dataDir, "mail");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let lastStamp = 0;
  // As mail.ts: ISO time with "-" for ":", strictly increasing, so arrival order is name order.
  const nextStamp = () => {
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    return new Date(lastStamp).toISOString().replace(/:/g, "-");
  };
  const server = new SMTPServer({
    // Plain SMTP on loopback: no TLS certificate to fake, no account to log in with.
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", (error: Error) => callback(error));
      stream.on("end", () => {
        // What a real mail server does on receipt: a Received trace line on top. The e2e
        // tests look for it to prove the mail came over SMTP, not from the site's file drop.
        const received = `Received: from ${session.clientHostname} ([${session.remoteAddress}])\r\n\tby ${SMTP_DROP_NAME} with SMTP id ${session.id};\r\n\t${new Date().toUTCString()}\r\n`;
        const name = `${nextStamp()}-${randomBytes(3).toString("hex")}.eml`;
        const temporary = path.join(dir, `.${name}.tmp`);
        // Write then rename, so a test polling the folder never reads half a message; 0600 as the site's drop.
        writeFile(temporary, Buffer.concat([Buffer.from(received, "latin1"), ...chunks]), { mode: 0o600, flag: "wx" })
          .then(() => rename(temporary, path.join(dir, name)))
          .then(
            () => callback(),
            async (error: Error) => {
              await rm(temporary, { force: true });
              callback(error);
            },
          );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
