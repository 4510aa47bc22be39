/** CLIP embeddings and models (owned by the clip stage). */
export const clip = `
CREATE TABLE clip_models (
  id          TEXT    PRIMARY KEY,  -- name@hash of configs and weights (src/models/model-dir.ts)
  name        TEXT    NOT NULL,     -- the model directory's base name
  dir         TEXT    NOT NULL,     -- where it was last loaded from: search reopens it there to embed queries
  dim         INTEGER NOT NULL,     -- embedding width
  first_used  INTEGER NOT NULL,     -- ms; a model first used later is newer
  last_used   INTEGER NOT NULL,     -- ms
  generation  INTEGER NOT NULL DEFAULT 0 -- bumped by every change to this model's embeddings: search's cache key
);

CREATE TABLE embeddings (
  file_id     INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE, -- one per file: the newest replaces older ones
  model_id    TEXT    NOT NULL REFERENCES clip_models(id),
  vector      BLOB    NOT NULL,     -- float32 little-endian, L2-normalised, clip_models.dim values
  created_at  INTEGER NOT NULL,     -- ms
  seq         INTEGER NOT NULL DEFAULT 0 -- the model's generation when written: search patches its cache with seq > cached
);
CREATE INDEX embeddings_model ON embeddings(model_id, seq);
-- Search excludes files that are not present; few are, so this partial index keeps that instant on big catalogs.
CREATE INDEX files_not_present ON files(id) WHERE state <> 'present';

CREATE TRIGGER embeddings_insert AFTER INSERT ON embeddings BEGIN
  UPDATE clip_models SET generation = generation + 1 WHERE id = NEW.model_id;
END;
CREATE TRIGGER embeddings_update AFTER UPDATE ON embeddings BEGIN
  UPDATE clip_models SET generation = generation + 1 WHERE id IN (OLD.model_id, NEW.model_id);
END;
CREATE TRIGGER embeddings_delete AFTER DELETE ON embeddings BEGIN
  UPDATE clip_models SET generation = generation + 1 WHERE id = OLD.model_id;
END;
`;
