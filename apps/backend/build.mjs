// The example backend's bundle (dist/server.mjs): what `pnpm --filter @aim/backend start` runs.
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"
import { bundle } from "../../scripts/bundle.mjs"

const here = dirname(fileURLToPath(import.meta.url))

export const build = () =>
  bundle(esbuild, {
    entry: join(here, "src/server.ts"),
    name: "server",
    outdir: join(here, "dist"),
    external: ["@electric-sql/pglite", "pg-native", "libpg-query", "nodemailer", "ioredis"],
  })

if (process.argv[1] === fileURLToPath(import.meta.url)) await build()
