import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** What a receiver got: the message id, the verified body, and whether each secret verified it. */
export interface Received {
  id: string;
  body: { type: string; timestamp: string; data: unknown };
  verifiedWith: string[];
  signature: string;
}

/**
 * A webhook receiver over real HTTP, verifying every message with the `standardwebhooks` package
 * as a customer's would. `answer` sets what it replies; `stop()`/`start()` take it off the network
 * and back on the same port ("down for a while").
 */
export class Receiver {
  readonly received: Received[] = [];
  /** Requests that arrived at all (verified or not). */
  requests = 0;
  answer = 200;
  /** Wait this long before answering (to make workers overlap). */
  delayMs = 0;
  secrets: string[] = [];
  private server: http.Server | undefined;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/beton`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        this.requests++;
        if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
        const raw = Buffer.concat(chunks).toString('utf8');
        const headers = {
          'webhook-id': String(req.headers['webhook-id'] ?? ''),
          'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
        };
        const verifiedWith = this.secrets.filter((secret) => {
          try {
            new Webhook(secret).verify(raw, headers);
            return true;
          } catch {
            return false;
          }
        });
        if (verifiedWith.length === 0) {
          res.writeHead(401).end('bad signature');
          return;
        }
        if (this.answer >= 200 && this.answer < 300) {
          this.received.push({
            id: headers['webhook-id'],
            body: JSON.parse(raw),
            verifiedWith,
            signature: headers['webhook-signature'],
          });
        }
        res
          .writeHead(this.answer, { 'content-type': 'text/plain' })
          .end(`answer ${this.answer} ${'x'.repeat(3000)}`);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A clock the test moves by hand. */
export class ManualClock {
  constructor(private at: number = Date.now()) {}
  now(): Date {
    return new Date(this.at);
  }
  set(to: Date | string | number): void {
    this.at = new Date(to).getTime();
  }
  advance(ms: number): void {
    this.at += ms;
  }
}
