/**
 * Downloads a smart bot message's image or file (issue 15). DOC-100719: the callback carries a URL
 * "有效期为5分钟" to the encrypted bytes (AES-256-CBC with the bot's EncodingAESKey, PKCS#7 to 32,
 * no frame; shared/crypto/wecom-media.ts). The file may be up to 100 MB; dutybridge keeps media in
 * a Lambda's memory, so the size is capped by the caller and enforced twice: by Content-Length
 * before reading, and by counting while reading (a chunked or lying server is cut off).
 *
 * The URL's query is a credential-like signed link: no error message includes the URL beyond its
 * host.
 */
import { BotMediaError, type BotMediaFetcher } from '../../application/smart-bot-ports';
import { decryptWeComMedia, WeComMediaDecryptError } from '../../crypto/wecom-media';

/** PKCS#7 to 32 bytes adds 1..32 bytes: the ciphertext of a `maxBytes` file is at most this much larger. */
const PADDING_ALLOWANCE = 32;
export const DEFAULT_MEDIA_TIMEOUT_MS = 10_000;

export interface HttpBotMediaFetcherOptions {
  readonly fetch?: typeof fetch;
  /** Deadline for the whole download (headers and body). */
  readonly timeoutMs?: number;
}

export class HttpBotMediaFetcher implements BotMediaFetcher {
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(options: HttpBotMediaFetcherOptions = {}) {
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_MEDIA_TIMEOUT_MS;
  }

  async fetch(url: string, encodingAesKey: string, maxBytes: number): Promise<Buffer> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new BotMediaError('unavailable', 'media URL is not a URL');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new BotMediaError('unavailable', `media URL scheme ${parsed.protocol} is not http(s)`);
    const where = parsed.host;
    const limit = maxBytes + PADDING_ALLOWANCE;

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const encrypted = await this.download(parsed.href, where, limit, controller);
      let plain: Buffer;
      try {
        plain = decryptWeComMedia(encrypted, encodingAesKey);
      } catch (error) {
        if (error instanceof WeComMediaDecryptError) throw new BotMediaError('undecryptable', `media from ${where} could not be decrypted: ${error.message}`);
        throw error;
      }
      if (plain.length > maxBytes) throw new BotMediaError('too_large', `media from ${where} is larger than ${maxBytes} bytes`);
      return plain;
    } finally {
      clearTimeout(timer);
    }
  }

  private async download(href: string, where: string, limit: number, controller: AbortController): Promise<Buffer> {
    const failed = (error: unknown): BotMediaError => {
      if (error instanceof BotMediaError) return error;
      if (controller.signal.aborted) return new BotMediaError('unavailable', `media from ${where} did not arrive within ${this.timeoutMs} ms`);
      return new BotMediaError('unavailable', `network failure downloading media from ${where}`);
    };
    let response: Response;
    try {
      response = await this.fetchImpl(href, { method: 'GET', signal: controller.signal });
    } catch (error) {
      throw failed(error);
    }
    const stop = async (error: BotMediaError): Promise<never> => {
      controller.abort();
      await response.body?.cancel().catch(() => undefined);
      throw error;
    };
    // An expired link answers 4xx (the 5-minute validity, DOC-100719).
    if (response.status < 200 || response.status > 299) return stop(new BotMediaError('unavailable', `media download from ${where} answered HTTP ${response.status}`));
    const declared = response.headers.get('content-length');
    if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) {
      return stop(new BotMediaError('too_large', `media from ${where} declares ${declared} bytes, more than ${limit}`));
    }
    if (!response.body) return Buffer.alloc(0);

    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let received = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.byteLength;
        if (received > limit) {
          controller.abort();
          await reader.cancel().catch(() => undefined);
          throw new BotMediaError('too_large', `media from ${where} is larger than ${limit} bytes`);
        }
        chunks.push(value);
      }
    } catch (error) {
      throw failed(error);
    }
    return Buffer.concat(chunks, received);
  }
}
