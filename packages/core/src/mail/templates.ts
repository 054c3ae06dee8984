import type { AppSettings } from "../config/ServicesConfig.js"

export interface Email {
  readonly subject: string
  readonly text: string
  readonly html: string
}

const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const link = (app: AppSettings, path: string): string => {
  const base = (app.frontendUrl ?? "http://localhost:3000").replace(/\/+$/, "")
  return `${base}${path}`
}

const layout = (title: string, paragraphs: ReadonlyArray<string>, action: { label: string; href: string }, app: AppSettings): Email => {
  const support = app.supportEmail === undefined ? "" : `Questions? Write to ${app.supportEmail}.`
  return {
    subject: title,
    text: [...paragraphs, "", `${action.label}: ${action.href}`, "", support].join("\n").trim(),
    html: [
      `<h1>${escapeHtml(title)}</h1>`,
      ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
      `<p><a href="${escapeHtml(action.href)}">${escapeHtml(action.label)}</a></p>`,
      support === "" ? "" : `<p>${escapeHtml(support)}</p>`,
    ].join("\n"),
  }
}

/** Sent when an account is created. */
export const welcomeEmail = (name: string, app: AppSettings): Email =>
  layout(
    "Welcome to AIM",
    [`Hello ${name},`, "Your request to join Agent Identity Management was received. An administrator will review it shortly."],
    { label: "Sign in to AIM", href: link(app, "/auth/login") },
    app,
  )

/** Sent when an administrator approves a registration request. */
export const approvalEmail = (name: string, app: AppSettings): Email =>
  layout(
    "Your AIM account was approved",
    [`Hello ${name},`, "An administrator approved your account. You can sign in now."],
    { label: "Sign in to AIM", href: link(app, "/auth/login") },
    app,
  )
