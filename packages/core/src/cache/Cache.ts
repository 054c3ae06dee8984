import { Context, Data, type Duration, type Effect, type Option } from "effect"

export type CacheStatus = "connected" | "unavailable (optional)" | "not configured"

/** A small key/value cache (the health report caches its verification result here). */
export interface CacheShape {
  /** Which store answers now: Redis, or the in-memory fallback. */
  readonly backend: Effect.Effect<"redis" | "memory">
  /** Redis as the guide's health endpoint reports it. */
  readonly status: Effect.Effect<CacheStatus>
  readonly get: (key: string) => Effect.Effect<Option.Option<string>>
  readonly set: (key: string, value: string, ttl: Duration.DurationInput) => Effect.Effect<void>
}

export class Cache extends Context.Tag("@aim/core/Cache")<Cache, CacheShape>() {}

/** What went wrong with Redis, decided where the client's error is raised (RedisCache), not from its text later. */
export type RedisFailure = "auth" | "tls" | "unavailable"

export class RedisError extends Data.TaggedError("RedisError")<{
  readonly message: string
  readonly code: string | undefined
  readonly target: string
  readonly failure: RedisFailure
}> {}
