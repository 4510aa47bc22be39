declare module 'pgpass' {
  /** Looks up ~/.pgpass ($PGPASSFILE) for the connection; calls back with the password or undefined. */
  export default function pgpass(
    connInfo: { host?: string; port?: number; database?: string; user?: string },
    cb: (password: string | undefined) => void,
  ): void;
}
