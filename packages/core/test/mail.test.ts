import { type Certificates, type SmtpTestServer, freePort, makeCertificates, startSmtp } from "@aim/testkit"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { diagnose } from "../src/diagnose/diagnose.js"
import { makeMailer } from "../src/mail/Mailer.js"
import { readConfig } from "../src/config/AimConfig.js"

const user = "info@opena2a.test"
const password = "smtp-Secret-pw"

describe("SMTP checks against a real SMTP server (smtp-server)", () => {
  let certs: Certificates
  let starttls: SmtpTestServer
  let implicit: SmtpTestServer
  beforeAll(async () => {
    certs = makeCertificates()
    starttls = await startSmtp({ user, password, cert: certs.cert, key: certs.key })
    implicit = await startSmtp({ user, password, cert: certs.cert, key: certs.key, secure: true })
  })
  afterAll(async () => {
    await starttls?.stop()
    await implicit?.stop()
  })

  const mailer = (env: Record<string, string>) => {
    const config = readConfig(
      {
        DATABASE_URL: "postgres://x@localhost/x",
        SMTP_HOST: "localhost",
        SMTP_USERNAME: user,
        SMTP_PASSWORD: password,
        SMTP_TLS_CA_FILE: certs.caFile,
        ...env,
      },
      process.cwd(),
    ).services
    return makeMailer(config.smtp, config.app, { timeoutMs: 3000 })
  }
  const failureOf = (effect: Effect.Effect<unknown, unknown>) => Effect.runPromise(Effect.flip(effect))

  it("STARTTLS (587-style) with AUTH is accepted", async () => {
    const result = await Effect.runPromise(mailer({ SMTP_PORT: String(starttls.port) }).check)
    expect(result).toMatchObject({ tls: "STARTTLS", authenticated: true })
  })

  it("implicit TLS (465-style) with AUTH is accepted", async () => {
    const result = await Effect.runPromise(mailer({ SMTP_PORT: String(implicit.port), SMTP_SECURE: "true" }).check)
    expect(result).toMatchObject({ tls: "implicit TLS", authenticated: true })
  })

  it("a wrong password is AIM-MAIL-003", async () => {
    const error = await failureOf(mailer({ SMTP_PORT: String(starttls.port), SMTP_PASSWORD: "wrong-smtp-pw" }).check)
    expect(diagnose(error).entry.code).toBe("AIM-MAIL-003")
    expect(JSON.stringify(error)).not.toContain("wrong-smtp-pw")
  })

  it("a closed port is AIM-MAIL-002", async () => {
    const error = await failureOf(mailer({ SMTP_PORT: String(await freePort()) }).check)
    expect(diagnose(error).entry.code).toBe("AIM-MAIL-002")
  })

  it("an untrusted certificate is AIM-MAIL-004", async () => {
    const error = await failureOf(mailer({ SMTP_PORT: String(starttls.port), SMTP_TLS_CA_FILE: certs.otherCaFile }).check)
    expect(diagnose(error).entry.code).toBe("AIM-MAIL-004")
  })

  it("sends the welcome and the approval email: text and HTML, links from FRONTEND_URL, reply-to SUPPORT_EMAIL", async () => {
    const m = mailer({ SMTP_PORT: String(starttls.port), FRONTEND_URL: "https://aim.example.com/", SUPPORT_EMAIL: "support@opena2a.test" })
    const before = starttls.received.length
    await Effect.runPromise(Effect.all([m.sendWelcome("new.user@example.com", "Ada"), m.sendApproval("new.user@example.com", "Ada")]))
    const mails = starttls.received.slice(before)
    expect(mails).toHaveLength(2)
    const [welcome, approval] = mails.map((mail) => mail.raw.replace(/=\r?\n/g, ""))
    expect(mails[0]?.to).toEqual(["new.user@example.com"])
    expect(welcome).toMatch(/Subject: Welcome to AIM/)
    expect(approval).toMatch(/Subject: Your AIM account was approved/)
    for (const raw of [welcome, approval]) {
      expect(raw).toMatch(/Reply-To: support@opena2a\.test/)
      expect(raw).toMatch(/Content-Type: text\/plain/)
      expect(raw).toMatch(/Content-Type: text\/html/)
      expect(raw).toContain("https://aim.example.com/auth/login")
      expect(raw).not.toContain("example.com//auth")
    }
  })
})
