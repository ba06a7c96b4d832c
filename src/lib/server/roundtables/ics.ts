// A session's calendar invitation (issue 14 §3), built by the `ics` package. The UID is stable
// per session (a calendar updates the event when it is downloaded again); place, online link and
// agenda are written for participants only, as on the page.
import { createEvent } from "ics";
import type { RoundTable, Session } from "./roundtables.ts";

/** The stable UID of a session's event. */
export function sessionUid(sessionId: string): string {
  return `round-table-session-${sessionId}@casebook`;
}

/**
 * The .ics text of one session. `pageUrl` is the round table's page; `forParticipant` adds the
 * place, the online link and the agenda (plain Markdown), which outsiders never get.
 */
export function sessionIcs(table: Pick<RoundTable, "title" | "host">, session: Session, pageUrl: string, forParticipant: boolean): string {
  const description = [pageUrl, forParticipant && session.onlineUrl ? session.onlineUrl : "", forParticipant ? session.agendaMd : ""]
    .filter(Boolean)
    .join("\n\n");
  const result = createEvent({
    uid: sessionUid(session.id),
    productId: "casebook/round-tables",
    title: table.title,
    start: new Date(session.startsAt).getTime(),
    end: new Date(session.endsAt).getTime(),
    startInputType: "utc",
    startOutputType: "utc",
    endInputType: "utc",
    endOutputType: "utc",
    description,
    url: pageUrl,
    organizer: { name: table.host.name },
    ...(forParticipant && session.place ? { location: session.place } : {}),
  });
  if (result.error || !result.value) throw result.error ?? new Error("ics: no output");
  return result.value;
}
