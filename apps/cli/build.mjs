// The CLI bundle: dist/aim.mjs, whose entry answers --version before loading the rest.
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"
import { bundle, bundleForSnapshot } from "../../scripts/bundle.mjs"

const here = dirname(fileURLToPath(import.meta.url))

/** Imported on first use, so commands that never need them never load them; the packed CLI depends on them. */
export const external = ["@electric-sql/pglite", "pg-native", "libpg-query", "nodemailer", "ioredis", "@modelcontextprotocol/sdk", "zod"]

/**
 * Builds into `outdir` (default apps/cli/dist), emptied first; minified unless `readable` (the
 * profiler's build: every module under its path). Returns esbuild's metafile.
 */
export const build = (outdir = join(here, "dist"), { readable = false, write = true } = {}) =>
  bundle(esbuild, { entry: join(here, "src/aim.ts"), name: "aim", outdir, external, readable, write })

/** The metafile of the bundle `build` writes (which source went into which chunk, and each chunk's imports), nothing written. */
export const bundleMeta = () => build(undefined, { write: false })

/**
 * `outdir/aim-snapshot.cjs`: the entry a V8 start-up snapshot is built from (src/snapshot.ts), packed
 * beside the bundle; the image builds its blob with the Node that runs it (deploy/Dockerfile).
 */
export const buildSnapshotEntry = (outdir = join(here, "dist")) =>
  bundleForSnapshot(esbuild, { entry: join(here, "src/snapshot.ts"), outfile: join(outdir, "aim-snapshot.cjs"), external })

if (process.argv[1] === fileURLToPath(import.meta.url)) await build()
