/**
 * Move detection looks up "a row this scan added with this identity" once per vanished file. Through the old
 * identity-only index that lookup read every row sharing the identity, so many files of one content (empty files,
 * copies of one photo) made the sweep quadratic: 850 deletions and 400 additions of 0-byte files took 32 s. The
 * identity index gains the scan that added the row: the lookup goes straight to this scan's rows, in id order. It
 * replaces the old index (an identity-prefix lookup uses the new one the same way), so inserts cost no more.
 */
export const moveLookup = `
DROP INDEX IF EXISTS files_identity;
CREATE INDEX files_identity_added ON files(identity, added_scan) WHERE identity IS NOT NULL;
`;
