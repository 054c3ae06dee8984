/** An environment's variables (config's Env, by shape: the scrubber sits below config and imports nothing). */
type Env = Readonly<Record<string, string | undefined>>

const secretVariables = ["POSTGRES_PASSWORD", "SMTP_PASSWORD", "REDIS_PASSWORD", "PGPASSWORD", "AIM_HEALTH_TOKEN"] as const
const urlVariables = ["DATABASE_URL", "REDIS_URL", "AIM_SCRATCH_DATABASE_URL"] as const
// A collector's address may carry credentials; a value that is not a URL is not one (and is quoted when rejected).
const collectorUrlVariables = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] as const
// key=value,… pairs whose values are credentials for the collector (API keys, bearer tokens).
const headerVariables = ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS"] as const

const publicVariables = ["POSTGRES_USER", "POSTGRES_HOST", "POSTGRES_DB", "REDIS_HOST", "SMTP_HOST", "SMTP_USERNAME"] as const

/** decodeURIComponent that keeps a malformed escape (`%` alone, `%zz`) as it is instead of throwing. */
export const decoded = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/**
 * Every secret value the environment holds, so that output can be scrubbed of them as a last line of
 * defence. A password that is also the text of a part printed on purpose (the user `postgres`, the
 * scheme `postgres://`, a host, a database) is left out: scrubbing it would blank those parts of
 * every line (`***://***@host`), and aim never prints the password field itself.
 */
export const secretsOf = (env: Env): ReadonlyArray<string> => {
  const secrets = new Set<string>()
  const printed = new Set<string>(publicVariables.flatMap((name) => env[name] ?? []))
  for (const name of urlVariables) {
    try {
      const url = new URL(env[name] ?? "")
      for (const part of [url.protocol.replace(/:$/, ""), decoded(url.username), url.hostname, decoded(url.pathname.replace(/^\//, ""))]) printed.add(part)
    } catch {
      // not a URL: nothing printed from it
    }
  }
  for (const name of secretVariables) {
    const value = env[name]
    if (value !== undefined) secrets.add(value)
  }
  for (const name of collectorUrlVariables) {
    const password = URL.canParse(env[name] ?? "") ? new URL(env[name] ?? "").password : ""
    secrets.add(password)
    secrets.add(decoded(password))
  }
  for (const name of headerVariables) {
    for (const pair of (env[name] ?? "").split(",")) {
      const value = pair.slice(pair.indexOf("=") + 1).trim()
      if (pair.includes("=")) {
        secrets.add(value)
        secrets.add(decoded(value))
      }
    }
  }
  for (const name of urlVariables) {
    const value = env[name]
    if (value === undefined) continue
    try {
      const url = new URL(value)
      secrets.add(url.password)
      secrets.add(decoded(url.password))
    } catch {
      // Not a URL, so the password cannot be told apart: treat the whole value as secret.
      secrets.add(value)
    }
  }
  // An empty (or too short) value is no secret, here for every source at once: scrubbing "" would put
  // *** between every character, and a two-letter one would blank those letters in every word.
  return [...secrets].filter((secret) => secret.trim().length >= 3 && !printed.has(secret)).sort((a, b) => b.length - a.length)
}

/**
 * Where `pattern` starts in `text`, overlapping occurrences included, in one pass (Knuth-Morris-Pratt):
 * indexOf from each match's next character compares the whole pattern again at every position, so a
 * secret of 2,000 repeated characters in 100 KB of them took seconds; this takes the text's length.
 */
const occurrences = (text: string, pattern: string): ReadonlyArray<number> => {
  const border = new Array<number>(pattern.length).fill(0)
  for (let i = 1, k = 0; i < pattern.length; i++) {
    while (k > 0 && pattern[i] !== pattern[k]) k = border[k - 1] ?? 0
    if (pattern[i] === pattern[k]) k++
    border[i] = k
  }
  const starts: Array<number> = []
  for (let i = 0, k = 0; i < text.length; i++) {
    while (k > 0 && text[i] !== pattern[k]) k = border[k - 1] ?? 0
    if (text[i] === pattern[k]) k++
    if (k === pattern.length) {
      starts.push(i - k + 1)
      k = border[k - 1] ?? 0
    }
  }
  return starts
}

/**
 * Replaces every secret in `text` with `***`, in its raw form and as it appears inside a JSON string
 * (a `"` or `\` escaped). Every occurrence of every secret is found in the text as given, and each
 * run of characters covered by one or more of them becomes one `***`: replacing secret by secret
 * would leave pieces where two occurrences overlap (`abc` and `bcd` in `abcd` left `***d`) or
 * where a shorter secret went first (`abc` inside `abcdef` left `***def`).
 */
export const scrub = (text: string, secrets: ReadonlyArray<string>): string => {
  const covered: Array<readonly [number, number]> = []
  for (const secret of secrets) {
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) {
      // An empty form would match everywhere; secretsOf never yields one, a caller might.
      if (form === "") continue
      for (const at of occurrences(text, form)) covered.push([at, at + form.length])
    }
  }
  const [first, ...rest] = covered.sort((a, b) => a[0] - b[0])
  if (first === undefined) return text
  // By start: the text between runs is kept, and each run of overlapping or touching occurrences is one ***.
  let out = text.slice(0, first[0])
  let end = first[1]
  for (const [from, to] of rest) {
    if (from > end) out += `***${text.slice(end, from)}`
    end = Math.max(end, to)
  }
  return `${out}***${text.slice(end)}`
}

/**
 * A JSON-able value with every string in it scrubbed (keys too), for --json and MCP replies: the
 * document stays valid whatever the secrets are, even `true` or `5432`, which scrubbing the printed
 * text would turn into `***` where a boolean or number stood.
 */
export const scrubValue = (value: unknown, secrets: ReadonlyArray<string>): unknown => {
  if (typeof value === "string") return scrub(value, secrets)
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, secrets))
  if (typeof value === "object" && value !== null) {
    const json = (value as { toJSON?: () => unknown }).toJSON
    if (typeof json === "function") return scrubValue(json.call(value), secrets)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [scrub(key, secrets), scrubValue(item, secrets)]))
  }
  return value
}

/**
 * Text with the credentials of any URL in it replaced: `redis://:pw@cache` becomes `redis://***@cache`
 * (from the first `://` of a word to its last `@`). One pass over the words: the regular expression it
 * replaces backtracked quadratically on a long run of letters.
 */
export const withoutUrlCredentials = (text: string): string =>
  text.replace(/[^\s"]+/g, (word) => {
    const scheme = word.indexOf("://")
    const at = word.lastIndexOf("@")
    if (scheme <= 0 || at < scheme + 3) return word
    // A scheme is a letter and then letters, digits, + . or - (RFC 3986): `1://` is none.
    let first = scheme
    while (first > 0 && /[a-z0-9+.-]/i.test(word[first - 1] ?? "")) first--
    if (!/[a-z]/i.test(word[first] ?? "")) return word
    return `${word.slice(0, scheme + 3)}***${word.slice(at)}`
  })
