/** PostgreSQL twin of ../010-duplicates.ts. */
export const duplicates = `
CREATE TABLE perceptual_hashes (
  file_id   bigint PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
  identity  text   NOT NULL,
  phash     text   NOT NULL
);

CREATE TABLE content_hashes (
  file_id   bigint PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
  size      bigint NOT NULL,
  mtime_ms  bigint NOT NULL,
  sha256    text   NOT NULL
);
`;
