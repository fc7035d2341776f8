// The order a tree's steps are numbered in is the order Nix builds them in: of the derivations
// ready to build, Nix starts the one whose name sorts first, and a step's name starts with its
// number. So among the ready steps, the one heading the heaviest chain of steps waiting on it
// goes first (the critical path), then the one with the smallest key. A step's weight is how much
// code it made (a compiler call's output bytes): seconds measured in a capture would differ from
// one capture to the next, the bytes of a reproducible build do not. On the 1.63 compiler this
// keeps both cores busy where numbering by name left its last crates to build one at a time.

/**
 * Indices 0..n-1 in dependency order (each after everything in its `deps`), the heaviest chain of
 * dependents first (by `weight`, each index's own), then by `key`; undefined if the dependencies
 * form a cycle.
 */
export function scheduleOrder(deps: Set<number>[], key: (i: number) => string, weight: (i: number) => number = () => 1): number[] | undefined {
  const dependents = deps.map(() => [] as number[]);
  deps.forEach((ds, i) => ds.forEach((j) => dependents[j]!.push(i)));
  const topo = kahn(deps, dependents, () => 0);
  if (!topo) return undefined;
  // Each one's chain: itself and the heaviest chain among those that wait on it.
  const chain = new Array<number>(deps.length).fill(0);
  for (const i of topo.reverse()) chain[i] = weight(i) + Math.max(0, ...dependents[i]!.map((d) => chain[d]!));
  const keys = deps.map((_, i) => key(i));
  return kahn(deps, dependents, (a, b) => chain[b]! - chain[a]! || (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
}

/** Kahn's algorithm, taking the first ready index by `compare` each time. */
function kahn(deps: Set<number>[], dependents: number[][], compare: (a: number, b: number) => number): number[] | undefined {
  const waiting = deps.map((ds) => ds.size);
  const ready = waiting.flatMap((w, i) => (w === 0 ? [i] : []));
  const order: number[] = [];
  while (ready.length > 0) {
    let best = 0;
    for (let r = 1; r < ready.length; r++) if (compare(ready[r]!, ready[best]!) < 0) best = r;
    const i = ready.splice(best, 1)[0]!;
    order.push(i);
    for (const d of dependents[i]!) if (--waiting[d]! === 0) ready.push(d);
  }
  return order.length === deps.length ? order : undefined;
}
