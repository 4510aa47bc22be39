/**
 * image-io's output formats, listed here rather than imported from it: declaring flags (which every `indexer scan`
 * does, even --no-extract) and building the stage on the main thread (which only workers' decoding needs sharp for)
 * must not load sharp. The checks below fail to compile if the two lists ever drift apart.
 */
import type { OutputFormat } from '../image-io.js';

export const formatChoices = ['webp', 'jpeg', 'png', 'avif'] as const satisfies readonly OutputFormat[];
type Unlisted = Exclude<OutputFormat, (typeof formatChoices)[number]>;
const everyFormatListed: [Unlisted] extends [never] ? true : never = true;
void everyFormatListed;
