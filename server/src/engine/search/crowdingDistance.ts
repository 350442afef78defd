/**
 * Crowding distance of the points of one front (Deb et al. 2002): per objective,
 * the gap between a point's two neighbours divided by that objective's range in the
 * front, summed over objectives. The extremes of each objective get Infinity so the
 * ends of the front always survive. An objective on which the whole front agrees
 * (range 0) says nothing about spread and adds nothing, not even infinities.
 * Ties are ordered by index so the result does not depend on the sort.
 */
export function crowdingDistance(objectives: readonly (readonly number[])[]): number[] {
  const n = objectives.length;
  const distance = new Array<number>(n).fill(0);
  if (n === 0) return distance;
  if (n <= 2) return distance.fill(Infinity);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let m = 0; m < objectives[0].length; m++) {
    order.sort((a, b) => objectives[a][m] - objectives[b][m] || a - b);
    const lo = objectives[order[0]][m];
    const range = objectives[order[n - 1]][m] - lo;
    if (!(range > 0)) continue;
    distance[order[0]] = Infinity;
    distance[order[n - 1]] = Infinity;
    for (let k = 1; k < n - 1; k++) {
      distance[order[k]] += (objectives[order[k + 1]][m] - objectives[order[k - 1]][m]) / range;
    }
  }
  return distance;
}
