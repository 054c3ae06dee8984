/**
 * Rolled-back writes of the kinds the AIM backend's code makes, each with the outcome the backend's own
 * database gives (../fixtures/contract/backend-current-release.md: its constraints and what its trigger
 * functions do). Each probe runs in a savepoint of one transaction that is always rolled back, so a
 * database is left exactly as it was. `probeOutcomes` returns what the database did; `contractOutcomes`
 * is what the contract says it does.
 */

/** One statement on one connection (a pg client, or PGlite). */
export type ProbeQuery = (text: string, params?: ReadonlyArray<unknown>) => Promise<ReadonlyArray<Record<string, unknown>>>

/** `accepted`, or the SQLSTATE the write was refused with; a probe that observes a value returns it as text. */
export type Outcome = string

const refusedWith = (error: unknown): Outcome =>
  `refused ${typeof error === "object" && error !== null && "code" in error ? String((error as { code: unknown }).code) : "?"}`

export const contractOutcomes: Readonly<Record<string, Outcome>> = {
  "a fourth tag on an agent": "refused P0001 Community Edition: Maximum 3 tags per agent. Upgrade to Enterprise for unlimited tags.",
  "a fourth tag on an MCP server": "refused P0001 Community Edition: Maximum 3 tags per MCP server. Upgrade to Enterprise for unlimited tags.",
  "a capability report with risk_level low": "accepted",
  "a capability report with risk_level LOW": "refused 23514",
  "an agent's trust score of 0.5": "accepted",
  "an agent's trust score of 1.5": "refused 23514",
  "the history row of a trust-score change": "automated_update by the acting user, 0.50 from 0.25",
  "a webhook URL HTTPS://": "accepted",
  "a webhook URL ftp://": "refused 23514",
  "two pending registrations whose e-mail differs only in case": "accepted",
  "an API call of an agent": "logged; the agent's hour: 1 call, 300 bytes",
  "a second API call of the agent in that hour": "logged; the agent's hour: 2 calls, 350 bytes",
  "an API call without an agent (a user's request)": "logged; no hour aggregated",
  "deleting a user who created an API key": "refused 23503",
  "deleting the default admin": "accepted; its 6 policies and 1 audit rows go with it",
}

