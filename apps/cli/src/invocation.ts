/**
 * What @effect/cli parsed from the command line, recorded by the command as it starts (cli.ts):
 * argv is parsed once, there. main.ts reads it to render a failure that escapes the command (its
 * layer, an interruption) the way the command was asked to print. Unset when the command line
 * could not be parsed at all: then its raw words are all there is (rawJson).
 */
export const invocation: { command?: string; json?: boolean } = {}

/** For a command line @effect/cli could not parse: whether it asked for JSON, from its words. */
export const rawJson = (): boolean => process.argv.slice(2).includes("--json")
