import { resolve } from "node:path"

/** Bundles the example server once (its own build), so each of the many processes a test starts boots in ~0.2 s. */
export default async function setup() {
  const script: string = resolve(import.meta.dirname, "../build.mjs")
  const { build } = (await import(script)) as { build: () => Promise<void> }
  await build()
}
