import { SMTPServer } from 'smtp-server';

/** One message the server took: its envelope recipients and the raw MIME text. */
export interface ReceivedMail {
  to: string[];
  raw: string;
}

export interface MailServer {
  /** `smtp://127.0.0.1:<port>`: what BETON_SMTP_URL takes. */
  url: string;
  mails: ReceivedMail[];
  close(): Promise<void>;
}

/**
 * A local SMTP server (the `smtp-server` package, no auth, no TLS) that keeps every message: what
 * digests are e-mailed to in tests.
 *
 * @example
 * const smtp = await startMailServer();
 * createTestRuntime({ env: { BETON_SMTP_URL: smtp.url } });
 * smtp.mails.filter((m) => m.to.includes('ann@seller.io'));
 */
export async function startMailServer(): Promise<MailServer> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (d: Buffer) => {
        raw += d.toString();
      });
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
