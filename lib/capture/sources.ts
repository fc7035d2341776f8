// What of the checkout the observed calls name, read from the machine once: which of the paths
// they name exist, and which folders among and above them are packages. steps/sources.ts makes
// each step's source from these.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { checkoutPaths } from "../placeholders.ts";

export type CheckoutPaths = {
  /** The checkout-relative paths the calls name that exist. */
  paths: Set<string>;
  /** The folders among and above them that are packages (hold a Cargo.toml). */
  packages: Set<string>;
};

/** What `texts` (symbolic: the checkout is `@src@`) name of the checkout at `root`. */
export function checkoutPathsOf(root: string, texts: Iterable<string>): CheckoutPaths {
  const paths = new Set<string>();
  const packages = new Set<string>();
  const looked = new Set<string>();
  for (const path of checkoutPaths([...texts])) {
    if (!existsSync(join(root, path))) continue;
    paths.add(path);
    for (let dir = path; dir !== "." && dir !== "" && !looked.has(dir); dir = dirname(dir)) {
      looked.add(dir);
      if (existsSync(join(root, dir, "Cargo.toml"))) packages.add(dir);
    }
  }
  return { paths, packages };
}
