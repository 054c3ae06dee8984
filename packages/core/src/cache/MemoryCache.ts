import { Duration, Effect, Layer, Option } from "effect"
import { Cache, type CacheShape, type CacheStatus } from "./Cache.js"

/** A process-local map with expiry: the fallback when Redis is absent or failing. */
export const makeMemoryCache = (status: CacheStatus = "not configured"): CacheShape => {
  const entries = new Map<string, { value: string; expires: number }>()
  return {
    backend: Effect.succeed("memory"),
    status: Effect.succeed(status),
    get: (key) =>
      Effect.sync(() => {
        const entry = entries.get(key)
        if (entry === undefined) return Option.none()
        if (entry.expires <= Date.now()) {
          entries.delete(key)
          return Option.none()
        }
        return Option.some(entry.value)
      }),
    set: (key, value, ttl) =>
      Effect.sync(() => {
        entries.set(key, { value, expires: Date.now() + Duration.toMillis(Duration.decode(ttl)) })
      }),
  }
}

export const MemoryCacheLive = (status: CacheStatus = "not configured"): Layer.Layer<Cache> => Layer.sync(Cache, () => makeMemoryCache(status))
