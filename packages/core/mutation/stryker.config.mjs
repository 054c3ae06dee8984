// StrykerJS over one target of targets.json at a time (run.mjs sets AIM_MUTATION_TARGET and
// AIM_MUTATION_TESTS). In place: the tests find the repository's migrations/ and the test kit by
// paths relative to the package, which a sandbox copy would break; Stryker restores the file after.
const target = process.env.AIM_MUTATION_TARGET
if (target === undefined) throw new Error("run through mutation/run.mjs (pnpm mutation), which names the target")
const name = target.replace(/^src\//, "").replace(/\.ts$/, "").replaceAll("/", "-")

export default {
  testRunner: "vitest",
  plugins: [import.meta.resolve("@stryker-mutator/vitest-runner").replace(/^file:\/\//, "")],
  vitest: { configFile: "mutation/vitest.config.ts", related: false },
  mutate: [target],
  inPlace: true,
  // Only the mutated file may change while Stryker runs. vitest strips types without checking them,
  // so no file needs the `// @ts-nocheck` Stryker would otherwise write into every file of the
  // package, and in place it backs up and restores the whole package: an edit made meanwhile is lost.
  disableTypeChecks: false,
  coverageAnalysis: "perTest",
  concurrency: Number(process.env.AIM_MUTATION_CONCURRENCY ?? 2),
  // Added to a test's own time (x1.5): a mutant that loops forever is a timeout, counted as detected.
  timeoutMS: 5_000,
  incremental: process.env.AIM_MUTATION_FRESH !== "1",
  incrementalFile: `mutation/.cache/incremental-${name}.json`,
  reporters: ["json", "progress"],
  jsonReporter: { fileName: `mutation/.cache/report-${name}.json` },
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
  thresholds: { high: 90, low: 80, break: null },
}
