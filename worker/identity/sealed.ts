// Seals small secrets at rest (TOTP secrets) with AES-256-GCM under a key derived from
// DATA_ENCRYPTION_KEY, so a database dump alone does not reveal anyone's second factor.
import { base64 } from './passwords'

const encoder = new TextEncoder()
const keys = new Map<string, Promise<CryptoKey>>()

function keyFor(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret)
  if (!key) {
    key = (async () => {
      const material = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveKey'])
      return crypto.subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: encoder.encode('smoothschedule-sealed-v1'), info: encoder.encode('totp') },
        material,
        { name: 'AES-GCM', length: 256 },
        false,
        ['encrypt', 'decrypt'],
      )
    })()
    keys.set(secret, key)
  }
  return key
}

export async function seal(secret: string, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await keyFor(secret), encoder.encode(plaintext)))
  return `v1.${base64.encode(iv)}.${base64.encode(sealed)}`
}

export async function unseal(secret: string, sealed: string): Promise<string> {
  const [version, iv, data] = sealed.split('.')
  if (version !== 'v1' || !iv || !data) throw new Error('sealed value has an unknown format')
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: base64.decode(iv) }, await keyFor(secret), base64.decode(data))
  return new TextDecoder().decode(plain)
}
