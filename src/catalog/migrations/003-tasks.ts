/**
 * Task table and runs (owned by the task engine).
 *
 * A task is one (file, stage) pair. Its life: pending -> running -> done | failed | skipped, or pending -> canceled.
 * A running task is leased by one run (run id + pid) until lease_expires; the heartbeat renews it, and recovery at
 * every start returns the running tasks of dead owners to pending.
 */
export const tasks = `
CREATE TABLE runs (
  id            INTEGER PRIMARY KEY,
  started_at    INTEGER NOT NULL,                   -- ms since epoch
  ended_at      INTEGER,                            -- ms; null while running or when the process died
  pid           INTEGER NOT NULL,                   -- process that ran it (recovery checks whether it is alive)
  command       TEXT    NOT NULL,                   -- scan | resume | bench
  outcome       TEXT    NOT NULL DEFAULT 'running', -- running | complete | limit | interrupted | failed | crashed
  stages        TEXT    NOT NULL DEFAULT '[]',      -- JSON array of stage names it ran
  planned       INTEGER NOT NULL DEFAULT 0,         -- new tasks created by its planning step
  rearmed       INTEGER NOT NULL DEFAULT 0,         -- finished tasks made pending again (file changed, version raised)
  coalesced     INTEGER NOT NULL DEFAULT 0,         -- pending tasks whose file changed again before they ran
  recovered     INTEGER NOT NULL DEFAULT 0,         -- running tasks of dead owners returned to pending at its start
  done          INTEGER NOT NULL DEFAULT 0,
  failed        INTEGER NOT NULL DEFAULT 0,
  skipped       INTEGER NOT NULL DEFAULT 0,
  released      INTEGER NOT NULL DEFAULT 0,         -- in-flight tasks handed back to pending at an interrupt or pause
  note          TEXT                                -- why it stopped (limit reached, stage paused, ...)
);

CREATE TABLE tasks (
  id              INTEGER PRIMARY KEY,
  file_id         INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
  stage           TEXT    NOT NULL,
  state           TEXT    NOT NULL DEFAULT 'pending', -- pending | running | done | failed | skipped | canceled
  fingerprint     TEXT    NOT NULL,   -- size:mtime:version[:sidecar][:model] the task was planned for; a change re-arms it
  priority        INTEGER NOT NULL DEFAULT 100, -- lower runs first (high 0, normal 100, low 200)
  attempts        INTEGER NOT NULL DEFAULT 0,   -- counted at claim, so a task that kills the process still counts
  max_attempts    INTEGER NOT NULL,             -- from the stage; quarantined (failed) when used up
  run_after       INTEGER NOT NULL DEFAULT 0,   -- ms; backoff: not claimed before this
  suspect         INTEGER NOT NULL DEFAULT 0,   -- 1 when its owner died while it ran: it runs alone until it finishes
  reason          TEXT,               -- why it is skipped, failed or canceled
  last_error      TEXT,               -- the last failure, kept across retries
  lease_run       INTEGER,            -- runs.id holding the lease while running
  lease_pid       INTEGER,            -- pid of that run
  lease_expires   INTEGER,            -- ms; renewed by heartbeat
  rearms          INTEGER NOT NULL DEFAULT 0,   -- how many times a change re-armed or coalesced into this row
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  started_at      INTEGER,            -- ms; last claim
  finished_at     INTEGER,            -- ms; last done/failed/skipped
  UNIQUE (file_id, stage)
);
CREATE INDEX tasks_claim ON tasks(stage, priority, id) WHERE state = 'pending';
CREATE INDEX tasks_running ON tasks(lease_run) WHERE state = 'running';
CREATE INDEX tasks_state ON tasks(stage, state);

-- Dependencies live in the table: a task runs only when every task it depends on is done or skipped.
CREATE TABLE task_deps (
  task_id   INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  dep_id    INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  PRIMARY KEY (task_id, dep_id)
) WITHOUT ROWID;
CREATE INDEX task_deps_dep ON task_deps(dep_id);
`;
