/// <reference path="../pb_data/types.d.ts" />
// The app writes a post, its moderation event and its search-outbox row in one batch
// transaction (DESIGN.md §1), so the batch API must be on.
migrate(
  (app) => {
    const settings = app.settings();
    settings.batch.enabled = true;
    // Imports write every record of a file in one transaction (all or nothing).
    settings.batch.maxRequests = 20000;
    settings.batch.timeout = 120;
    app.save(settings);
  },
  (app) => {
    const settings = app.settings();
    settings.batch.enabled = false;
    settings.batch.maxRequests = 50;
    settings.batch.timeout = 3;
    app.save(settings);
  },
);
