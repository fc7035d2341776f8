# What Hydra's evaluator (hydra-eval-jobs) does with a jobset's `hydraJobs`, for `nix eval --apply`:
# a derivation is a job; any other attribute set is walked into, skipping names with `.` or a
# space as Hydra does, and null is left out; anything else fails the jobset. A job needs a system,
# and its name (the attribute path) must match Hydra's job name pattern. Returns, per job, what
# Hydra records: name, system, drvPath and outputs (`out` alone unless the derivation names more).
jobs:
let
  attrName = "[A-Za-z_][A-Za-z0-9_-]*";
  walk = path: v:
    if builtins.isAttrs v && (v.type or null) == "derivation" then
      if builtins.match "${attrName}(\\.${attrName})*" path == null then throw "job name '${path}' is not a valid Hydra job name"
      else if (v.system or "unknown") == "unknown" then throw "job '${path}': derivation must have a 'system' attribute"
      else [{
        name = path;
        value = { nixName = v.name; inherit (v) system drvPath; outputs = builtins.listToAttrs (map (o: { name = o; value = v.${o}.outPath; }) (v.outputs or [ "out" ])); };
      }]
    else if builtins.isAttrs v then
      builtins.concatMap
        (n: if builtins.match ".*[. ].*" n != null then [ ] else walk (if path == "" then n else "${path}.${n}") v.${n})
        (builtins.attrNames v)
    else if v == null then [ ]
    else throw "attribute '${path}' is ${builtins.typeOf v}, which is not supported";
in
builtins.listToAttrs (walk "" jobs)
