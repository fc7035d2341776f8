// The Nix system of a build triple (x86_64/aarch64, Linux/Darwin), so nothing hard-codes x86_64-linux.
import { NixifyError } from "../errors.ts";

const ARCHES: { [arch: string]: string } = { x86_64: "x86_64", aarch64: "aarch64", arm64: "aarch64", x64: "x86_64" };

export function systemOfTriple(triple: string): string {
  const [arch, , os] = triple.split("-");
  const nixArch = arch ? ARCHES[arch] : undefined;
  const nixOs = os === "linux" ? "linux" : os === "darwin" ? "darwin" : undefined;
  if (!nixArch || !nixOs) {
    throw new NixifyError("badInput", `no Nix system known for build triple ${triple}`, "pass --system, e.g. --system x86_64-linux");
  }
  return `${nixArch}-${nixOs}`;
}

export function hostSystem(): string {
  const arch = ARCHES[process.arch];
  const os = process.platform === "darwin" ? "darwin" : process.platform === "linux" ? "linux" : undefined;
  if (!arch || !os) throw new NixifyError("badInput", `no Nix system known for ${process.arch}-${process.platform}`, "pass --system");
  return `${arch}-${os}`;
}
