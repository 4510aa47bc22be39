/**
 * Dropping what a stage derived from a file, when the stage's task for the file's current bytes ends failed or
 * skipped: the old rows describe bytes the file no longer has, and info and search must not show them as its own.
 */
import type { Db } from './sql.js';
import { statement } from './statements.js';

const DELETE_THUMBNAIL = `DELETE FROM thumbnails WHERE file_id = ?`;
const DELETE_EXIF = `DELETE FROM exif WHERE file_id = ?`;
const DELETE_EMBEDDING = `DELETE FROM embeddings WHERE file_id = ?`;

export function deleteThumbnailRow(db: Db, fileId: number): void {
  statement(db, DELETE_THUMBNAIL).run(fileId);
}

export function deleteExifRow(db: Db, fileId: number): void {
  statement(db, DELETE_EXIF).run(fileId);
}

/** The embeddings trigger bumps the model's generation, so search's vector file drops the file too. */
export function deleteEmbeddingRow(db: Db, fileId: number): void {
  statement(db, DELETE_EMBEDDING).run(fileId);
}
