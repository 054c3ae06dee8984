import { createHash } from "node:crypto"

export const stripBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)

/** The same file checked out on Windows (CRLF) or saved with a BOM has the same checksum. */
export const normalise = (text: string): string => stripBom(text).replace(/\r\n?/g, "\n")

export const checksumOf = (text: string): string => createHash("sha256").update(normalise(text), "utf8").digest("hex")
