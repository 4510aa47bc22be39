/** Peak RSS as getrusage/GNU time report it (KiB), for the benchmarks' lines; 'n/a' when the peer's was not measured. */
export function mib(kb: number | null): string {
  return kb === null ? 'n/a' : `${(kb / 1024).toFixed(0)} MiB`;
}
