/** A catalog target naming a PostgreSQL server rather than a SQLite file. */
export function isCatalogUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}
