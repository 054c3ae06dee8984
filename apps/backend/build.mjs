// The example backend's bundle (dist/server.mjs): what `pnpm --filter @aim/backend start` runs.
import { rmSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"

const here = dirname(fileURLToPath(import.meta.url))

export const build = async () => {
  rmSync(join(here, "dist"), { recursive: true, force: true })
  await esbuild.build({
    entryPoints: { server: join(here, "src/server.ts") },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    splitting: true,
    outdir: join(here, "dist"),
    chunkNames: "chunks/[name]-[hash]",
    outExtension: { ".js": ".mjs" },
    external: ["@electric-sql/pglite", "pg-native", "libpg-query", "nodemailer", "ioredis"],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: "warning",
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await build()
