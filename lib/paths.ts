// Path helpers shared by the stages (capture, depths, write): below all of them, so none reaches
// into another for them.

/** Whether `path` is `dir` or lies inside it (real paths). */
export const holds = (dir: string, path: string) => path === dir || path.startsWith(dir === "/" ? "/" : `${dir}/`);
