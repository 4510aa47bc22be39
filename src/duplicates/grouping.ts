/**
 * Complete-linkage groups from close pairs: every two members of a group are within the limit, so unrelated photos
 * never chain into one group through a path of near neighbours (A~B, B~C, but A far from C).
 *
 * Greedy: the item with the most close neighbours founds a group; its neighbours join nearest first, each only if
 * it is within the limit of every member already in; repeat with the items left. Groups stay small (a handful of
 * copies), so checking every member is cheap.
 */

/** Close pairs: items a[k] and b[k] at distance d[k] (smaller is closer). */
export interface Edges {
  a: ArrayLike<number>;
  b: ArrayLike<number>;
  d: ArrayLike<number>;
}

export interface Group {
  /** Item indices, founder first. */
  members: number[];
  /** Largest distance between two members (the group's diameter). */
  diameter: number;
}

/** Groups of two or more items out of `n`, from edges already within the limit. */
export function completeLinkage(n: number, edges: Edges): Group[] {
  const neighbours = adjacency(n, edges);
  const assigned = new Uint8Array(n);
  const founders = [...neighbours.keys()].sort((x, y) => neighbours.get(y)!.size - neighbours.get(x)!.size || x - y);
  const groups: Group[] = [];
  for (const founder of founders) {
    if (assigned[founder]) continue;
    const members = [founder];
    let diameter = 0;
    const candidates = [...neighbours.get(founder)!].filter(([j]) => !assigned[j]).sort((p, q) => p[1] - q[1] || p[0] - q[0]);
    for (const [candidate] of candidates) {
      const near = neighbours.get(candidate)!;
      let farthest = 0;
      let fits = true;
      for (const m of members) {
        const d = near.get(m);
        if (d === undefined) {
          fits = false;
          break;
        }
        farthest = Math.max(farthest, d);
      }
      if (!fits) continue;
      members.push(candidate);
      diameter = Math.max(diameter, farthest);
    }
    if (members.length < 2) continue;
    for (const m of members) assigned[m] = 1;
    groups.push({ members, diameter });
  }
  return groups;
}

/** Neighbour -> distance, per item that has any. */
function adjacency(n: number, edges: Edges): Map<number, Map<number, number>> {
  const out = new Map<number, Map<number, number>>();
  const link = (x: number, y: number, d: number) => {
    let m = out.get(x);
    if (!m) out.set(x, (m = new Map()));
    m.set(y, d);
  };
  for (let k = 0; k < edges.a.length; k++) {
    const x = edges.a[k]!;
    const y = edges.b[k]!;
    if (x === y || x < 0 || y < 0 || x >= n || y >= n) continue;
    link(x, y, edges.d[k]!);
    link(y, x, edges.d[k]!);
  }
  return out;
}
