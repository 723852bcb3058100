// Look-ups the catalog has no function for yet (one resource by id, one customer by exact email),
// made from its list functions so that no page holds SQL. Candidates for worker/scheduling/catalog.ts.
import { listCustomers, listResources } from '../../worker/scheduling/catalog'
import { notFound } from './scheduling.server'

type Queryable = Parameters<typeof listCustomers>[0]

/** The business's resource with this id, or the 404 page. */
export async function resourceOrNotFound(pool: Queryable, schema: string, id: string | undefined) {
  const resource = (await listResources(pool, schema)).find((r) => r.id === id)
  if (!resource) notFound('This business has no such resource.')
  return resource
}

/** The customer with exactly this email, if any (listCustomers' search also matches parts of names and emails). */
export async function customerByEmail(pool: Queryable, schema: string, email: string) {
  const wanted = email.trim().toLowerCase()
  if (!wanted) return null
  return (await listCustomers(pool, schema, wanted, 500)).find((c) => c.email === wanted) ?? null
}
