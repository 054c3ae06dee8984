import { build } from "esbuild"
import { resolve } from "node:path"

/** Bundles the example server once, so each of the many processes a test starts boots in ~0.2 s. */
export default async function setup() {
  const root = resolve(import.meta.dirname, "..")
  await build({
    entryPoints: [resolve(root, "src/server.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    splitting: true,
    outdir: resolve(root, "dist"),
    entryNames: "server",
    chunkNames: "chunks/[name]-[hash]",
    outExtension: { ".js": ".mjs" },
    external: ["@electric-sql/pglite", "pg-native", "libpg-query", "nodemailer", "ioredis"],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: "silent",
  })
}
