/** Runs `f` over `items`, at most `width` at a time (creating and dropping hundreds of databases). */
export const inParallel = async <A>(items: ReadonlyArray<A>, width: number, f: (a: A) => Promise<unknown>): Promise<void> => {
  const queue = [...items]
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await f(next)
    }),
  )
}

/**
 * The POSTGRES_* variables that name the server of `url` (its `postgres` database), as a fleet's
 * processes get them from a Secret: their database list then names databases on this server.
 */
export const postgresEnvOf = (url: string): Record<string, string> => {
  const server = new URL(url)
  return {
    POSTGRES_HOST: server.hostname,
    POSTGRES_PORT: server.port || "5432",
    POSTGRES_USER: decodeURIComponent(server.username),
    // Trust authentication ignores it; aim requires the variable to be set.
    POSTGRES_PASSWORD: decodeURIComponent(server.password) || "unused-with-trust-auth",
    POSTGRES_DB: "postgres",
    POSTGRES_SSL_MODE: "disable",
  }
}
