// How every app is bundled for Node: one ESM entry plus chunks loaded on first use, the heavy optional
// dependencies left external (imported lazily), and `require` defined for the CommonJS inside.
// Each app passes its own esbuild (resolved from its own node_modules).
import { rmSync } from "node:fs"

export const bundle = async (esbuild, { entry, name, outdir, external }) => {
  rmSync(outdir, { recursive: true, force: true })
  await esbuild.build({
    entryPoints: { [name]: entry },
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
