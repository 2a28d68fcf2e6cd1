/**
 * Plays a WeCom service provider's command and data URLs for simulator tests (issue 16): checks each
 * push's signature and decrypts it with the receiveid WeCom must use (command: the suite id; data:
 * the corp in ToUserName; URL checks: suite id / provider corp id, DOC-90595, DOC-90613).
 * Command pushes go to `<url>/suite/command`, data pushes to `<url>/suite/data…`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import { WeComCrypto } from '../../shared/crypto';

const parser = new XMLParser({ parseTagValue: false });

export interface Received {
  readonly kind: 'command' | 'data';
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly envelope?: Record<string, string>;
  readonly event?: Record<string, string>;
}

/** Plays the provider's command and data URLs: checks the signature, decrypts with the receiveid WeCom must use. */
export class ProviderStub {
  readonly received: Received[] = [];
  /** Requests the stub could not verify or decrypt (must stay empty). */
  readonly errors: string[] = [];
  commandAnswer = 'success';
  commandDelayMs = 0;
  url = '';
  private server?: Server;

  constructor(private readonly keys: { readonly token: string; readonly aesKey: string; readonly suiteId: string; readonly providerCorpId: string }) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://stub');
        const kind = url.pathname.startsWith('/suite/command') ? 'command' : 'data';
        let answer: string;
        try {
          answer = this.handle(kind, req, url, Buffer.concat(chunks).toString('utf8'));
        } catch (error) {
          this.errors.push(`${kind}: ${(error as Error).message}`);
          res.writeHead(500);
          res.end('stub could not decrypt');
          return;
        }
        setTimeout(() => res.end(answer), kind === 'command' ? this.commandDelayMs : 0);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  private handle(kind: 'command' | 'data', req: IncomingMessage, url: URL, body: string): string {
    const q = url.searchParams;
    const signed = { msgSignature: q.get('msg_signature') ?? '', timestamp: q.get('timestamp') ?? '', nonce: q.get('nonce') ?? '' };
    if (req.method === 'GET') {
      // URL check: command with the suite id, data with the provider corpid (DOC-90595).
      const receiveId = kind === 'command' ? this.keys.suiteId : this.keys.providerCorpId;
      this.received.push({ kind, method: 'GET', path: url.pathname, query: q });
      return new WeComCrypto({ token: this.keys.token, encodingAesKey: this.keys.aesKey, receiveId }).verifyUrl({ ...signed, echostr: q.get('echostr') ?? '' });
    }
    const envelope = (parser.parse(body) as { xml: Record<string, string> }).xml;
    // Command events: receiveid = the suite id, which is ToUserName (DOC-90613); app events: the corp id
    // the app sees, also ToUserName. Tests assert ToUserName, so decrypting with it checks the receiveid.
    const receiveId = envelope.ToUserName!;
    const plaintext = new WeComCrypto({ token: this.keys.token, encodingAesKey: this.keys.aesKey, receiveId }).decryptMessage({ ...signed, encrypt: envelope.Encrypt! });
    const event = (parser.parse(plaintext) as { xml: Record<string, string> }).xml;
    this.received.push({ kind, method: 'POST', path: url.pathname, query: q, envelope, event });
    return kind === 'command' ? this.commandAnswer : '';
  }

  commands(infoType: string): Record<string, string>[] {
    return this.received.filter((r) => r.kind === 'command' && r.event?.InfoType === infoType).map((r) => r.event!);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }
}
