/**
 * Where a command's start-up goes, package by package: the command runs under V8's sampling profiler
 * (`--cpu-prof`, every 250 µs), and each sample is charged to the package whose code it was in. The
 * bundle is built readable (`build(dir, { readable: true })`: the installed one is minified) and
 * esbuild opens every module with a `// path` comment, so a function's line in its chunk names its
 * module, and the module's path its package. What no package's code runs:
 * compiling the bundle's modules (V8 compiles a chunk as a whole, before any of it runs), Node's own
 * start (its built-in modules), the garbage collector, and waiting (the database, I/O).
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { median } from "./measure.js"

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}
interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

/** The package a bundled module belongs to, from the path esbuild wrote above it. */
export const packageOf = (modulePath: string): string => {
  const inModules = modulePath.split("node_modules/").at(-1) ?? modulePath
  if (modulePath.includes("node_modules/")) {
    const [scope, name] = inModules.split("/")
    return scope?.startsWith("@") ? `${scope}/${name}` : (scope ?? modulePath)
  }
  if (modulePath.includes("packages/core/")) return "aim: core"
  return "aim: cli"
}

interface Chunk {
  /** The line where each module starts, and its package, in order. */
  readonly starts: ReadonlyArray<readonly [number, string]>
  /** The bytes of each package's code in the chunk. */
  readonly bytes: ReadonlyMap<string, number>
}

const chunkOf = (file: string): Chunk => {
  const starts: Array<readonly [number, string]> = []
  const bytes = new Map<string, number>()
  let owner = "aim: cli"
  for (const [line, text] of readFileSync(file, "utf8").split("\n").entries()) {
    const marker = /^\/\/ ((?:\.\.\/|src\/|node_modules\/|\.\/)\S+)$/.exec(text)
    if (marker?.[1] !== undefined) {
      owner = packageOf(marker[1])
      starts.push([line, owner])
    }
    bytes.set(owner, (bytes.get(owner) ?? 0) + text.length + 1)
  }
  return { starts, bytes }
}

const bundled = (url: string, bundleDir: string): string | undefined => {
  const path = url.startsWith("file://") ? new URL(url).pathname : url
  return path.startsWith(bundleDir) ? path : undefined
}

const category = (frame: ProfileNode["callFrame"], bundleDir: string, chunks: Map<string, Chunk>): string => {
  const { functionName, url, lineNumber } = frame
  if (functionName === "(garbage collector)") return "garbage collector"
  if (functionName === "(idle)") return "waiting (database, I/O)"
  if (functionName === "compileSourceTextModule" || functionName === "compileForInternalLoader") return "compiling modules"
  const path = bundled(url, bundleDir)
  if (path !== undefined) {
    let chunk = chunks.get(path)
    if (chunk === undefined) {
      chunk = chunkOf(path)
      chunks.set(path, chunk)
    }
    let owner = "aim: cli"
    for (const [line, pkg] of chunk.starts) {
      if (line > lineNumber) break
      owner = pkg
    }
    return owner
  }
  if (url.includes("node_modules/")) return packageOf(url)
  return "Node.js itself (start, built-in modules, native code)"
}

export interface PackageCosts {
  /** Milliseconds of samples in each package's code, or in each part of the runtime; medians. */
  readonly ms: ReadonlyMap<string, number>
  /** Each package's share of the bundle's bytes the run loaded: how "compiling modules" divides. */
  readonly loadedShare: ReadonlyMap<string, number>
}

/** Where `node …args` spends its time, by package; medians of `runs` runs. */
export const profileByPackage = (
  node: string,
  args: ReadonlyArray<string>,
  options: { readonly env: NodeJS.ProcessEnv; readonly bundleDir: string; readonly runs: number },
): PackageCosts => {
  const perRun: Array<Map<string, number>> = []
  const chunks = new Map<string, Chunk>()
  const loaded = new Set<string>()
  for (let run = 0; run < options.runs; run++) {
    const dir = mkdtempSync(join(tmpdir(), "aim-bench-prof-"))
    try {
      const result = spawnSync(node, ["--cpu-prof", "--cpu-prof-interval", "250", "--cpu-prof-dir", dir, ...args], { env: options.env, encoding: "utf8" })
      if (result.status !== 0) throw new Error(`${basename(node)} ${args.join(" ")} failed (${result.status}): ${result.stderr.slice(-400)}`)
      const totals = new Map<string, number>()
      // A command that starts itself again writes one profile per process: both count.
      for (const file of readdirSync(dir)) {
        const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as Profile
        const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]))
        // A chunk the run loaded has at least one function in the profile's tree, run or not.
        for (const n of profile.nodes) {
          const path = bundled(n.callFrame.url, options.bundleDir)
          if (path !== undefined) loaded.add(path)
        }
        for (const [i, id] of profile.samples.entries()) {
          const frame = byId.get(id)
          if (frame === undefined) continue
          const key = category(frame, options.bundleDir, chunks)
          totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000)
        }
      }
      perRun.push(totals)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  const keys = new Set(perRun.flatMap((m) => [...m.keys()]))
  const ms = new Map([...keys].map((key) => [key, median(perRun.map((m) => m.get(key) ?? 0))] as const).sort(([, a], [, b]) => b - a))
  const bytes = new Map<string, number>()
  for (const path of loaded) for (const [pkg, n] of (chunks.get(path) ?? chunkOf(path)).bytes) bytes.set(pkg, (bytes.get(pkg) ?? 0) + n)
  const total = [...bytes.values()].reduce((a, b) => a + b, 0)
  return { ms, loadedShare: new Map([...bytes].map(([pkg, n]) => [pkg, total === 0 ? 0 : n / total] as const).sort(([, a], [, b]) => b - a)) }
}
