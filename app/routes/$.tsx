// Any path no route claims: a proper 404 page in the host's layout.
export async function loader() {
  throw new Response(JSON.stringify({ code: 'not_found', message: 'There is nothing at this address.' }), {
    status: 404,
    headers: { 'Content-Type': 'application/json' },
  })
}

export default function NotFound() {
  return null
}
