import { base } from './001-base.js';
import { scan } from './002-scan.js';
import { tasks } from './003-tasks.js';
import { metadata } from './004-metadata.js';
import { clip } from './005-clip.js';
import { folderDigests } from './006-folder-digests.js';
import { moveLookup } from './007-move-lookup.js';
import { rootSettings } from './008-root-settings.js';
import { videos } from './009-videos.js';
import { duplicates } from './010-duplicates.js';
import { runHost } from './011-run-host.js';
import { pathOrderRunHeartbeat } from './012-path-order-run-heartbeat.js';
import { embeddingsInRow } from './013-embeddings-in-row.js';

/**
 * The PostgreSQL catalog's migrations: entry i is the hand translation of ../index.ts's entry i (same tables,
 * columns, indexes and triggers) and brings schema_version to i + 1. The two lists always have the same length.
 * Never edit a migration that has shipped; append a new one to both lists.
 */
export const pgMigrations: readonly string[] = [base, scan, tasks, metadata, clip, folderDigests, moveLookup, rootSettings, videos, duplicates, runHost, pathOrderRunHeartbeat, embeddingsInRow];
