import { Context, Data, Effect, Layer, Redacted } from "effect"
import { readFileSync } from "node:fs"
import type { Transporter } from "nodemailer"
import { ServicesConfig } from "../config/AimConfig.js"
import type { AppSettings, SmtpSettings } from "../config/ServicesConfig.js"
import { type Email, approvalEmail, welcomeEmail } from "./templates.js"

/** What went wrong with SMTP, decided where nodemailer's error is raised. */
export type SmtpFailure = "auth" | "tls" | "unreachable"

export class SmtpError extends Data.TaggedError("SmtpError")<{
  readonly message: string
  /** nodemailer's code: ECONNECTION, ETIMEDOUT, EAUTH, ETLS, ESOCKET, ... */
  readonly code: string | undefined
  readonly target: string
  readonly failure: SmtpFailure
}> {}

export class SmtpNotConfigured extends Data.TaggedError("SmtpNotConfigured")<Record<never, never>> {
  override get message(): string {
    return "SMTP is not configured (SMTP_HOST, SMTP_USERNAME, SMTP_PASSWORD)"
  }
}

export interface SmtpCheck {
  readonly target: string
  /** `implicit TLS` (465) or `STARTTLS` (587 and others). */
  readonly tls: "implicit TLS" | "STARTTLS"
  readonly authenticated: boolean
}

export interface MailerShape {
  /** Connects, negotiates TLS and authenticates, then disconnects: nothing is sent. */
  readonly check: Effect.Effect<SmtpCheck, SmtpError | SmtpNotConfigured>
  readonly sendWelcome: (to: string, name: string) => Effect.Effect<void, SmtpError | SmtpNotConfigured>
  readonly sendApproval: (to: string, name: string) => Effect.Effect<void, SmtpError | SmtpNotConfigured>
}

export class Mailer extends Context.Tag("@aim/core/Mailer")<Mailer, MailerShape>() {}

export const describeSmtp = (smtp: SmtpSettings): string => `smtp${smtp.implicitTls ? "s" : ""}://${smtp.host}:${smtp.port}`

const toSmtpError = (cause: unknown, target: string): SmtpError => {
  const e = typeof cause === "object" && cause !== null ? (cause as { message?: unknown; code?: unknown }) : {}
  const message = typeof e.message === "string" ? e.message : String(cause)
  const code = typeof e.code === "string" ? e.code : undefined
  // nodemailer's codes first (EAUTH, ETLS); a server's 535 or a TLS library's words otherwise.
  const failure =
    code === "EAUTH" || /auth|535/i.test(message)
      ? "auth"
      : code === "ETLS" || /STARTTLS|certificate|wrong version number|TLS|SSL/i.test(message)
        ? "tls"
        : "unreachable"
  return new SmtpError({ message, code, target, failure })
}

export interface MailerOptions {
  readonly timeoutMs?: number
}

export const makeMailer = (smtp: SmtpSettings | undefined, app: AppSettings, options: MailerOptions = {}): MailerShape => {
  const timeout = options.timeoutMs ?? 8000
  // nodemailer loads on first use: the CLI's migrate path never needs it.
  const transport = async () => {
    if (smtp === undefined) return undefined
    const { default: nodemailer } = await import("nodemailer")
    return nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.implicitTls,
      // On 587 the credentials must never cross the wire in clear: STARTTLS is required.
      requireTLS: !smtp.implicitTls,
      ...(smtp.username === undefined || smtp.password === undefined ? {} : { auth: { user: smtp.username, pass: Redacted.value(smtp.password) } }),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      tls: { servername: smtp.host, ...(smtp.caFile === undefined ? {} : { ca: readFileSync(smtp.caFile, "utf8") }) },
    })
  }
  const withTransport = <A>(f: (t: Transporter, target: string) => Promise<A>) =>
    Effect.suspend((): Effect.Effect<A, SmtpError | SmtpNotConfigured> => {
      if (smtp === undefined) return Effect.fail(new SmtpNotConfigured())
      const target = describeSmtp(smtp)
      return Effect.acquireUseRelease(
        Effect.tryPromise({ try: () => transport(), catch: (cause) => toSmtpError(cause, target) }),
        (t): Effect.Effect<A, SmtpError | SmtpNotConfigured> =>
          t === undefined ? Effect.fail(new SmtpNotConfigured()) : Effect.tryPromise({ try: () => f(t, target), catch: (cause) => toSmtpError(cause, target) }),
        (t) => Effect.sync(() => t?.close()),
      )
    })
  const send = (to: string, email: Email) =>
    withTransport((t) =>
      t.sendMail({
        from: smtp?.username ?? app.supportEmail ?? "aim@localhost",
        to,
        ...(app.supportEmail === undefined ? {} : { replyTo: app.supportEmail }),
        subject: email.subject,
        text: email.text,
        html: email.html,
      }),
    ).pipe(Effect.asVoid)
  return {
    check: withTransport(async (t, target) => {
      await t.verify()
      return { target, tls: smtp?.implicitTls === true ? "implicit TLS" : "STARTTLS", authenticated: smtp?.username !== undefined } as const
    }),
    sendWelcome: (to, name) => send(to, welcomeEmail(name, app)),
    sendApproval: (to, name) => send(to, approvalEmail(name, app)),
  }
}

export const MailerLive = (options: MailerOptions = {}): Layer.Layer<Mailer, never, ServicesConfig> =>
  Layer.effect(
    Mailer,
    Effect.map(ServicesConfig, (config) => makeMailer(config.smtp, config.app, options)),
  )
