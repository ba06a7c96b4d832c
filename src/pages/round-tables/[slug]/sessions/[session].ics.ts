// A session's calendar invitation: the same event for everyone (stable UID), with the place,
// online link and agenda for participants only.
import type { APIRoute } from "astro";
import { endpointParams } from "../../../../lib/server/endpointpath.ts";
import { siteLink } from "../../../../lib/server/links.ts";
import { sessionIcs } from "../../../../lib/server/roundtables/ics.ts";
import { isParticipant, loadRoundTable } from "../../../../lib/server/roundtables/roundtables.ts";

const NOT_FOUND = { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } };

export const GET: APIRoute = async ({ params, url, locals }) => {
  const [slug, sessionId] = endpointParams(params, url, /\/round-tables\/([a-z0-9-]+)\/sessions\/([a-z0-9]{15})\.ics$/, ["slug", "session"]) as [
    string,
    string,
  ];
  const table = await loadRoundTable(slug);
  const session = table?.host.verified ? table.sessions.find((s) => s.id === sessionId) : undefined;
  if (!table || !session) return new Response("Not found", NOT_FOUND);
  const participant = isParticipant(locals.user, table);
  const body = sessionIcs(table, session, siteLink(locals.locale, `/round-tables/${table.slug}`), participant);
  return new Response(body, {
    headers: {
      "content-type": "text/calendar; charset=utf-8",
      "content-disposition": `attachment; filename="casebook-${table.slug}-${session.id}.ics"`,
      "x-content-type-options": "nosniff",
      // The participant's copy holds the place and link: never in a shared cache.
      "cache-control": participant ? "private, no-store" : "public, max-age=300",
      vary: "cookie",
    },
  });
};
