// Runs postgres-migrations (a peer tool) over a directory, as its users would from a script.
import pg from "pg"
import { migrate } from "postgres-migrations"

const client = new pg.Client({ connectionString: process.env.DATABASE_URL })
await client.connect()
try {
  await migrate({ client }, process.argv[2], { logger: () => undefined })
} finally {
  await client.end()
}
