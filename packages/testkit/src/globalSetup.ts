import { resolvePostgres } from "./postgres.js"

/**
 * Resolves the test PostgreSQL once per run. Workers are forked after this runs, so they inherit
 * the URL through the environment.
 */
export default async function setup() {
  const server = await resolvePostgres()
  process.env.AIM_TEST_POSTGRES_URL = server.url
  return async () => {
    await server.stop()
  }
}
