/// <reference path="../pb_data/types.d.ts" />
// Issue 14: discussions, replies, round tables and their summaries (DESIGN.md §3 "planned
// collections", shaped here). A discussion's opening post and a round table's summary are
// `posts` (kinds `discussion`, `round_table_summary`) and go through the post lifecycle;
// replies, round tables, their sessions, participants and preparation messages are their
// own collections. Superuser-only, like everything: the site reads them through its domain.
const URL_PATTERN = "(?i)^https?://[^\\s<>\"'`\\\\]+$";

migrate(
  (app) => {
    const users = app.findCollectionByNameOrId("users");
    const organizations = app.findCollectionByNameOrId("organizations");
    const posts = app.findCollectionByNameOrId("posts");
    const superuserOnly = { listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null };
    const stamps = [
      { name: "created", type: "autodate", onCreate: true, onUpdate: false },
      { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
    ];

    // Round tables: an organisation hosts, invites organisations, holds sessions.
    const roundTables = new Collection({
      type: "base",
      name: "round_tables",
      ...superuserOnly,
      fields: [
        { name: "slug", type: "text", required: true, min: 3, max: 120, pattern: "^[a-z0-9]+(?:-[a-z0-9]+)*$" },
        { name: "title", type: "text", required: true, min: 3, max: 200 },
        { name: "host", type: "relation", required: true, collectionId: organizations.id, maxSelect: 1 },
        { name: "created_by", type: "relation", collectionId: users.id, maxSelect: 1 },
        { name: "description_md", type: "text", max: 20000 },
        { name: "description_html", type: "text", max: 200000 },
        { name: "languages", type: "json", maxSize: 200 },
        // Who to contact at the host (a name and an address, shown to invited organisations only).
        { name: "host_contact", type: "text", max: 300 },
        { name: "status", type: "select", required: true, maxSelect: 1, values: ["planned", "open", "closed", "summarised"] },
        // Chatham House: the summary attributes no statement to a named organisation.
        { name: "chatham_house", type: "bool" },
        ...stamps,
      ],
      indexes: ["CREATE UNIQUE INDEX idx_round_tables_slug ON round_tables (slug)", "CREATE INDEX idx_round_tables_host ON round_tables (host)"],
    });
    app.save(roundTables);

    app.save(
      new Collection({
        type: "base",
        name: "round_table_sessions",
        ...superuserOnly,
        fields: [
          { name: "round_table", type: "relation", required: true, collectionId: roundTables.id, maxSelect: 1, cascadeDelete: true },
          { name: "starts_at", type: "date", required: true },
          { name: "ends_at", type: "date", required: true },
          // The IANA zone the host planned in (times are stored in UTC and shown in this zone).
          { name: "time_zone", type: "text", required: true, max: 60 },
          // Place and online link are for participants only.
          { name: "place", type: "text", max: 500 },
          { name: "online_url", type: "text", max: 2000, pattern: URL_PATTERN },
          { name: "agenda_md", type: "text", max: 20000 },
          { name: "agenda_html", type: "text", max: 200000 },
          { name: "reminder_sent_at", type: "date" },
          ...stamps,
        ],
        indexes: ["CREATE INDEX idx_round_table_sessions_table ON round_table_sessions (round_table, starts_at)"],
      }),
    );

    app.save(
      new Collection({
        type: "base",
        name: "round_table_participants",
        ...superuserOnly,
        fields: [
          { name: "round_table", type: "relation", required: true, collectionId: roundTables.id, maxSelect: 1, cascadeDelete: true },
          { name: "organization", type: "relation", required: true, collectionId: organizations.id, maxSelect: 1 },
          { name: "status", type: "select", required: true, maxSelect: 1, values: ["invited", "accepted", "declined"] },
          // Who attends for the organisation (named by its admin when accepting).
          { name: "attendees", type: "relation", collectionId: users.id, maxSelect: 20 },
          { name: "responded_by", type: "relation", collectionId: users.id, maxSelect: 1 },
          { name: "responded_at", type: "date" },
          // May the published summary name this organisation? Asked of its admins before publication.
          { name: "named_in_summary", type: "select", required: true, maxSelect: 1, values: ["not_asked", "requested", "granted", "refused"] },
          { name: "consent_by", type: "relation", collectionId: users.id, maxSelect: 1 },
          { name: "consent_at", type: "date" },
          ...stamps,
        ],
        indexes: [
          "CREATE UNIQUE INDEX idx_round_table_participants_org ON round_table_participants (round_table, organization)",
          "CREATE INDEX idx_round_table_participants_organization ON round_table_participants (organization)",
        ],
      }),
    );

    // The preparation space: messages seen by participants only, never indexed, never public.
    app.save(
      new Collection({
        type: "base",
        name: "preparation_messages",
        ...superuserOnly,
        fields: [
          { name: "round_table", type: "relation", required: true, collectionId: roundTables.id, maxSelect: 1, cascadeDelete: true },
          { name: "author", type: "relation", collectionId: users.id, maxSelect: 1 },
          { name: "organization", type: "relation", required: true, collectionId: organizations.id, maxSelect: 1 },
          { name: "body_md", type: "text", required: true, max: 20000 },
          { name: "body_html", type: "text", max: 200000 },
          {
            name: "attachments",
            type: "file",
            maxSelect: 5,
            maxSize: 10485760,
            protected: true,
            mimeTypes: ["application/pdf", "image/png", "image/jpeg"],
          },
          { name: "attachment_reports", type: "json", maxSize: 500000 },
          { name: "privacy_findings", type: "json", maxSize: 200000 },
          ...stamps,
        ],
        indexes: ["CREATE INDEX idx_preparation_messages_table ON preparation_messages (round_table, created)"],
      }),
    );

    // Replies to a discussion (or to a summary's public discussion): flat, chronological.
    const replies = new Collection({
      type: "base",
      name: "replies",
      ...superuserOnly,
      fields: [
        { name: "post", type: "relation", required: true, collectionId: posts.id, maxSelect: 1, cascadeDelete: true },
        { name: "author", type: "relation", collectionId: users.id, maxSelect: 1 },
        // The organisation spoken for (empty for an account without one).
        { name: "organization", type: "relation", collectionId: organizations.id, maxSelect: 1 },
        { name: "anonymous", type: "bool" },
        { name: "public_descriptor", type: "text", max: 200 },
        { name: "body_md", type: "text", required: true, max: 20000 },
        { name: "body_html", type: "text", max: 200000 },
        { name: "language", type: "text", max: 5 },
        { name: "status", type: "select", required: true, maxSelect: 1, values: ["published", "pending", "hidden", "withdrawn"] },
        // Why a reply waits for a moderator: new_account | no_verified_organization | privacy_finding.
        { name: "hold_reasons", type: "json", maxSize: 2000 },
        { name: "privacy_findings", type: "json", maxSize: 200000 },
        // Earlier versions [{ body_md, edited_at }], kept when the author edits.
        { name: "history", type: "json", maxSize: 500000 },
        { name: "edited_at", type: "date" },
        { name: "published_at", type: "date" },
        ...stamps,
      ],
      indexes: ["CREATE INDEX idx_replies_post ON replies (post, status, created)", "CREATE INDEX idx_replies_author ON replies (author, created)"],
    });
    app.save(replies);
    replies.fields.add(new RelationField({ name: "in_reply_to", collectionId: replies.id, maxSelect: 1 }));
    app.save(replies);

    // Posts: the new kind, what a discussion is about, moderators' settings, the accepted answer,
    // and the round table a summary reports on.
    const kind = posts.fields.getByName("kind");
    kind.values = ["case_study", "funding_application", "discussion", "round_table_summary"];
    posts.fields.add(new RelationField({ name: "about", collectionId: posts.id, maxSelect: 10 }));
    posts.fields.add(new BoolField({ name: "locked" }));
    posts.fields.add(new BoolField({ name: "pinned" }));
    posts.fields.add(new NumberField({ name: "slow_mode_minutes", min: 0, max: 1440, onlyInt: true }));
    posts.fields.add(new RelationField({ name: "accepted_reply", collectionId: replies.id, maxSelect: 1 }));
    posts.fields.add(new RelationField({ name: "round_table", collectionId: roundTables.id, maxSelect: 1 }));
    posts.addIndex("idx_posts_round_table", false, "round_table", "");
    app.save(posts);

    // Moderation events and flags may concern one reply of a post.
    const events = app.findCollectionByNameOrId("moderation_events");
    events.fields.add(new RelationField({ name: "reply", collectionId: replies.id, maxSelect: 1, cascadeDelete: true }));
    app.save(events);
    const flags = app.findCollectionByNameOrId("flags");
    flags.fields.add(new RelationField({ name: "reply", collectionId: replies.id, maxSelect: 1, cascadeDelete: true }));
    flags.removeIndex("idx_flags_post_reporter");
    // One flag per reporter per post, and per reply (a reply's flag also names its post).
    flags.addIndex("idx_flags_post_reporter", true, "post, reporter", "reply = ''");
    flags.addIndex("idx_flags_reply_reporter", true, "reply, reporter", "reply != ''");
    app.save(flags);
  },
  (app) => {
    const flags = app.findCollectionByNameOrId("flags");
    flags.removeIndex("idx_flags_reply_reporter");
    flags.removeIndex("idx_flags_post_reporter");
    flags.fields.removeByName("reply");
    flags.addIndex("idx_flags_post_reporter", true, "post, reporter", "");
    app.save(flags);
    const events = app.findCollectionByNameOrId("moderation_events");
    events.fields.removeByName("reply");
    app.save(events);
    const posts = app.findCollectionByNameOrId("posts");
    posts.removeIndex("idx_posts_round_table");
    for (const name of ["about", "locked", "pinned", "slow_mode_minutes", "accepted_reply", "round_table"]) posts.fields.removeByName(name);
    posts.fields.getByName("kind").values = ["case_study", "funding_application", "discussion"];
    app.save(posts);
    for (const name of ["replies", "preparation_messages", "round_table_participants", "round_table_sessions", "round_tables"]) {
      app.delete(app.findCollectionByNameOrId(name));
    }
  },
);
