import { catalogEntries, loadMigrations } from "@aim/core"
import { Effect } from "effect"
import type { McpContext } from "../context.js"

/** Each migration file and each troubleshooting entry as a resource an agent can read. */
export const registerResources = async ({ server, migrationsDir }: McpContext) => {
  const files = await Effect.runPromise(Effect.orElseSucceed(loadMigrations(migrationsDir), () => []))
  for (const file of files) {
    server.registerResource(
      file.name,
      `aim://migrations/${file.name}`,
      { title: file.name, description: `Migration ${file.version}, checksum ${file.checksum}`, mimeType: "application/sql" },
      async (uri) => ({
        contents: [{ uri: uri.href, mimeType: "application/sql", text: file.sql }],
      }),
    )
  }
  for (const entry of catalogEntries) {
    server.registerResource(
      entry.code,
      `aim://troubleshooting/${entry.slug}`,
      { title: `${entry.code} ${entry.title}`, mimeType: "text/markdown" },
      async (uri) => ({
        contents: [
          {
            uri: uri.href,
            mimeType: "text/markdown",
            text: `# ${entry.code}: ${entry.title}\n\n**Symptom:** ${entry.symptom}\n\n**Cause:** ${entry.cause}\n\n**Fix:** ${entry.fix}\n\nSee: ${entry.commands.join(", ")}\n`,
          },
        ],
      }),
    )
  }
}
