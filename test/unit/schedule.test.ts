// lib/steps/schedule.ts: the order steps are numbered (and so built) in.
import { describe, expect, test } from "bun:test";
import { scheduleOrder } from "../../lib/steps/schedule.ts";

/** Names and their dependencies (by name) -> the names in scheduleOrder's order. */
function order(graph: { [name: string]: string[] }): string[] | undefined {
  const names = Object.keys(graph);
  const deps = names.map((n) => new Set(graph[n]!.map((d) => names.indexOf(d))));
  return scheduleOrder(deps, (i) => names[i]!)?.map((i) => names[i]!);
}

describe("scheduleOrder", () => {
  test.each([
    ["independent steps go by key", { c: [], a: [], b: [] }, ["a", "b", "c"]],
    ["a step comes after its dependencies", { a: ["b"], b: ["c"], c: [] }, ["c", "b", "a"]],
    // z heads a chain of three, a stands alone: z first although a sorts before it, then y (a
    // chain of two); a and x wait on nothing more, so they go by key.
    ["the longest chain waiting on a step goes first", { a: [], z: [], y: ["z"], x: ["y"] }, ["z", "y", "a", "x"]],
    // 1.63's compiler: std, then the crates on the way to rustc_driver before a leaf tool crate.
    ["a chain counts its longest branch", { std: [], tool: ["std"], middle: ["std"], typeck: ["middle"], driver: ["typeck", "middle"] }, ["std", "middle", "typeck", "driver", "tool"]],
    ["equal chains go by key", { b: [], a: [], b2: ["b"], a2: ["a"] }, ["a", "b", "a2", "b2"]],
    ["nothing", {}, []],
  ])("%s", (_, graph, expected) => expect(order(graph)).toEqual(expected));

  test("a cycle has no order", () => expect(order({ a: ["b"], b: ["a"], c: [] })).toBeUndefined());
});
