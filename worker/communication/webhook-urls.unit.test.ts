// Which URLs may receive webhooks: always http(s) without credentials; in production, never a
// loopback, private, link-local or otherwise non-public address, nor a local-only name.
import { describe, expect, it } from 'vitest'
import { webhookUrlProblem } from './webhooks'

const production = { production: true }
const development = { production: false }

describe('webhook URLs', () => {
  it('accepts public http(s) URLs everywhere', () => {
    for (const url of ['https://hooks.example.com/in', 'http://api.example.org:8080/hooks?x=1', 'https://93.184.216.34/hook', 'https://[2606:4700::1111]/hook']) {
      expect(webhookUrlProblem(url, production), url).toBeNull()
      expect(webhookUrlProblem(url, development), url).toBeNull()
    }
  })

  it('refuses other schemes, credentials and non-URLs in every mode', () => {
    for (const options of [production, development]) {
      expect(webhookUrlProblem('ftp://hooks.example.com/x', options)).toMatch(/http or https, not ftp/)
      expect(webhookUrlProblem('javascript:alert(1)', options)).toMatch(/http or https/)
      expect(webhookUrlProblem('file:///etc/passwd', options)).toMatch(/http or https/)
      expect(webhookUrlProblem('https://user:secret@hooks.example.com/', options)).toMatch(/user name or password/)
      expect(webhookUrlProblem('hooks.example.com/in', options)).toMatch(/absolute URL/)
    }
  })

  it('in production refuses loopback, private, link-local, shared and local-only targets', () => {
    const refused: [string, RegExp][] = [
      ['http://127.0.0.1:8080/hook', /loopback/],
      ['http://127.8.9.10/hook', /loopback/],
      ['http://[::1]/hook', /loopback/],
      ['http://[::ffff:127.0.0.1]/hook', /loopback/],
      ['http://10.0.0.5/hook', /private/],
      ['http://192.168.1.20/hook', /private/],
      ['http://172.16.0.1/hook', /private/],
      ['http://169.254.169.254/latest/meta-data', /linkLocal/],
      ['http://100.64.0.1/hook', /carrierGradeNat/],
      ['http://0.0.0.0/hook', /unspecified/],
      ['http://[fd00::1]/hook', /uniqueLocal/],
      ['http://localhost:3000/hook', /local name/],
      ['http://api.localhost/hook', /local name/],
      ['http://printer.local/hook', /local name/],
      ['http://db.internal/hook', /local name/],
      ['http://intranet/hook', /local name/],
    ]
    for (const [url, reason] of refused) {
      expect(webhookUrlProblem(url, production), url).toMatch(reason)
      expect(webhookUrlProblem(url, development), `${url} in development`).toBeNull()
    }
  })
})
