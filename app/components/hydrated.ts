import { useEffect, useState } from 'react'

/**
 * false in the server's HTML and until React takes over the page: controls only a no-JS browser
 * needs show while it is false, and buttons that need JavaScript stay disabled (a click before
 * hydration would otherwise do nothing).
 */
export function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false)
  useEffect(() => setHydrated(true), [])
  return hydrated
}
