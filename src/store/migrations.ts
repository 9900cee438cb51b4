/**
 * Forward-only schema migrations. Each entry runs once, in order, inside a transaction, and bumps
 * `PRAGMA user_version`. Never edit a shipped migration: add a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: initial schema
  `
  CREATE TABLE checkpoints (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  );

  -- Smokeball matter ↔ Case Status case, with what was last written so unchanged matters cost nothing.
  CREATE TABLE matter_links (
    matter_id          TEXT PRIMARY KEY,
    case_id            TEXT NOT NULL,
    case_url           TEXT,
    matter_number      TEXT,
    matter_title       TEXT,
    matter_version     TEXT NOT NULL,      -- Smokeball versionId (ticks) last applied
    status             TEXT NOT NULL,      -- Open | Pending | Closed ... as last applied
    stage_id           TEXT,               -- Smokeball stage id last applied
    stage_name         TEXT,               -- Case Status stage name last sent
    stage_updated      TEXT,               -- MatterStage.lastUpdated (ticks) last applied; guards regressions
    client_ids         TEXT NOT NULL,      -- JSON array of Smokeball contact ids
    fingerprint        TEXT NOT NULL,      -- hash of the case payload last sent
    case_input         TEXT NOT NULL,      -- JSON of the case payload last sent (stage-only changes reuse it)
    updated_at         TEXT NOT NULL
  );
  CREATE INDEX matter_links_case ON matter_links(case_id);

  CREATE TABLE contact_links (
    contact_id   TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL,
    version      TEXT,
    fingerprint  TEXT NOT NULL,
    updated_at   TEXT NOT NULL
  );

  -- One Smokeball memo per Case Status thread (split into parts when it grows past the size limit).
  CREATE TABLE memo_threads (
    thread_id    TEXT NOT NULL,
    part         INTEGER NOT NULL,
    matter_id    TEXT NOT NULL,
    memo_id      TEXT,
    entry_count  INTEGER NOT NULL DEFAULT 0,
    text_length  INTEGER NOT NULL DEFAULT 0,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (thread_id, part)
  );

  CREATE TABLE message_links (
    message_id   TEXT PRIMARY KEY,
    thread_id    TEXT NOT NULL,
    matter_id    TEXT NOT NULL,
    memo_id      TEXT NOT NULL,
    part         INTEGER NOT NULL,
    written_at   TEXT NOT NULL
  );

  CREATE TABLE matter_folders (
    matter_id    TEXT PRIMARY KEY,
    folder_id    TEXT NOT NULL,
    created_at   TEXT NOT NULL
  );

  CREATE TABLE document_links (
    document_id  TEXT PRIMARY KEY,
    matter_id    TEXT NOT NULL,
    file_id      TEXT NOT NULL,
    folder_id    TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    uploaded_at  TEXT NOT NULL
  );

  -- Pending writes to a remote API. A row exists before the request is sent; the idempotency key is
  -- derived from the source item, so the same item can never be queued twice.
  CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key  TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    subject_id       TEXT NOT NULL,
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending','in_flight','done','failed','dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    request_id       TEXT,
    remote_id        TEXT,
    last_error       TEXT,
    not_before       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
  );
  CREATE INDEX outbox_ready ON outbox(state, not_before);

  CREATE TABLE sync_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    outcome      TEXT CHECK (outcome IN ('running','succeeded','failed','interrupted','partial')),
    stats        TEXT NOT NULL DEFAULT '{}',
    error        TEXT
  );

  -- Items a person must look at: unmapped stage, client without cell phone, a write that kept failing...
  CREATE TABLE attention_items (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    reason        TEXT NOT NULL,
    details       TEXT NOT NULL DEFAULT '{}',
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    occurrences   INTEGER NOT NULL DEFAULT 1,
    resolved_at   TEXT,
    dismissed     INTEGER NOT NULL DEFAULT 0
  );
  CREATE UNIQUE INDEX attention_open ON attention_items(kind, subject_id) WHERE resolved_at IS NULL;

  -- What the user sees under "recent activity".
  CREATE TABLE activity (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    matter_id   TEXT,
    summary     TEXT NOT NULL,
    link        TEXT
  );
  CREATE INDEX activity_at ON activity(at DESC);
  `,
  // 2: write-back of Case Status messages (memo entries) and documents (file name claims)
  `
  -- Each message entry as it was written into a thread's memo. A memo PUT replaces the whole text, so the
  -- memo is re-rendered from these rows plus the new entries; piece > 1 only for a message too long for one memo.
  CREATE TABLE memo_entries (
    message_id   TEXT NOT NULL,
    piece        INTEGER NOT NULL,
    thread_id    TEXT NOT NULL,
    part         INTEGER NOT NULL,
    sort_key     TEXT NOT NULL,      -- createdAt + message id: entries are shown in the order they were posted
    text         TEXT NOT NULL,      -- the rendered entry (plain text, already neutralised)
    written_at   TEXT NOT NULL,
    PRIMARY KEY (message_id, piece)
  );
  CREATE INDEX memo_entries_part ON memo_entries(thread_id, part, sort_key);

  -- A memo POST or PUT that was sent and whose outcome is not recorded yet. Written in the same transaction
  -- that marks its outbox items in flight, so a restart knows which memo (or which new part) to read back.
  CREATE TABLE memo_writes (
    request_id   TEXT PRIMARY KEY,
    thread_id    TEXT NOT NULL,
    part         INTEGER NOT NULL,
    matter_id    TEXT NOT NULL,
    memo_id      TEXT,               -- null: a POST creating the part's memo
    message_ids  TEXT NOT NULL,      -- JSON array
    sent_at      TEXT NOT NULL
  );

  -- The safe file name chosen for each document, unique per matter ignoring case (Windows and macOS
  -- folders are case-insensitive). Claimed before the upload starts, so a retry uses the same name.
  CREATE TABLE file_name_claims (
    matter_id    TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    document_id  TEXT NOT NULL UNIQUE,
    file_name    TEXT NOT NULL,
    claimed_at   TEXT NOT NULL,
    PRIMARY KEY (matter_id, name_key)
  );
  `,
  // 3: real-time loop protection asks "is this webhook's RequestId one of our writes?" for every event.
  `
  CREATE INDEX outbox_request_id ON outbox(request_id) WHERE request_id IS NOT NULL;
  `,
  // 4: the memo texts we sent, by hash, so an append can tell our own memo from one a person has edited.
  `
  CREATE TABLE memo_texts_sent (
    thread_id  TEXT NOT NULL,
    part       INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    sent_at    TEXT NOT NULL,
    PRIMARY KEY (thread_id, part, sha256)
  );
  `,
  // 5: stage changes held before they text clients (the hold, and the mass-change guard's excess), and the
  // texts sent, which the guard counts over its window.
  `
  CREATE TABLE held_changes (
    matter_id      TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,      -- stage | close
    stage_id       TEXT,               -- the Smokeball stage to apply (kind stage)
    stage_name     TEXT,               -- the Case Status stage to send (kind stage)
    stage_updated  TEXT,               -- its MatterStage.lastUpdated (ticks): older reads never replace it
    from_stage     TEXT,               -- the stage the client last saw
    reason         TEXT NOT NULL,      -- hold: released at release_at | confirm: waits for a person
    cause          TEXT NOT NULL,      -- the run kind that saw the change (realtime, incremental, reconcile)
    held_at        INTEGER NOT NULL,   -- ms since epoch (the engine's clock)
    release_at     INTEGER             -- ms; null while it waits for a person
  );
  CREATE INDEX held_changes_release ON held_changes(reason, release_at);

  CREATE TABLE case_texts (
    at         INTEGER NOT NULL,       -- ms since epoch when the change was let through
    matter_id  TEXT NOT NULL,
    kind       TEXT NOT NULL           -- stage | close
  );
  CREATE INDEX case_texts_at ON case_texts(at);
  `,
  // 6: matter history (what the app did for each matter, shown in the window and by `cli history`), and the client
  // names of each linked matter so it can be found by client name.
  `
  CREATE TABLE matter_history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    matter_id  TEXT NOT NULL,
    case_id    TEXT,
    kind       TEXT NOT NULL,      -- case_created | case_updated | stage_sent | case_closed | ... (src/contract/history.ts)
    cause      TEXT,               -- the run kind, held_release / held_sent / held_silent, or writeback
    run_id     INTEGER,
    source     TEXT,               -- the Smokeball change: the stage's lastUpdated or the matter's versionId
    details    TEXT NOT NULL DEFAULT '{}'
  );
  CREATE INDEX matter_history_matter ON matter_history(matter_id, id);
  CREATE INDEX matter_history_at ON matter_history(at);

  CREATE TABLE matter_clients (
    matter_id   TEXT PRIMARY KEY,
    names       TEXT NOT NULL,     -- JSON array of the clients' display names
    updated_at  TEXT NOT NULL
  );
  `,
  // 7: case writes in flight. A linked case's payload is recorded before the request that sends it and removed
  // with the record of its answer, so a process that died in between (or a host that lost the lease) leaves a
  // row: the next run takes it as possibly applied (src/store/case-sends.ts).
  `
  CREATE TABLE case_sends (
    matter_id      TEXT PRIMARY KEY,
    case_input     TEXT NOT NULL,      -- JSON: the payload sent
    stage_id       TEXT,               -- the Smokeball stage it carries
    stage_updated  TEXT,               -- that stage's lastUpdated (ticks)
    sent_at        TEXT NOT NULL
  );
  `,
];