export const probeOutcomes = async (query: ProbeQuery): Promise<Record<string, Outcome>> => {
  const outcomes: Record<string, Outcome> = {}
  const one = async <A>(text: string, params: ReadonlyArray<unknown> = []) => (await query(text, params))[0] as A
  // Each probe is rolled back to its savepoint, accepted or not: the next one starts from the same rows.
  const probe = async (name: string, run: () => Promise<Outcome | undefined>) => {
    await query("SAVEPOINT probe")
    try {
      outcomes[name] = (await run()) ?? "accepted"
    } catch (error) {
      const message = error instanceof Error && String((error as { code?: unknown }).code) === "P0001" ? ` ${error.message}` : ""
      outcomes[name] = `${refusedWith(error)}${message}`
    }
    await query("ROLLBACK TO SAVEPOINT probe")
  }
  await query("BEGIN")
  try {
    // The rows the probes write about: an organization, its user, an agent, an MCP server, four tags.
    const org = (await one<{ id: string }>("INSERT INTO organizations (name, domain) VALUES ('Probe', 'probe.example') RETURNING id")).id
    const user = (
      await one<{ id: string }>(
        "INSERT INTO users (organization_id, email, name, provider, provider_id) VALUES ($1, 'probe@probe.example', 'Probe', 'local', 'probe@probe.example') RETURNING id",
        [org],
      )
    ).id
    const agent = (
      await one<{ id: string }>(
        "INSERT INTO agents (organization_id, name, display_name, agent_type, created_by, trust_score) VALUES ($1, 'probe-bot', 'Probe Bot', 'ai_agent', $2, 0.25) RETURNING id",
        [org, user],
      )
    ).id
    const server = (
      await one<{ id: string }>(
        "INSERT INTO mcp_servers (organization_id, name, url, created_by) VALUES ($1, 'probe-mcp', 'https://mcp.probe.example', $2) RETURNING id",
        [org, user],
      )
    ).id
    const tags = await query(
      "INSERT INTO tags (organization_id, key, value, category, created_by) SELECT $1, 'k', 'v' || n, 'custom', $2 FROM generate_series(1, 4) n RETURNING id",
      [org, user],
    )
    const tag = (i: number) => String(tags[i]?.id)

    await probe("a fourth tag on an agent", async () => {
      for (const i of [0, 1, 2, 3]) await query("INSERT INTO agent_tags (agent_id, tag_id) VALUES ($1, $2)", [agent, tag(i)])
      return undefined
    })
    await probe("a fourth tag on an MCP server", async () => {
      for (const i of [0, 1, 2, 3]) await query("INSERT INTO mcp_server_tags (mcp_server_id, tag_id) VALUES ($1, $2)", [server, tag(i)])
      return undefined
    })
    for (const level of ["low", "LOW"]) {
      await probe(`a capability report with risk_level ${level}`, async () => {
        await query(
          "INSERT INTO agent_capability_reports (agent_id, detected_at, risk_level, overall_risk_score, trust_score_impact) VALUES ($1, now(), $2, 10, 0)",
          [agent, level],
        )
        return undefined
      })
    }
    for (const score of ["0.5", "1.5"]) {
      await probe(`an agent's trust score of ${score}`, async () => {
        await query("UPDATE agents SET trust_score = $2 WHERE id = $1", [agent, score])
        return undefined
      })
    }
    await probe("the history row of a trust-score change", async () => {
      await query("SELECT set_config('app.current_user_id', $1, true)", [user])
      await query("UPDATE agents SET trust_score = 0.5 WHERE id = $1", [agent])
      const row = await one<{ change_reason: string; changed_by: string | null; trust_score: string; previous_score: string }>(
        "SELECT change_reason, changed_by::text, trust_score::text, previous_score::text FROM trust_score_history WHERE agent_id = $1",
        [agent],
      )
      return `${row.change_reason} by ${row.changed_by === user ? "the acting user" : String(row.changed_by)}, ${row.trust_score} from ${row.previous_score}`
    })
    for (const url of ["HTTPS://", "ftp://"]) {
      await probe(`a webhook URL ${url}`, async () => {
        await query("INSERT INTO webhooks (organization_id, name, url, secret, created_by) VALUES ($1, 'hook', $2, 's', $3)", [
          org,
          `${url}hooks.probe.example`,
          user,
        ])
        return undefined
      })
    }
    await probe("two pending registrations whose e-mail differs only in case", async () => {
      await query(
        "INSERT INTO user_registration_requests (email, first_name, last_name) VALUES ('New@probe.example', 'N', 'P'), ('new@probe.example', 'N', 'P')",
      )
      return undefined
    })
    const hour = async () => {
      const rows = await query("SELECT api_calls_count, data_processed_bytes::text AS bytes FROM agent_activity_metrics WHERE agent_id = $1", [agent])
      const row = rows[0]
      return row === undefined
        ? "no hour aggregated"
        : `the agent's hour: ${String(row.api_calls_count)} call${row.api_calls_count === 1 ? "" : "s"}, ${String(row.bytes)} bytes`
    }
    const call = async (withAgent: boolean, requestBytes: number, responseBytes: number) => {
      await query(
        `INSERT INTO api_calls (organization_id, agent_id, user_id, method, endpoint, status_code, duration_ms, request_size_bytes, response_size_bytes, called_at)
         VALUES ($1, $2, $3, 'GET', '/api/v1/agents', 200, 5, $4, $5, '2026-12-01 10:15:00+00')`,
        [org, withAgent ? agent : null, withAgent ? null : user, requestBytes, responseBytes],
      )
      return `logged; ${await hour()}`
    }
    await probe("an API call without an agent (a user's request)", () => call(false, 10, 20))
    await probe("an API call of an agent", () => call(true, 100, 200))
    await probe("a second API call of the agent in that hour", async () => {
      await call(true, 100, 200)
      return call(true, 20, 30)
    })
    await probe("deleting a user who created an API key", async () => {
      // Another user of the organization, who only created the key (the agent is the first user's).
      const keyOwner = (
        await one<{ id: string }>(
          "INSERT INTO users (organization_id, email, name, provider, provider_id) VALUES ($1, 'keys@probe.example', 'Keys', 'local', 'keys@probe.example') RETURNING id",
          [org],
        )
      ).id
      await query(
        "INSERT INTO api_keys (organization_id, agent_id, name, key_hash, prefix, created_by) VALUES ($1, $2, 'ci', repeat('cd', 32), 'aim_prob', $3)",
        [org, agent, keyOwner],
      )
      await query("DELETE FROM users WHERE id = $1", [keyOwner])
      return undefined
    })
    await probe("deleting the default admin", async () => {
      const admin = await one<{ id: string; organization_id: string } | undefined>("SELECT id, organization_id FROM users WHERE email = 'admin@opena2a.org'")
      if (admin === undefined) return "no default admin"
      await query("INSERT INTO audit_logs (organization_id, user_id, action, resource_type, resource_id) VALUES ($1, $2, 'login', 'user', $2)", [
        admin.organization_id,
        admin.id,
      ])
      const before = await one<{ policies: number; audit: number }>(
        "SELECT (SELECT count(*)::int FROM security_policies WHERE created_by = $1) AS policies, (SELECT count(*)::int FROM audit_logs WHERE user_id = $1) AS audit",
        [admin.id],
      )
      await query("DELETE FROM users WHERE id = $1", [admin.id])
      const after = await one<{ n: number }>("SELECT count(*)::int AS n FROM security_policies WHERE created_by = $1", [admin.id])
      return `accepted; its ${before.policies - after.n} policies and ${before.audit} audit rows go with it`
    })
  } finally {
    await query("ROLLBACK")
  }
  return outcomes
}
