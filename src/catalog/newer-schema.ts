import { ExitCode, UserError } from '../errors.js';

/** A catalog written by a newer indexer is refused, the same words on SQLite and PostgreSQL. */
export function newerSchemaError(catalog: string, version: number, known: number): UserError {
  return new UserError(
    `catalog ${catalog} was written by a newer indexer (schema ${version}, this one knows ${known}); upgrade indexer`,
    ExitCode.usage,
  );
}
