import { spawnSync } from "node:child_process"
import { existsSync, readdirSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..")
const packDir = join(root, ".pack")

/**
 * The run's one tarball of the CLI (`pnpm pack`: .pack/aim-migrate-X.Y.Z.tgz), which every test that
 * installs the CLI shares. turbo builds it once before those tests (the `//#pack` task, cached by its
 * inputs); a test file run on its own packs it here when there is none. After changing the CLI, run
 * `pnpm pack` (or the tests through turbo) so that the tarball is not an older build.
 */
export const packedCli = (): { readonly tarball: string; readonly files: ReadonlyArray<string> } => {
  const listed = () => (existsSync(packDir) ? readdirSync(packDir).filter((f) => f.endsWith(".tgz")) : [])
  if (listed().length === 0) {
    const packed = spawnSync(process.execPath, [join(root, "scripts/pack-cli.mjs"), "--out", packDir, "--clean"], { cwd: root, encoding: "utf8" })
    if (packed.status !== 0) throw new Error(`scripts/pack-cli.mjs failed: ${packed.stderr}`)
  }
  const files = listed()
  return { tarball: join(packDir, files[0] ?? "(none)"), files }
}
