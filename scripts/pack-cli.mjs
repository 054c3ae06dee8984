#!/usr/bin/env node
// `pnpm pack:cli`: one installable tarball of the aim CLI, with the 15 AIM migrations inside.
// `npm install -g <tarball>` gives an `aim` command that works outside this repository. The last
// line printed is the tarball's absolute path. `--out DIR` writes it there instead of dist/; `pnpm pack`
// writes the test run's one tarball to .pack/ (a turbo task the tests that install the CLI depend on).
import { spawnSync } from "node:child_process"
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const cli = join(root, "apps/cli")
const outFlag = process.argv.indexOf("--out")
const out = resolve(outFlag > 0 && process.argv[outFlag + 1] !== undefined ? process.argv[outFlag + 1] : join(root, "dist"))
// --clean empties the out directory first, so it holds this one tarball (the test run's `.pack/`).
if (process.argv.includes("--clean")) rmSync(out, { recursive: true, force: true })
// A staging directory of its own: two packs at once (the test suite's two passes) never share files.
const stage = mkdtempSync(join(tmpdir(), "aim-pack-"))

const run = (command, args, cwd) => {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })
  if (result.status !== 0) {
    process.stderr.write(`✖ ${command} ${args.join(" ")} failed\n`)
    process.exit(1)
  }
  return result.stdout
}

const { build, buildSnapshotEntry, external } = await import(join(cli, "build.mjs"))
await build(join(stage, "dist"))
// The entry the image builds its start-up snapshot from (deploy/Dockerfile).
await buildSnapshotEntry(join(stage, "dist"))
const manifest = JSON.parse(readFileSync(join(cli, "package.json"), "utf8"))
const rootManifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))

cpSync(join(root, "migrations"), join(stage, "migrations"), { recursive: true })
cpSync(join(root, "README.md"), join(stage, "README.md"))
// The bundle holds everything but the heavy optional dependencies it imports on first use, each at
// exactly the version this checkout's lockfile installed (not a range resolved again at install time).
const installedVersion = (name) => JSON.parse(readFileSync(join(cli, "node_modules", name, "package.json"), "utf8")).version
const dependencies = Object.fromEntries(external.filter((name) => manifest.dependencies[name] !== undefined).map((name) => [name, installedVersion(name)]))
writeFileSync(
  join(stage, "package.json"),
  `${JSON.stringify(
    {
      name: "aim-migrate",
      version: manifest.version,
      description: rootManifest.description,
      type: "module",
      bin: { aim: "dist/aim.mjs" },
      files: ["dist", "migrations", "README.md", "npm-shrinkwrap.json"],
      engines: rootManifest.engines,
      dependencies,
      license: "MIT",
    },
    null,
    2,
  )}\n`,
)
// npm-shrinkwrap.json, which npm honours when it installs the package: the whole dependency tree,
// transitive versions and integrity hashes included, fixed at pack time. Installs then need no
// resolution and, with --ignore-scripts (the image's), run no package's install script.
run("npm", ["install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"], stage)
run("npm", ["shrinkwrap"], stage)
mkdirSync(out, { recursive: true })
const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", out], stage))
rmSync(stage, { recursive: true, force: true })
process.stdout.write(`${join(out, packed[0].filename)}\n`)
