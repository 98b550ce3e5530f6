import nodemailer from 'nodemailer';
import type { Config } from '../core/config.js';

/** One message Beton sends (invitations). */
export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** Sends mail, or says it cannot (no SMTP configured). */
export interface Mailer {
  /** False when `BETON_SMTP_URL` is unset: callers then hand the link over themselves. */
  readonly enabled: boolean;
  send(mail: Mail): Promise<void>;
  close(): void;
}

/**
 * A mailer for `BETON_SMTP_URL` (`smtp://` or `smtps://user:pass@host:port`) sending from
 * `BETON_MAIL_FROM` (default `Beton <beton@HOST-of-the-SMTP-URL>`). Without `BETON_SMTP_URL` it is
 * disabled and `send` throws.
 *
 * @example
 * const mailer = createMailer(config);
 * if (mailer.enabled) await mailer.send({ to: 'bo@acme.test', subject: 'Join Acme', text: link });
 */
export function createMailer(config: Pick<Config, 'BETON_SMTP_URL' | 'BETON_MAIL_FROM'>): Mailer {
  const url = config.BETON_SMTP_URL;
  if (!url) {
    return {
      enabled: false,
      send: async () => {
        throw new Error('E-mail is not configured: set BETON_SMTP_URL to send invitations.');
      },
      close: () => {},
    };
  }
  const transport = nodemailer.createTransport(url);
  const from = config.BETON_MAIL_FROM ?? `Beton <beton@${new URL(url).hostname}>`;
  return {
    enabled: true,
    async send(mail) {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    },
    close: () => transport.close(),
  };
}
