import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { InvalidParameterError } from '@railyard/api'

/**
 * Encrypts datastore secrets at rest with AES-256-GCM under the server's key (RAILYARD_SECRET_KEY;
 * any string, stretched with SHA-256). Without a key, secrets cannot be stored, only referenced.
 */
export class SecretBox {
  private readonly key?: Buffer

  constructor(secret: string | undefined) {
    if (secret) this.key = createHash('sha256').update(secret).digest()
  }

  get available(): boolean {
    return this.key !== undefined
  }

  seal(plain: string): string {
    if (!this.key) {
      throw new InvalidParameterError(
        'This server has no secret key (RAILYARD_SECRET_KEY), so it cannot store credentials; reference environment variables or a secrets file instead',
      )
    }
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv)
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':')
  }

  open(sealed: string, what: string): string {
    if (!this.key) throw new InvalidParameterError(`${what}: credentials are stored encrypted, but this server has no RAILYARD_SECRET_KEY`)
    const [v, iv, tag, body] = sealed.split(':')
    try {
      if (v !== 'v1') throw new Error('unknown format')
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'))
      decipher.setAuthTag(Buffer.from(tag, 'base64'))
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8')
    } catch {
      throw new InvalidParameterError(`${what}: the stored credentials cannot be decrypted with this server's RAILYARD_SECRET_KEY`)
    }
  }
}
