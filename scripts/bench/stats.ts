// Small numeric helpers for the benchmark: summaries, a seeded random source, bounded concurrency.

export interface Summary {
  n: number
  min: number
  median: number
  p95: number
  max: number
  mean: number
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits

/** Nearest-rank percentile of an ascending list (p in 0..100). */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[Math.min(rank, sorted.length) - 1]!
}

export function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b)
  const n = sorted.length
  if (n === 0) return { n: 0, min: NaN, median: NaN, p95: NaN, max: NaN, mean: NaN }
  const mid = Math.floor(n / 2)
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  return {
    n,
    min: round(sorted[0]!),
    median: round(median),
    p95: round(percentile(sorted, 95)),
    max: round(sorted[n - 1]!),
    mean: round(sorted.reduce((a, b) => a + b, 0) / n),
  }
}

export { round }

/** mulberry32: a tiny seeded PRNG, so every run seeds the same busy intervals. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Runs `task(i)` for i in [0, count) with at most `limit` in flight; results in index order.
 * After `stopAt` (epoch ms) nothing new starts: those indexes hold undefined.
 */
export async function pooled<T>(count: number, limit: number, task: (i: number) => Promise<T>, stopAt = Infinity): Promise<(T | undefined)[]> {
  const results = new Array<T | undefined>(count).fill(undefined)
  let next = 0
  const worker = async () => {
    while (next < count && Date.now() < stopAt) {
      const i = next++
      results[i] = await task(i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker))
  return results
}

export function countBy<T>(items: T[], key: (item: T) => string | number): Record<string, number> {
  const out: Record<string, number> = {}
  for (const item of items) {
    const k = String(key(item))
    out[k] = (out[k] ?? 0) + 1
  }
  return out
}
