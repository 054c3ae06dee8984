// How every app is bundled for Node: one ESM entry plus chunks loaded on first use, the heavy optional
// dependencies left external (imported lazily), and `require` defined for the CommonJS inside.
// Each app passes its own esbuild (resolved from its own node_modules).
import { copyFileSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

// pg asks "is this a Cloudflare Worker?" when it loads: on Node 20 (no global navigator) by touching
// the global Response, which makes Node load its whole fetch implementation (undici, ~11 ms of every
// start) only to answer no. These bundles run on Node, so the answer is written in.
const nodeOnlyPg = {
  name: "pg-on-node",
  setup(build) {
    build.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async (args) => {
      const text = readFileSync(args.path, "utf8")
      const patched = text.replace("if (isCloudflareRuntime()) {", "if (false) {")
      if (patched === text) throw new Error(`pg's lib/stream.js changed: ${args.path} no longer asks isCloudflareRuntime() (review scripts/bundle.mjs)`)
      return { contents: patched, loader: "js" }
    })
  },
}

// @effect/cli imports YAML, TOML and INI parsers at its top level for Options.fileParse, which aim
// never uses: yaml alone is 72 modules every start would compile and run. Its import is answered with
// a parser that says so, should a future option ever reach it.
const noOptionFiles = {
  name: "no-option-files",
  setup(build) {
    build.onResolve({ filter: /^(yaml|toml|ini)$/ }, (args) =>
      /[\\/]@effect[\\/]cli[\\/]/.test(args.importer) ? { path: args.path, namespace: "aim-no-option-files" } : undefined,
    )
    build.onLoad({ filter: /.*/, namespace: "aim-no-option-files" }, (args) => ({
      contents: `export const parse = () => { throw new Error("aim reads no ${args.path} option files") }`,
      loader: "js",
    }))
  },
}

/** What both bundles share: Node as the platform, the same dependencies left external, the same plugins. */
const forNode = (external) => ({ bundle: true, platform: "node", external, plugins: [nodeOnlyPg, noOptionFiles], logLevel: "warning" })

/**
 * The same code as one CommonJS file, for a V8 start-up snapshot (whose builder runs a script, not
 * modules): the dependencies left external are required at run time from the bundle's own
 * node_modules, through a require made for the file's path when the snapshot is built (the builder's
 * own require loads only Node's built-in modules).
 */
export const bundleForSnapshot = async (esbuild, { entry, outfile, external }) => {
  await esbuild.build({ ...forNode(external), entryPoints: [entry], format: "cjs", target: "node22", outfile })
  // A snapshot's run has no loader for import(): both kinds of load go through requireInstalled, and an
  // import() of a CommonJS module gets the namespace import() would give (its exports as `default`).
  const names = external.map((name) => name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|")
  const text = readFileSync(outfile, "utf8")
    .replace(new RegExp(`\\brequire\\(("(?:${names})(?:/[^"]*)?")\\)`, "g"), "requireInstalled($1)")
    .replace(/\bimport\(("[^"]+")\)/g, "importInstalled($1)")
  const banner = [
    'const requireInstalled = require("node:module").createRequire(__filename);',
    "const importInstalled = (id) => Promise.resolve().then(() => { const m = requireInstalled(id); return m !== null && typeof m === \"object\" && m[Symbol.toStringTag] === \"Module\" ? m : Object.assign(Object.create(null), m, { default: m }) });",
    "",
  ].join("\n")
  writeFileSync(outfile, text.startsWith('"use strict";') ? `"use strict";\n${banner}${text.slice(14)}` : `${banner}${text}`)
}

/**
 * Minified unless `readable`: V8 parses and compiles every chunk a command loads before any of it
 * runs, and the minified text is about half as long (a command's whole start about 15% shorter,
 * measured on `aim drift`); aim prints no stack traces, so nothing users see changes. `readable`
 * keeps esbuild's `// path` line above every module, which bench/profile.ts charges samples by.
 * With `write: false` nothing is written: the build's metafile alone (which module went where).
 */
export const bundle = async (esbuild, { entry, name, outdir, external, readable = false, write = true }) => {
  if (write) rmSync(outdir, { recursive: true, force: true })
  const result = await esbuild.build({
    ...forNode(external),
    minify: !readable,
    metafile: true,
    write,
    entryPoints: { [name]: entry },
    format: "esm",
    target: "node20",
    splitting: true,
    outdir,
    chunkNames: "chunks/[name]-[hash]",
    outExtension: { ".js": ".mjs" },
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  })
  // The prepared PGlite clusters new embedded and scratch databases start from (every .tar.gz beside
  // core's PgliteDatabase.ts, which names the one it loads): core looks for them beside the module
  // that loads them, which in a bundle is the entry or one of its chunks.
  if (write) for (const file of readdirSync(preparedDir).filter((f) => f.endsWith(".tar.gz"))) copyFileSync(join(preparedDir, file), join(outdir, file))
  return result.metafile
}

const preparedDir = join(dirname(fileURLToPath(import.meta.url)), "../packages/core/src/database")
