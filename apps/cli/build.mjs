// The CLI bundle: one ESM entry (dist/aim.mjs) plus chunks that load only when a command needs them.
// Heavy optional dependencies stay external and are imported on first use.
import { rmSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"

const here = dirname(fileURLToPath(import.meta.url))

export const external = ["@electric-sql/pglite", "pg-native", "libpg-query", "nodemailer", "ioredis", "@modelcontextprotocol/sdk", "zod"]

/** Builds into `outdir` (default apps/cli/dist), emptied first. */
export const build = async (outdir = join(here, "dist")) => {
  rmSync(outdir, { recursive: true, force: true })
  await esbuild.build({
    entryPoints: { aim: join(here, "src/aim.ts") },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    splitting: true,
    outdir,
    chunkNames: "chunks/[name]-[hash]",
    outExtension: { ".js": ".mjs" },
    external,
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: "warning",
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await build()
