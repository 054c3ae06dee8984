import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export interface Certificates {
  readonly dir: string
  /** CA certificate file (PEM) that signed the server certificate. */
  readonly caFile: string
  /** Another CA's certificate file: trusting it must fail verification. */
  readonly otherCaFile: string
  readonly cert: string
  readonly key: string
  readonly certFile: string
  readonly keyFile: string
}

const openssl = (args: ReadonlyArray<string>, cwd: string) => execFileSync("openssl", args, { cwd, stdio: "pipe" })

const makeCa = (dir: string, name: string) => {
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.crt`], dir)
}

/** A throwaway CA and a server certificate for localhost / 127.0.0.1 signed by it (openssl). */
export const makeCertificates = (): Certificates => {
  const dir = mkdtempSync(join(tmpdir(), "aim-certs-"))
  makeCa(dir, "aim-test-ca")
  makeCa(dir, "aim-other-ca")
  writeFileSync(join(dir, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"], dir)
  openssl(
    [
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "aim-test-ca.crt",
      "-CAkey",
      "aim-test-ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      "san.ext",
      "-out",
      "server.crt",
    ],
    dir,
  )
  return {
    dir,
    caFile: join(dir, "aim-test-ca.crt"),
    otherCaFile: join(dir, "aim-other-ca.crt"),
    certFile: join(dir, "server.crt"),
    keyFile: join(dir, "server.key"),
    cert: readFileSync(join(dir, "server.crt"), "utf8"),
    key: readFileSync(join(dir, "server.key"), "utf8"),
  }
}
