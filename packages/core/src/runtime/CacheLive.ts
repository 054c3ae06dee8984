import { Effect, Layer } from "effect"
import { ServicesConfig } from "../config/AimConfig.js"
import { invalidSettings } from "../config/ServicesConfig.js"
import { catalog } from "../errors/catalog.js"
import type { Cache } from "../cache/Cache.js"
import { MemoryCacheLive } from "../cache/MemoryCache.js"
import { type RedisOptions, RedisCacheLive, describeRedis } from "../cache/RedisCache.js"

/**
 * Chosen once at start-up: Redis when configured and reachable; otherwise the in-memory cache, with
 * one warning line when Redis was configured but did not answer or its settings are invalid (the
 * guide: Redis is optional).
 */
export const CacheLive = (options: RedisOptions = {}): Layer.Layer<Cache, never, ServicesConfig> =>
  Layer.unwrapEffect(
    Effect.map(ServicesConfig, (config) => {
      const redis = config.redis
      const invalid = invalidSettings("REDIS", config.problems)
      if (redis === undefined && invalid !== undefined) {
        // Configured, but not usable as written: say so once and connect nowhere.
        return Layer.effectDiscard(
          Effect.logWarning(`Redis settings are invalid (${invalid.problems}): Redis is not used; using the in-memory cache`).pipe(
            Effect.annotateLogs({ code: catalog.configInvalid.code, fix: invalid.fix }),
          ),
        ).pipe(Layer.provideMerge(MemoryCacheLive("unavailable (optional)")))
      }
      if (redis === undefined) return MemoryCacheLive("not configured")
      return RedisCacheLive(redis, options).pipe(
        Layer.catchAll((error) =>
          Layer.effectDiscard(Effect.logWarning(`Redis unavailable (optional) at ${describeRedis(redis)}: ${error.message}; using the in-memory cache`)).pipe(
            Layer.provideMerge(MemoryCacheLive("unavailable (optional)")),
          ),
        ),
      )
    }),
  )
