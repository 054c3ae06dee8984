import { rmSync } from "node:fs"
import { resolve } from "node:path"

/**
 * Builds the CLI bundle once per run, as users run it (`pnpm aim`, the installed package): each of
 * the many `aim` processes the tests start then boots in ~0.2 s instead of ~2 s through tsx. A
 * directory per run, inside apps/cli so the bundle resolves its external dependencies, lets two
 * runs (PostgreSQL 15 and 18) build at once.
 */
export default async function setup() {
  const outdir = resolve(import.meta.dirname, `../.test-dist-${process.pid}`)
  const script: string = resolve(import.meta.dirname, "../build.mjs")
  const { build } = (await import(script)) as { build: (outdir?: string) => Promise<void> }
  await build(outdir)
  process.env.AIM_TEST_CLI_BUNDLE = resolve(outdir, "aim.mjs")
  return () => rmSync(outdir, { recursive: true, force: true })
}
